package lockio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/parcelkiosk/locker"
)

// SimOptions configures a simulated lock bank.
type SimOptions struct {
	Protocol string // "kerong-cu16" | "gen8a"
	// Boards is the number of boards; they get consecutive addresses from
	// the protocol's lowest (0 for kerong-cu16, 1 for gen8a). Default 1.
	Boards int
	// Locks is the number of locks wired on each board. Default 16.
	Locks int
	// SensorClosedBit is the sensor bit value of a closed door; set it as
	// the bus's Options.SensorClosedBit.
	SensorClosedBit int
	// NoUnlockReply makes the boards open the lock and send nothing back,
	// like firmware that does not acknowledge an unlock.
	NoUnlockReply bool
	// AutoClose is how long a door opened by an unlock stays open before it
	// closes by itself; 0 keeps it open until CloseDoor.
	AutoClose time.Duration
	// Faults: the share (0-1) of replies dropped, corrupted (a byte flipped
	// or the frame cut short) and delayed by Delay, drawn from a rand seeded
	// with Seed.
	DropRate, CorruptRate, DelayRate float64
	Delay                            time.Duration
	Seed                             uint64
	Clock                            locker.Clock // default locker.SystemClock{}
}

// SimUnlock is one unlock request the simulator received.
type SimUnlock struct {
	Addr locker.LockAddr
	At   time.Time
}

type simLock struct {
	open    bool
	closeAt time.Time // zero: stays open
	jammed  bool
	item    bool
}

// Sim is a simulated bank of lock boards. It answers requests like the real
// boards (Serve) and has control methods to act as the people in front of
// the bank and to inject faults. It is safe for concurrent use.
type Sim struct {
	o SimOptions
	p protocol

	mu       sync.Mutex
	first    int
	locks    map[int][]simLock
	unlocks  []SimUnlock
	unplug   bool
	rng      *rand.Rand
	w        io.Writer // the rw being served, for Noise
	requests int
	faults   SimFaults
	jamNext  int // unlocks still to jam whichever lock they are for
}

// SimFaults counts the faults the simulator injected.
type SimFaults struct {
	Dropped, Corrupted, Delayed int
}

// NewSim returns a simulated bank.
func NewSim(o SimOptions) (*Sim, error) {
	p, err := lookup(o.Protocol)
	if err != nil {
		return nil, err
	}
	if o.Boards <= 0 {
		o.Boards = 1
	}
	if o.Locks <= 0 {
		o.Locks = 16
	}
	if o.Clock == nil {
		o.Clock = locker.SystemClock{}
	}
	lo, hi := p.boards()
	if o.Boards > hi-lo+1 {
		return nil, fmt.Errorf("%w: %s has at most %d boards", ErrAddr, p.name(), hi-lo+1)
	}
	if o.Locks > p.locks() {
		return nil, fmt.Errorf("%w: %s has at most %d locks a board", ErrAddr, p.name(), p.locks())
	}
	s := &Sim{o: o, p: p, first: lo, locks: map[int][]simLock{}, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9E3779B97F4A7C15))}
	for i := range o.Boards {
		s.locks[lo+i] = make([]simLock, o.Locks)
	}
	return s, nil
}

// BoardAddrs returns the addresses of the simulated boards.
func (s *Sim) BoardAddrs() []int {
	out := make([]int, 0, s.o.Boards)
	for i := range s.o.Boards {
		out = append(out, s.first+i)
	}
	return out
}

// Serve answers the requests read from rw until ctx ends (it returns nil
// then) or rw is closed. Read errors such as EIO from a pty master whose
// slave is not open are waited out.
func (s *Sim) Serve(ctx context.Context, rw io.ReadWriter) error {
	s.mu.Lock()
	s.w = rw
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.w == rw {
			s.w = nil
		}
		s.mu.Unlock()
	}()
	stop := context.AfterFunc(ctx, func() {
		if d, ok := rw.(interface{ SetReadDeadline(time.Time) error }); ok {
			_ = d.SetReadDeadline(time.Now())
		}
	})
	defer stop()
	chunks := make(chan []byte)
	errc := make(chan error, 1)
	go func() {
		b := make([]byte, 256)
		for {
			n, err := rw.Read(b)
			if n > 0 {
				select {
				case chunks <- slices.Clone(b[:n]):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				if errors.Is(err, os.ErrClosed) || errors.Is(err, io.ErrClosedPipe) || ctx.Err() != nil {
					errc <- err
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}
	}()
	var buf []byte
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("lockio: sim: read: %w", err)
		case c := <-chunks:
			buf = append(buf, c...)
		}
		for {
			start, n, ok := s.p.scan(buf, kindRequest)
			if !ok {
				buf = buf[start:]
				break
			}
			req := slices.Clone(buf[start : start+n])
			buf = buf[start+n:]
			if err := s.answer(ctx, rw, req); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

// answer handles one request, applying the fault options.
func (s *Sim) answer(ctx context.Context, w io.Writer, req []byte) error {
	s.mu.Lock()
	s.requests++
	if s.unplug {
		s.mu.Unlock()
		return nil
	}
	reply := s.p.simReply(req, (*simBankView)(s))
	if reply == nil {
		s.mu.Unlock()
		return nil
	}
	drop := s.rng.Float64() < s.o.DropRate
	corrupt := s.rng.Float64() < s.o.CorruptRate
	delay := s.rng.Float64() < s.o.DelayRate
	if corrupt {
		if s.rng.IntN(2) == 0 {
			i := s.rng.IntN(len(reply))
			reply[i] ^= byte(1 + s.rng.IntN(255))
		} else {
			reply = reply[:1+s.rng.IntN(len(reply)-1)]
		}
	}
	d := s.o.Delay
	if drop {
		s.faults.Dropped++
	} else {
		if corrupt {
			s.faults.Corrupted++
		}
		if delay && d > 0 {
			s.faults.Delayed++
		}
	}
	s.mu.Unlock()
	if drop {
		return nil
	}
	if delay && d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if _, err := w.Write(reply); err != nil {
		return fmt.Errorf("lockio: sim: write: %w", err)
	}
	return nil
}

// simBankView is the Sim seen by a protocol while s.mu is held.
type simBankView Sim

func (v *simBankView) has(board int) bool {
	_, ok := v.locks[board]
	return ok
}

func (v *simBankView) unlock(a locker.LockAddr) bool {
	s := (*Sim)(v)
	now := s.o.Clock.Now()
	s.unlocks = append(s.unlocks, SimUnlock{Addr: a, At: now})
	ls := s.locks[a.Board]
	if a.Lock < 1 || a.Lock > len(ls) {
		return false
	}
	l := &ls[a.Lock-1]
	s.settle(l, now)
	if s.jamNext > 0 && !l.open {
		s.jamNext--
		l.jammed = true
	}
	if l.jammed {
		return false
	}
	l.open = true
	l.closeAt = time.Time{}
	if s.o.AutoClose > 0 {
		l.closeAt = now.Add(s.o.AutoClose)
	}
	return true
}

func (v *simBankView) sense(board int) sense {
	s := (*Sim)(v)
	now := s.o.Clock.Now()
	var out sense
	out.hasIR = s.p.name() == ProtocolKerong
	for i := range s.p.locks() {
		open := false
		var l *simLock
		if ls := s.locks[board]; i < len(ls) {
			l = &ls[i]
			s.settle(l, now)
			open = l.open
		}
		// Bit value of the sensor: SensorClosedBit when closed.
		bit := s.o.SensorClosedBit == 1
		if open {
			bit = !bit
		}
		if bit {
			out.hook |= 1 << i
		}
		if l != nil && l.item {
			out.ir |= 1 << i
		}
	}
	return out
}

func (v *simBankView) quietUnlock() bool { return v.o.NoUnlockReply }

func (v *simBankView) doorClosed(bitSet bool) bool {
	return bitSet == (v.o.SensorClosedBit == 1)
}

// settle closes a door whose auto-close time has come. Call with s.mu held.
func (s *Sim) settle(l *simLock, now time.Time) {
	if l.open && !l.closeAt.IsZero() && !now.Before(l.closeAt) {
		l.open, l.closeAt = false, time.Time{}
	}
}

func (s *Sim) lock(a locker.LockAddr) (*simLock, error) {
	ls, ok := s.locks[a.Board]
	if !ok || a.Lock < 1 || a.Lock > len(ls) {
		return nil, fmt.Errorf("%w: sim has no board %d lock %d", ErrAddr, a.Board, a.Lock)
	}
	return &ls[a.Lock-1], nil
}

func (s *Sim) with(a locker.LockAddr, fn func(l *simLock)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.lock(a)
	if err != nil {
		return err
	}
	s.settle(l, s.o.Clock.Now())
	fn(l)
	return nil
}

// CloseDoor closes a door (someone pushed it shut).
func (s *Sim) CloseDoor(a locker.LockAddr) error {
	return s.with(a, func(l *simLock) { l.open, l.closeAt = false, time.Time{} })
}

// ForceOpen opens a door without an unlock (a break-in); it stays open
// until CloseDoor.
func (s *Sim) ForceOpen(a locker.LockAddr) error {
	return s.with(a, func(l *simLock) { l.open, l.closeAt = true, time.Time{} })
}

// Jam makes unlocks of a lock do nothing (on) or work again (off).
func (s *Sim) Jam(a locker.LockAddr, on bool) error {
	return s.with(a, func(l *simLock) { l.jammed = on })
}

// JamNext jams the locks of the next n unlocks of a closed door, whichever
// lock they are for: the lock stays jammed (Jam on) until Jam off. It is
// how a test jams the door the kiosk is about to choose.
func (s *Sim) JamNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jamNext = max(0, n)
}

// SetItem sets the item-present sensor of a lock (kerong-cu16 only reports it).
func (s *Sim) SetItem(a locker.LockAddr, present bool) error {
	return s.with(a, func(l *simLock) { l.item = present })
}

// ItemPresent reports whether the item-present sensor of a lock sees
// something (what SetItem set).
func (s *Sim) ItemPresent(a locker.LockAddr) (bool, error) {
	var on bool
	err := s.with(a, func(l *simLock) { on = l.item })
	return on, err
}

// DoorOpen reports whether a simulated door is open now.
func (s *Sim) DoorOpen(a locker.LockAddr) (bool, error) {
	var open bool
	err := s.with(a, func(l *simLock) { open = l.open })
	return open, err
}

// Unplug makes the whole bank stop answering (on) or answer again (off), as
// if its cable were pulled. Closing the pty itself is up to the caller.
func (s *Sim) Unplug(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unplug = on
}

// SetFaults changes the share of replies dropped, corrupted and delayed.
func (s *Sim) SetFaults(drop, corrupt, delayRate float64, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.o.DropRate, s.o.CorruptRate, s.o.DelayRate, s.o.Delay = drop, corrupt, delayRate, delay
}

// SetNoUnlockReply makes the boards stop (on) or resume (off) answering
// unlocks, the locks still opening.
func (s *Sim) SetNoUnlockReply(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.o.NoUnlockReply = on
}

// Noise writes n random bytes to the line now, as electrical noise would.
func (s *Sim) Noise(n int) error {
	s.mu.Lock()
	w := s.w
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(s.rng.UintN(256))
	}
	s.mu.Unlock()
	if w == nil {
		return errors.New("lockio: sim: not serving")
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("lockio: sim: noise: %w", err)
	}
	return nil
}

// Unlocks returns every unlock request received so far, oldest first.
func (s *Sim) Unlocks() []SimUnlock {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unlocks)
}

// Requests returns how many request frames the simulator has decoded.
func (s *Sim) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Faults returns how many replies were dropped, corrupted and delayed.
func (s *Sim) Faults() SimFaults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}
