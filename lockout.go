package locker

import (
	"slices"
	"time"
)

// Keypad lockout policy: LockoutFailures wrong codes within LockoutWindow
// lock the keypad for LockoutBase, doubling with each further lockout up to
// LockoutMax. The doubling starts over once LockoutReset has passed since
// the last lockout ended.
const (
	LockoutFailures = 5
	LockoutWindow   = 10 * time.Minute
	LockoutBase     = 30 * time.Second
	LockoutMax      = 15 * time.Minute
	LockoutReset    = time.Hour
)

// IsLocked reports whether the keypad is locked at now.
func (l Lockout) IsLocked(now time.Time) bool {
	return !l.LockedUntil.IsZero() && now.Before(l.LockedUntil)
}

// withFailure returns the lockout state after a wrong code at now, and
// whether that code started a lockout.
func (l Lockout) withFailure(now time.Time) (Lockout, bool) {
	n := Lockout{Level: l.Level, LockedUntil: l.LockedUntil}
	for _, f := range l.Failures {
		if now.Sub(f) < LockoutWindow {
			n.Failures = append(n.Failures, f)
		}
	}
	n.Failures = append(n.Failures, now)
	if len(n.Failures) < LockoutFailures {
		return n, false
	}
	if !n.LockedUntil.IsZero() && now.Sub(n.LockedUntil) > LockoutReset {
		n.Level = 0
	}
	d := LockoutBase
	for range n.Level {
		d *= 2
		if d >= LockoutMax {
			d = LockoutMax
			break
		}
	}
	n.Level++
	n.LockedUntil = now.Add(d)
	n.Failures = nil
	return n, true
}

// clone returns a deep copy of l.
func (l Lockout) clone() Lockout {
	l.Failures = slices.Clone(l.Failures)
	return l
}
