package lockio

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// step is one scripted exchange: the bytes the bus must write and the bytes
// the fake board sends back (nil: silence).
type step struct {
	want  []byte
	reply []byte
}

// scripted is an io.ReadWriter that plays a script. It fails the test on an
// unexpected write and, at cleanup, when a step was left unused.
type scripted struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	next  int
	rx    chan []byte
	done  chan struct{}
	once  sync.Once
}

func newScripted(t *testing.T, steps ...step) *scripted {
	s := &scripted{t: t, steps: steps, rx: make(chan []byte, len(steps)+1), done: make(chan struct{})}
	t.Cleanup(func() {
		s.once.Do(func() { close(s.done) })
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.next < len(s.steps) {
			t.Errorf("script: %d of %d steps left unused; next wants % X", len(s.steps)-s.next, len(s.steps), s.steps[s.next].want)
		}
	})
	return s
}

func (s *scripted) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next >= len(s.steps) {
		s.t.Errorf("script: unexpected write % X after the last step", p)
		return len(p), nil
	}
	st := s.steps[s.next]
	s.next++
	if !bytes.Equal(p, st.want) {
		s.t.Errorf("script step %d: wrote % X, want % X", s.next, p, st.want)
	}
	if st.reply != nil {
		s.rx <- bytes.Clone(st.reply)
	}
	return len(p), nil
}

func (s *scripted) Read(p []byte) (int, error) {
	select {
	case b := <-s.rx:
		return copy(p, b), nil
	case <-s.done:
		return 0, io.EOF
	}
}

// fakeClock is a settable locker.Clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func runBus(t *testing.T, rw io.ReadWriter, o Options) *Bus {
	t.Helper()
	b, err := NewBus(rw, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Run did not end with its context")
		}
	})
	return b
}

func TestScriptedUnlock(t *testing.T) {
	kOK := "02 00 35 00 00 00 00 03 3A"   // state frame of board 0, reply to an unlock of lock 1
	kShut := "02 00 35 FF FF 00 00 03 38" // state frame of board 0, every door shut
	tests := []struct {
		name    string
		proto   string
		addr    locker.LockAddr
		steps   []step
		wantErr error
	}{
		{"kerong ok", ProtocolKerong, locker.LockAddr{Board: 0, Lock: 1}, []step{
			{hx(t, "02 00 31 03 36"), hx(t, kOK)},
		}, nil},
		{"kerong bad checksum then retry", ProtocolKerong, locker.LockAddr{Board: 0, Lock: 1}, []step{
			{hx(t, "02 00 31 03 36"), hx(t, "02 00 35 00 00 00 00 03 3B")},
			{hx(t, "02 00 30 03 35"), hx(t, kShut)},
			{hx(t, "02 00 31 03 36"), hx(t, kOK)},
		}, nil},
		{"kerong noise and truncated frame before the reply", ProtocolKerong, locker.LockAddr{Board: 0, Lock: 1}, []step{
			{hx(t, "02 00 31 03 36"), hx(t, "55 02 00 35 00 "+kOK)},
		}, nil},
		{"kerong wrong board, poll silent then shut, then ok", ProtocolKerong, locker.LockAddr{Board: 0, Lock: 1}, []step{
			{hx(t, "02 00 31 03 36"), hx(t, "02 10 35 00 00 00 00 03 4A")},
			{hx(t, "02 00 30 03 35"), nil},
			{hx(t, "02 00 30 03 35"), hx(t, kShut)},
			{hx(t, "02 00 31 03 36"), hx(t, kOK)},
		}, nil},
		{"kerong never answers: one pulse, then the poll fails, no blind pulse", ProtocolKerong, locker.LockAddr{Board: 2, Lock: 5}, []step{
			{hx(t, "02 24 31 03 5A"), nil},
			{hx(t, "02 20 30 03 55"), nil},
			{hx(t, "02 20 30 03 55"), nil},
			{hx(t, "02 20 30 03 55"), nil},
		}, ErrTimeout},
		{"kerong no reply but the door is open: not pulsed again", ProtocolKerong, locker.LockAddr{Board: 2, Lock: 5}, []step{
			{hx(t, "02 24 31 03 5A"), nil},
			{hx(t, "02 20 30 03 55"), hx(t, "02 20 35 EF FF 00 00 03 48")},
		}, nil},
		{"kerong no reply, door shut: polled, then pulsed again", ProtocolKerong, locker.LockAddr{Board: 2, Lock: 5}, []step{
			{hx(t, "02 24 31 03 5A"), nil},
			{hx(t, "02 20 30 03 55"), hx(t, "02 20 35 FF FF 00 00 03 58")},
			{hx(t, "02 24 31 03 5A"), hx(t, "02 20 35 EF FF 00 00 03 48")},
		}, nil},
		{"kerong no reply and door shut every time", ProtocolKerong, locker.LockAddr{Board: 2, Lock: 5}, []step{
			{hx(t, "02 24 31 03 5A"), nil},
			{hx(t, "02 20 30 03 55"), hx(t, "02 20 35 FF FF 00 00 03 58")},
			{hx(t, "02 24 31 03 5A"), nil},
			{hx(t, "02 20 30 03 55"), hx(t, "02 20 35 FF FF 00 00 03 58")},
			{hx(t, "02 24 31 03 5A"), nil},
			{hx(t, "02 20 30 03 55"), hx(t, "02 20 35 FF FF 00 00 03 58")},
		}, ErrTimeout},
		{"gen8a ok", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []step{
			{hx(t, "8A 01 01 11 9B"), hx(t, "8A 01 01 00 8A")},
		}, nil},
		{"gen8a echo for another lock, door shut, then ok", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []step{
			{hx(t, "8A 01 01 11 9B"), hx(t, "8A 01 02 00 89")},
			{hx(t, "80 01 00 33 B2"), hx(t, "80 01 FF FF FF 33 4D")},
			{hx(t, "8A 01 01 11 9B"), hx(t, "8A 01 01 00 8A")},
		}, nil},
		{"gen8a still locked is no acknowledgement: polled, pulsed again", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []step{
			{hx(t, "8A 01 01 11 9B"), hx(t, "8A 01 01 11 9B")},
			{hx(t, "80 01 00 33 B2"), hx(t, "80 01 FF FF FF 33 4D")},
			{hx(t, "8A 01 01 11 9B"), hx(t, "8A 01 01 00 8A")},
		}, nil},
		{"gen8a still locked but the sensor sees it open", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []step{
			{hx(t, "8A 01 01 11 9B"), hx(t, "8A 01 01 11 9B")},
			{hx(t, "80 01 00 33 B2"), hx(t, "80 01 FF FF FE 33 4C")},
		}, nil},
		{"gen8a still locked every time", ProtocolGen8a, locker.LockAddr{Board: 1, Lock: 1}, []step{
			{hx(t, "8A 01 01 11 9B"), hx(t, "8A 01 01 11 9B")},
			{hx(t, "80 01 00 33 B2"), hx(t, "80 01 FF FF FF 33 4D")},
			{hx(t, "8A 01 01 11 9B"), hx(t, "8A 01 01 11 9B")},
			{hx(t, "80 01 00 33 B2"), hx(t, "80 01 FF FF FF 33 4D")},
			{hx(t, "8A 01 01 11 9B"), hx(t, "8A 01 01 11 9B")},
			{hx(t, "80 01 00 33 B2"), hx(t, "80 01 FF FF FF 33 4D")},
		}, ErrNotOpened},
		{"gen8a out of range sends nothing", ProtocolGen8a, locker.LockAddr{Board: 0, Lock: 1}, nil, ErrAddr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rw := newScripted(t, tc.steps...)
			b := runBus(t, rw, Options{Protocol: tc.proto, ReplyTimeout: 40 * time.Millisecond, Retries: 2, SensorClosedBit: 1})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := b.Unlock(ctx, tc.addr)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("Unlock: %v", err)
			}
			if tc.wantErr != nil && !errorsIs(err, tc.wantErr) {
				t.Fatalf("Unlock error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestScriptedPollAndGap(t *testing.T) {
	rw := newScripted(t,
		step{hx(t, "02 00 30 03 35"), hx(t, "02 00 35 FE FF 01 00 03 38")},
		step{hx(t, "02 00 31 03 36"), hx(t, "02 00 35 FE FF 01 00 03 38")},
		step{hx(t, "02 01 31 03 37"), hx(t, "02 01 35 FE FF 01 00 03 39")},
	)
	b := runBus(t, rw, Options{Protocol: ProtocolKerong, ReplyTimeout: 40 * time.Millisecond, UnlockGap: 80 * time.Millisecond, SensorClosedBit: 1})
	ctx := context.Background()
	if err := b.Poll(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if st := b.State(locker.LockAddr{Board: 0, Lock: 1}); st.Door != locker.DoorOpen || st.Item != locker.ItemPresent || !st.Online {
		t.Errorf("lock 1 = %+v, want open, item present, online", st)
	}
	if st := b.State(locker.LockAddr{Board: 0, Lock: 2}); st.Door != locker.DoorClosed || st.Item != locker.ItemEmpty {
		t.Errorf("lock 2 = %+v, want closed, empty", st)
	}
	start := time.Now()
	if err := b.Unlock(ctx, locker.LockAddr{Board: 0, Lock: 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(ctx, locker.LockAddr{Board: 0, Lock: 2}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("two unlocks took %v, less than the 80ms gap", d)
	}
}
