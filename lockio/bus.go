package lockio

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/parcelkiosk/locker"
)

// Options configures a Bus. Zero durations take the documented defaults.
type Options struct {
	Protocol string // "kerong-cu16" | "gen8a"
	Boards   []int  // board addresses to poll
	// SensorClosedBit is the value of a lock's sensor bit while its door is
	// closed: 1 means bit set = closed (the configuration's default), 0 means
	// bit clear = closed.
	SensorClosedBit int
	// UnlockGap is the pause between the end of one unlock and the start of
	// the next, so two solenoids never pull at once. Default 100ms; negative
	// means no gap.
	UnlockGap time.Duration
	// ReplyTimeout is how long one try waits for a valid reply. Default 200ms.
	ReplyTimeout time.Duration
	// Retries is how many times a command is sent again after a try with no
	// valid reply. Default 2; negative means none.
	Retries int
	// PollFast is the poll interval while a door is open or an unlock was
	// sent within JamAfter. Default 100ms.
	PollFast time.Duration
	// PollIdle is the poll interval otherwise. Default 1s.
	PollIdle time.Duration
	// LeftOpenAfter is how long a door may stay open before EventLeftOpen.
	// Default 60s.
	LeftOpenAfter time.Duration
	// JamAfter is how long after an unlock the door must have opened before
	// EventJammed. Default 10s.
	JamAfter time.Duration
	// CommandWindow is how long after an unlock an opening counts as
	// commanded (EventOpened) rather than forced (EventForced). Default
	// JamAfter.
	CommandWindow time.Duration
	// OfflineAfter is how many polls of a board in a row must fail before
	// EventBoardOffline. Default 3.
	OfflineAfter int
	// EventBuffer is the capacity of the Events channel. Default 256. When
	// it is full, new events are dropped and logged.
	EventBuffer int
	Clock       locker.Clock // default locker.SystemClock{}
	Logger      *slog.Logger // default discards
}

func (o *Options) defaults() {
	if o.UnlockGap == 0 {
		o.UnlockGap = 100 * time.Millisecond
	}
	if o.UnlockGap < 0 {
		o.UnlockGap = 0
	}
	if o.ReplyTimeout <= 0 {
		o.ReplyTimeout = 200 * time.Millisecond
	}
	if o.Retries == 0 {
		o.Retries = 2
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.PollFast <= 0 {
		o.PollFast = 100 * time.Millisecond
	}
	if o.PollIdle <= 0 {
		o.PollIdle = time.Second
	}
	if o.LeftOpenAfter <= 0 {
		o.LeftOpenAfter = 60 * time.Second
	}
	if o.JamAfter <= 0 {
		o.JamAfter = 10 * time.Second
	}
	if o.CommandWindow <= 0 {
		o.CommandWindow = o.JamAfter
	}
	if o.OfflineAfter <= 0 {
		o.OfflineAfter = 3
	}
	if o.EventBuffer <= 0 {
		o.EventBuffer = 256
	}
	if o.Clock == nil {
		o.Clock = locker.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// boardLink says what the bus knows about a board's link.
type boardLink int

const (
	linkUnknown boardLink = iota // never polled successfully nor given up on
	linkOnline
	linkOffline
)

type boardState struct {
	link     boardLink
	fails    int
	lastPoll time.Time // last successful poll
	locks    []lockState
}

type lockState struct {
	door          locker.DoorState
	item          locker.ItemState
	openedAt      time.Time
	openCommanded bool
	leftOpenSent  bool
	unlockAt      time.Time // last unlock sent (zero if none)
	jamPending    bool      // unlocked, door not seen open yet
}

// Bus owns one serial port and speaks one protocol to the boards on it. It
// implements locker.LockBus. Run must be running for Unlock and Poll to get
// replies.
type Bus struct {
	o  Options
	p  protocol
	rw io.ReadWriter

	rx     chan []byte
	events chan locker.DoorEvent
	kick   chan struct{}

	txMu       sync.Mutex // one command in flight
	unlockMu   sync.Mutex // one unlock at a time
	lastUnlock time.Time  // wall time the last unlock ended; under unlockMu

	mu     sync.Mutex // guards boards
	boards map[int]*boardState
}

// Bus implements the domain's lock-bus interface.
var _ locker.LockBus = (*Bus)(nil)

// NewBus returns a bus speaking o.Protocol on rw. It starts nothing: call Run.
func NewBus(rw io.ReadWriter, o Options) (*Bus, error) {
	o.defaults()
	p, err := lookup(o.Protocol)
	if err != nil {
		return nil, err
	}
	if o.SensorClosedBit != 0 && o.SensorClosedBit != 1 {
		return nil, fmt.Errorf("lockio: sensor_closed_bit must be 0 or 1, got %d", o.SensorClosedBit)
	}
	o.Boards = slices.Clone(o.Boards)
	b := &Bus{
		o:      o,
		p:      p,
		rw:     rw,
		rx:     make(chan []byte, 64),
		events: make(chan locker.DoorEvent, o.EventBuffer),
		kick:   make(chan struct{}, 1),
		boards: map[int]*boardState{},
	}
	for _, n := range o.Boards {
		if err := checkBoard(p, n); err != nil {
			return nil, err
		}
		b.board(n)
	}
	return b, nil
}

// Events delivers the door events the bus sees. The channel is never closed.
func (b *Bus) Events() <-chan locker.DoorEvent { return b.events }

// Locks returns the number of locks one board of the bus's protocol drives.
func (b *Bus) Locks() int { return b.p.locks() }

// board returns the state of board n, creating it. Call with b.mu held or
// before the bus is shared.
func (b *Bus) board(n int) *boardState {
	bs := b.boards[n]
	if bs == nil {
		bs = &boardState{locks: make([]lockState, b.p.locks())}
		for i := range bs.locks {
			bs.locks[i].door = locker.DoorUnknown
		}
		b.boards[n] = bs
	}
	return bs
}

// Run reads the port and polls the boards until ctx ends; it returns nil
// then. The goroutine that reads the port ends at the first Read that
// returns after ctx ended (ports that support SetReadDeadline are woken).
func (b *Bus) Run(ctx context.Context) error {
	go b.readLoop(ctx)
	stop := context.AfterFunc(ctx, func() {
		if d, ok := b.rw.(interface{ SetReadDeadline(time.Time) error }); ok {
			_ = d.SetReadDeadline(time.Now())
		}
	})
	defer stop()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-b.kick:
		}
		for _, n := range b.o.Boards {
			if err := b.Poll(ctx, n); err != nil && ctx.Err() == nil {
				b.o.Logger.Debug("lockio: poll failed", "board", n, "err", err)
			}
		}
		now := b.o.Clock.Now()
		b.checkTimers(now)
		t.Reset(b.interval(now))
	}
}

func (b *Bus) readLoop(ctx context.Context) {
	buf := make([]byte, 512)
	for ctx.Err() == nil {
		n, err := b.rw.Read(buf)
		if n > 0 {
			chunk := slices.Clone(buf[:n])
			select {
			case b.rx <- chunk:
			case <-ctx.Done():
				return
			}
		}
		if err != nil {
			// A gone port or a closed pty: back off, the port may come back.
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

// interval is how long Run waits before the next round of polls.
func (b *Bus) interval(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, bs := range b.boards {
		for _, l := range bs.locks {
			if l.door == locker.DoorOpen || l.jamPending ||
				(!l.unlockAt.IsZero() && now.Sub(l.unlockAt) < b.o.CommandWindow) {
				return b.o.PollFast
			}
		}
	}
	return b.o.PollIdle
}

// transact sends req and returns the first valid reply that match accepts,
// retrying after a timeout. One command is in flight at a time.
func (b *Bus) transact(ctx context.Context, req []byte, k frameKind, match func([]byte) bool) ([]byte, error) {
	b.txMu.Lock()
	defer b.txMu.Unlock()
	var last error
	for try := 0; try <= b.o.Retries; try++ {
		f, err := b.try(ctx, req, k, match)
		if err == nil {
			return f, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("lockio: %w", ctx.Err())
		}
		last = err
	}
	return nil, fmt.Errorf("lockio: %d tries: %w", b.o.Retries+1, last)
}

func (b *Bus) try(ctx context.Context, req []byte, k frameKind, match func([]byte) bool) ([]byte, error) {
	// Whatever arrived before the request is stale: a late reply or noise.
	for drained := false; !drained; {
		select {
		case <-b.rx:
		default:
			drained = true
		}
	}
	if _, err := b.rw.Write(req); err != nil {
		// Do not spin on a gone port: wait a little like a timeout would.
		select {
		case <-ctx.Done():
		case <-time.After(min(b.o.ReplyTimeout, 50*time.Millisecond)):
		}
		return nil, fmt.Errorf("lockio: write % X: %w", req, err)
	}
	t := time.NewTimer(b.o.ReplyTimeout)
	defer t.Stop()
	var buf []byte
	rejected := 0
	for {
		for {
			start, n, ok := b.p.scan(buf, k)
			if !ok {
				buf = buf[start:]
				break
			}
			f := buf[start : start+n]
			buf = buf[start+n:]
			if match(f) {
				return slices.Clone(f), nil
			}
			rejected++
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			if rejected > 0 {
				return nil, fmt.Errorf("%w to % X (%d frames for another address or command)", ErrTimeout, req, rejected)
			}
			return nil, fmt.Errorf("%w to % X within %v", ErrTimeout, req, b.o.ReplyTimeout)
		case chunk := <-b.rx:
			buf = append(buf, chunk...)
		}
	}
}

// Unlock pulses one lock. It returns nil once the board acknowledged, which
// is not proof that the door opened (watch for EventOpened), or once the
// door sensor saw the door open although the board sent no reply. Unlocks
// are sent one at a time with Options.UnlockGap between them.
//
// Some firmware opens the lock and sends nothing back, and a reply can be
// lost on the line. So after a try with no valid reply (or a gen8a reply
// saying the lock is still locked), Unlock polls the board first and pulses
// again only if the door is still shut: an open door is never pulsed again.
// If the board does not answer the poll either, the door's state is unknown
// and Unlock gives up with ErrTimeout rather than pulse blind. When every
// try was answered "still locked", it returns ErrNotOpened.
func (b *Bus) Unlock(ctx context.Context, a locker.LockAddr) error {
	if err := checkAddr(b.p, a); err != nil {
		return err
	}
	b.unlockMu.Lock()
	defer b.unlockMu.Unlock()
	if wait := time.Until(b.lastUnlock.Add(b.o.UnlockGap)); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("lockio: unlock board %d lock %d: %w", a.Board, a.Lock, ctx.Err())
		case <-t.C:
		}
	}
	acked, err := b.unlockTries(ctx, a)
	b.lastUnlock = time.Now()
	b.noteUnlockDone(a, acked)
	select {
	case b.kick <- struct{}{}:
	default:
	}
	if err != nil {
		return fmt.Errorf("lockio: unlock board %d lock %d: %w", a.Board, a.Lock, err)
	}
	return nil
}

// unlockTries pulses a until the board acknowledges or the sensor shows the
// door open, polling before each pulse after the first. acked tells whether
// the board answered a pulse (the jam timer then watches the door).
func (b *Bus) unlockTries(ctx context.Context, a locker.LockAddr) (acked bool, err error) {
	req := b.p.unlockFrame(a)
	var last error
	for try := 0; try <= b.o.Retries; try++ {
		if try > 0 {
			b.o.Logger.Info("lockio: pulsing again, the door is still shut", "board", a.Board, "lock", a.Lock, "try", try+1, "after", last)
		}
		// Mark the unlock before the pulse, so that an opening seen by
		// any poll from now on counts as commanded.
		b.noteUnlock(a, b.o.Clock.Now())
		f, err := b.tryOnce(ctx, req, kindUnlock, func(f []byte) bool { return b.p.isUnlockReply(f, a) })
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err == nil {
			if !b.p.unlockRefused(f) {
				return true, nil
			}
			acked = true
			last = fmt.Errorf("%w: the board answered \"still locked\"", ErrNotOpened)
		} else {
			acked = false
			last = err
		}
		// No acknowledgement: look at the door before pulsing again.
		if perr := b.Poll(ctx, a.Board); perr != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return false, fmt.Errorf("%w; then the state poll failed, so not pulsed again: %w", last, perr)
		}
		if b.State(a).Door == locker.DoorOpen {
			b.o.Logger.Info("lockio: no unlock acknowledgement, but the sensor sees the door open", "board", a.Board, "lock", a.Lock)
			return true, nil
		}
	}
	return acked, fmt.Errorf("lockio: %d pulses, door still shut: %w", b.o.Retries+1, last)
}

// tryOnce sends req once and waits for a reply that match accepts.
func (b *Bus) tryOnce(ctx context.Context, req []byte, k frameKind, match func([]byte) bool) ([]byte, error) {
	b.txMu.Lock()
	defer b.txMu.Unlock()
	return b.try(ctx, req, k, match)
}

// Poll reads one board's sensors now, updates State and emits the events
// the change implies. Run calls it for every board in Options.Boards.
func (b *Bus) Poll(ctx context.Context, board int) error {
	if err := checkBoard(b.p, board); err != nil {
		return err
	}
	var s sense
	_, err := b.transact(ctx, b.p.statusFrame(board), kindStatus, func(f []byte) bool {
		var ok bool
		s, ok = b.p.parseStatus(f, board)
		return ok
	})
	now := b.o.Clock.Now()
	if err != nil {
		if ctx.Err() == nil {
			b.pollFailed(board, now)
		}
		return fmt.Errorf("lockio: poll board %d: %w", board, err)
	}
	b.applyPoll(board, s, now)
	return nil
}

// State returns the last polled state of one lock. Door is DoorUnknown until
// the board answered and while it is offline.
func (b *Bus) State(a locker.LockAddr) locker.LockState {
	b.mu.Lock()
	defer b.mu.Unlock()
	bs := b.boards[a.Board]
	if bs == nil || a.Lock < 1 || a.Lock > len(bs.locks) {
		return locker.LockState{Door: locker.DoorUnknown}
	}
	l := bs.locks[a.Lock-1]
	door := l.door
	if bs.link == linkOffline {
		door = locker.DoorUnknown
	}
	return locker.LockState{
		Door:     door,
		Item:     l.item,
		Online:   bs.link == linkOnline,
		LastPoll: bs.lastPoll,
	}
}

// Online reports whether a board answered its last polls, and when it last
// answered.
func (b *Bus) Online(board int) (ok bool, lastPoll time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bs := b.boards[board]
	if bs == nil {
		return false, time.Time{}
	}
	return bs.link == linkOnline, bs.lastPoll
}

// emit sends an event without blocking. Call with b.mu held.
func (b *Bus) emit(ev locker.DoorEvent) {
	select {
	case b.events <- ev:
	default:
		b.o.Logger.Warn("lockio: event dropped, consumer too slow", "kind", ev.Kind, "board", ev.Addr.Board, "lock", ev.Addr.Lock)
	}
}

// noteUnlock records that an unlock of a is being sent at now.
func (b *Bus) noteUnlock(a locker.LockAddr, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := &b.board(a.Board).locks[a.Lock-1]
	l.unlockAt = now
	l.jamPending = false
}

// noteUnlockDone arms the jam timer when the board answered the unlock and
// the door is not seen open yet. An unanswered unlock is reported by the
// error, not as a jam.
func (b *Bus) noteUnlockDone(a locker.LockAddr, acked bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := &b.board(a.Board).locks[a.Lock-1]
	l.jamPending = acked && l.door != locker.DoorOpen
}

func (b *Bus) pollFailed(board int, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bs := b.board(board)
	bs.fails++
	if bs.fails < b.o.OfflineAfter || bs.link == linkOffline {
		return
	}
	// The doors keep their last known state (State reports them unknown
	// meanwhile), so that when the board answers again what changed during
	// the outage is reported: a door that closed as EventClosed, one that
	// opened with no command as EventForced.
	bs.link = linkOffline
	b.emit(locker.DoorEvent{Kind: locker.EventBoardOffline, Addr: locker.LockAddr{Board: board}, At: now})
}

// applyPoll turns one successful poll into state and events.
func (b *Bus) applyPoll(board int, s sense, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bs := b.board(board)
	bs.fails = 0
	bs.lastPoll = now
	if bs.link != linkOnline {
		bs.link = linkOnline
		b.emit(locker.DoorEvent{Kind: locker.EventBoardOnline, Addr: locker.LockAddr{Board: board}, At: now})
	}
	for i := range bs.locks {
		l := &bs.locks[i]
		a := locker.LockAddr{Board: board, Lock: i + 1}
		bit := s.hook>>i&1 == 1
		door := locker.DoorOpen
		if bit == (b.o.SensorClosedBit == 1) {
			door = locker.DoorClosed
		}
		item := locker.ItemNoSensor
		if s.hasIR {
			item = locker.ItemEmpty
			if s.ir>>i&1 == 1 {
				item = locker.ItemPresent
			}
		}
		prevDoor, prevItem := l.door, l.item
		l.door, l.item = door, item
		if item != prevItem && s.hasIR && prevItem != locker.ItemNoSensor {
			b.emit(locker.DoorEvent{Kind: locker.EventItem, Addr: a, Item: item, At: now})
		}
		switch {
		case door == locker.DoorOpen && prevDoor != locker.DoorOpen:
			commanded := !l.unlockAt.IsZero() && now.Sub(l.unlockAt) <= b.o.CommandWindow
			l.openedAt, l.openCommanded, l.leftOpenSent, l.jamPending = now, commanded, false, false
			if prevDoor == locker.DoorUnknown && !commanded {
				// First sight (start-up): a state, not a change. After an
				// outage prevDoor is the last state seen before it.
				continue
			}
			kind := locker.EventOpened
			if !commanded {
				kind = locker.EventForced
			}
			b.emit(locker.DoorEvent{Kind: kind, Addr: a, Commanded: commanded, Item: item, At: now})
		case door == locker.DoorClosed && prevDoor == locker.DoorOpen:
			b.emit(locker.DoorEvent{Kind: locker.EventClosed, Addr: a, Commanded: l.openCommanded, Item: item, At: now})
			l.openedAt, l.leftOpenSent = time.Time{}, false
		}
	}
}

// checkTimers emits left-open and jammed events that are due at now.
func (b *Bus) checkTimers(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for n, bs := range b.boards {
		if bs.link != linkOnline {
			continue
		}
		for i := range bs.locks {
			l := &bs.locks[i]
			a := locker.LockAddr{Board: n, Lock: i + 1}
			if l.door == locker.DoorOpen && !l.openedAt.IsZero() && !l.leftOpenSent && now.Sub(l.openedAt) >= b.o.LeftOpenAfter {
				l.leftOpenSent = true
				b.emit(locker.DoorEvent{Kind: locker.EventLeftOpen, Addr: a, Commanded: l.openCommanded, Item: l.item, At: now})
			}
			if l.jamPending && l.door == locker.DoorClosed && now.Sub(l.unlockAt) >= b.o.JamAfter {
				l.jamPending = false
				b.emit(locker.DoorEvent{Kind: locker.EventJammed, Addr: a, Commanded: true, Item: l.item, At: now})
			}
		}
	}
}
