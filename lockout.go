package locker

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// CodeKind names one wrong-code counter. Each path into the kiosk has its
// own, so wrong codes on one path never close another.
type CodeKind string

// The counters.
const (
	KindPIN     CodeKind = "pin"     // recipient PIN at the keypad
	KindCourier CodeKind = "courier" // courier keypad code or badge
	KindStaff   CodeKind = "staff"   // staff sign-ins: PIN and TOTP code
	KindTOTP    CodeKind = "totp"    // wrong TOTP codes given with a right staff PIN
	KindQR      CodeKind = "qr"      // QR codes whose signature is wrong
)

// Policy is how one counter answers wrong codes: Burst wrong codes within
// Window start a lockout of Base, doubling with each further lockout up to
// Max; the doubling starts over once Reset has passed since the last
// lockout ended. Independently, Daily wrong codes within any DailyWindow
// close the path until the oldest of them is DailyWindow old: pausing does
// not reset that budget. Daily 0 means no budget.
type Policy struct {
	Burst  int
	Window time.Duration
	Base   time.Duration
	Max    time.Duration
	Reset  time.Duration
	Daily  int
}

// The recipient PIN policy, also the base of the courier and staff ones.
const (
	LockoutFailures = 5
	LockoutWindow   = 10 * time.Minute
	LockoutBase     = 30 * time.Second
	LockoutMax      = 15 * time.Minute
	LockoutReset    = time.Hour
	// DailyWindow is the span of the daily budgets.
	DailyWindow = 24 * time.Hour
	// PINDailyBudget is how many wrong PINs the keypad takes per
	// DailyWindow; after that a recipient needs the QR code (or staff).
	PINDailyBudget = 30
	// CourierDailyBudget is how many wrong courier codes the kiosk takes per
	// DailyWindow; a staff sign-in lifts a closed courier path.
	CourierDailyBudget = 10
	// TOTPDailyBudget is how many wrong TOTP codes the kiosk takes per
	// DailyWindow with a right staff PIN (someone who knows a PIN); after
	// that no TOTP code is tried until the oldest is a day old. Wrong staff
	// PINs only meet the burst lockout: a prankster who knows no PIN cannot
	// keep the staff out for a day.
	TOTPDailyBudget = 20
	// AlertEvery is the least time between two security.alert events of
	// one counter.
	AlertEvery = time.Hour
)

// Junk QR throttle: a QR code whose signature is wrong can never succeed,
// so it never closes anything. QRJunkBurst of them within QRJunkWindow
// throttle the recording: further junk is refused without an audit row or a
// write to the store until QRJunkThrottle has passed, and counted in the
// next security.alert.
const (
	QRJunkBurst    = 5
	QRJunkWindow   = time.Minute
	QRJunkThrottle = time.Minute
)

// DefaultPolicies returns the policy of every counter.
func DefaultPolicies() map[CodeKind]Policy {
	base := Policy{Burst: LockoutFailures, Window: LockoutWindow, Base: LockoutBase, Max: LockoutMax, Reset: LockoutReset}
	pin, courier, ret := base, base, base
	pin.Daily, courier.Daily, ret.Daily = PINDailyBudget, CourierDailyBudget, ReturnDailyBudget
	return map[CodeKind]Policy{
		KindReturn:  ret,
		KindPIN:     pin,
		KindCourier: courier,
		KindStaff:   base,
		KindTOTP:    {Daily: TOTPDailyBudget},
		KindQR:      {Burst: QRJunkBurst, Window: QRJunkWindow, Base: QRJunkThrottle, Max: QRJunkThrottle},
	}
}

// Counter is one path's wrong-code state.
type Counter struct {
	Failures    []time.Time `json:"failures,omitempty"`    // recent wrong codes, oldest first
	Level       int         `json:"level,omitempty"`       // lockouts so far in a row
	LockedAt    time.Time   `json:"locked_at,omitzero"`    // start of the last lockout
	LockedUntil time.Time   `json:"locked_until,omitzero"` // end of the last lockout
	AlertedAt   time.Time   `json:"alerted_at,omitzero"`   // last security.alert
	Unreported  int         `json:"unreported,omitempty"`  // wrong codes since the last alert
	Since       time.Time   `json:"since,omitzero"`        // first of the unreported
}

// Lockout is the keypad's security state: one Counter per CodeKind and the
// TOTP replay guard. It survives a restart.
type Lockout struct {
	Counters map[CodeKind]Counter `json:"counters,omitempty"`
	// TOTPUsed is the last TOTP counter accepted per staff id: a code is
	// accepted once.
	TOTPUsed map[string]uint64 `json:"totp_used,omitempty"`
}

// UnmarshalJSON reads a Lockout, including the single counter stored by
// earlier versions (it becomes the PIN counter).
func (l *Lockout) UnmarshalJSON(b []byte) error {
	type plain Lockout
	var v struct {
		plain
		Failures    []time.Time `json:"failures"`
		Level       int         `json:"level"`
		LockedUntil time.Time   `json:"locked_until"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = Lockout(v.plain)
	if len(v.Failures) > 0 || !v.LockedUntil.IsZero() {
		if l.Counters == nil {
			l.Counters = map[CodeKind]Counter{}
		}
		if _, ok := l.Counters[KindPIN]; !ok {
			l.Counters[KindPIN] = Counter{Failures: v.Failures, Level: v.Level, LockedUntil: v.LockedUntil}
		}
	}
	return nil
}

// Until returns when the path of kind k opens again, and whether it is
// closed at now (by a lockout or by its spent daily budget).
func (l Lockout) Until(p Policy, k CodeKind, now time.Time) (time.Time, bool) {
	return l.Counters[k].until(p, now)
}

// until returns when c's path opens again and whether it is closed at now.
func (c Counter) until(p Policy, now time.Time) (time.Time, bool) {
	var end time.Time
	if now.Before(c.LockedUntil) {
		end = c.LockedUntil
	}
	if b := c.budgetOpens(p, now); b.After(end) {
		end = b
	}
	return end, !end.IsZero()
}

// budgetOpens returns when the daily budget has room again, or the zero
// time when it has room at now.
func (c Counter) budgetOpens(p Policy, now time.Time) time.Time {
	if p.Daily <= 0 {
		return time.Time{}
	}
	in := c.since(now.Add(-DailyWindow))
	if len(in) < p.Daily {
		return time.Time{}
	}
	return in[len(in)-p.Daily].Add(DailyWindow)
}

// since returns the failures after t.
func (c Counter) since(t time.Time) []time.Time {
	i, _ := slices.BinarySearchFunc(c.Failures, t, func(f, t time.Time) int {
		if f.After(t) {
			return 1
		}
		return -1
	})
	return c.Failures[i:]
}

// withFailure returns c after a wrong code at now, and whether that code
// started a lockout or spent the daily budget.
func (c Counter) withFailure(p Policy, now time.Time) (Counter, bool) {
	keep := p.Window
	if p.Daily > 0 {
		keep = max(keep, DailyWindow)
	}
	n := c
	n.Failures = append(slices.Clone(c.since(now.Add(-keep))), now)
	if m := max(p.Burst, p.Daily); len(n.Failures) > m {
		n.Failures = n.Failures[len(n.Failures)-m:]
	}
	if n.Unreported == 0 {
		n.Since = now
	}
	n.Unreported++
	burst := 0
	for _, f := range n.since(now.Add(-p.Window)) {
		if n.LockedAt.IsZero() || f.After(n.LockedAt) {
			burst++
		}
	}
	closed := false
	if p.Burst > 0 && burst >= p.Burst {
		if !n.LockedUntil.IsZero() && now.Sub(n.LockedUntil) > p.Reset {
			n.Level = 0
		}
		d := p.Base
		for range n.Level {
			d *= 2
			if d >= p.Max {
				break
			}
		}
		d = min(d, p.Max)
		n.Level++
		n.LockedAt = now
		n.LockedUntil = now.Add(d)
		closed = true
	}
	if p.Daily > 0 && !n.budgetOpens(p, now).IsZero() && c.budgetOpens(p, now).IsZero() {
		closed = true
	}
	return n, closed
}

// clone returns a deep copy of l.
func (l Lockout) clone() Lockout {
	n := Lockout{Counters: maps.Clone(l.Counters), TOTPUsed: maps.Clone(l.TOTPUsed)}
	for k, c := range n.Counters {
		c.Failures = slices.Clone(c.Failures)
		n.Counters[k] = c
	}
	return n
}

// with returns a copy of l with counter k set to c.
func (l Lockout) with(k CodeKind, c Counter) Lockout {
	n := l.clone()
	if n.Counters == nil {
		n.Counters = map[CodeKind]Counter{}
	}
	n.Counters[k] = c
	return n
}

// checkLockedLocked returns ErrLockedOut while the path of kind k is
// closed: locked after a burst of wrong codes, or its daily budget spent.
func (s *Service) checkLockedLocked(k CodeKind) error {
	now := s.clock.Now()
	until, closed := s.lockout.Until(s.policy[k], k, now)
	if !closed {
		return nil
	}
	return s.lockedErr(k, until, now)
}

// lockedErr is the ErrLockedOut of path k closed until until.
func (s *Service) lockedErr(k CodeKind, until, now time.Time) error {
	wait := until.Sub(now).Round(time.Second)
	if k == KindPIN && wait > s.policy[k].Max {
		return fmt.Errorf("%w: too many wrong PINs today: use the QR code or ask the building office (PIN entry again in %s)", ErrLockedOut, wait)
	}
	return fmt.Errorf("%w: too many wrong codes, try again in %s", ErrLockedOut, wait)
}

// wrongCodeLocked records a wrong code on the counter of kind k, and on
// the extra counters also (detail names it in the audit row: "pin",
// "courier", "staff", "totp", "qr"), in one change, and returns the error
// to show: cause or ErrWrongCode, or ErrLockedOut when this code closed
// path k. The in-memory count is kept even if the store is down, so a
// broken disk never lifts the lockout. A junk QR code never closes
// anything; past its burst it is only counted in memory.
func (s *Service) wrongCodeLocked(ctx context.Context, k CodeKind, detail string, cause error, also ...CodeKind) error {
	now := s.clock.Now()
	if old := s.lockout.Counters[KindQR]; k == KindQR && now.Before(old.LockedUntil) {
		// Throttled: no audit row, no write.
		c, _ := old.withFailure(s.policy[k], now)
		c.LockedAt, c.LockedUntil, c.Level = old.LockedAt, old.LockedUntil, old.Level
		s.lockout = s.lockout.with(k, c)
		return s.wrongErr(k, cause)
	}
	ch := &Change{}
	s.addAudit(ch, "keypad", "code.wrong", detail, "")
	l := s.lockout
	var closedK bool
	for i, kind := range append([]CodeKind{k}, also...) {
		p := s.policy[kind]
		c, closed := l.Counters[kind].withFailure(p, now)
		if i == 0 {
			closedK = closed
		}
		if closed {
			if kind == KindQR {
				s.addAudit(ch, "system", "qr.throttled", string(kind), c.LockedUntil.UTC().Format(time.RFC3339))
			} else {
				until, _ := c.until(p, now)
				s.addEvent(ch, EvtPINLockout, map[string]any{
					"until": until.UTC().Format(time.RFC3339Nano), "level": c.Level, "kind": string(kind),
					"seconds": int(until.Sub(now) / time.Second),
				})
				s.addAudit(ch, "system", "pin.lockout", string(kind), until.UTC().Format(time.RFC3339))
			}
			if c.AlertedAt.IsZero() || now.Sub(c.AlertedAt) >= AlertEvery {
				s.addEvent(ch, EvtSecurityAlert, map[string]any{
					"kind": string(kind), "count": c.Unreported,
					"window":  now.Sub(c.Since).Round(time.Second).String(),
					"since":   c.Since.UTC().Format(time.RFC3339Nano),
					"in_24h":  len(c.since(now.Add(-DailyWindow))),
					"blocked": kind != KindQR,
				})
				c.AlertedAt, c.Unreported, c.Since = now, 0, time.Time{}
			}
		}
		l = l.with(kind, c)
	}
	ch.Lockout = &l
	if err := s.commitLocked(ctx, ch); err != nil {
		s.lockout = l.clone()
	}
	if closedK && k != KindQR {
		until, _ := l.Until(s.policy[k], k, now)
		return s.lockedErr(k, until, now)
	}
	return s.wrongErr(k, cause)
}

// pinLockedLocked reports whether the PIN keypad is closed at now.
func (s *Service) pinLockedLocked(now time.Time) bool {
	_, closed := s.lockout.Until(s.policy[KindPIN], KindPIN, now)
	return closed
}

// wrongErr is the error of a wrong code of kind k.
func (s *Service) wrongErr(k CodeKind, cause error) error {
	if cause != nil {
		return cause
	}
	return fmt.Errorf("%w: %s", ErrWrongCode, k)
}
