package lockio

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// servePTY opens a real pty (linked at link if not empty) and serves sim on
// it until the returned stop is called (or the test ends).
func servePTY(t testing.TB, sim *Sim, link string) (p *PTY, stop func()) {
	t.Helper()
	p, err := OpenPTY(link)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Serve(ctx, p.Master) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := p.Close(); err != nil {
			t.Errorf("close pty: %v", err)
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("Serve did not end")
		}
	}
	t.Cleanup(stop)
	return p, stop
}

// busOnPort runs a bus on a reconnecting Port at path.
func busOnPort(t testing.TB, path string, o Options) *Bus {
	t.Helper()
	port := NewPort(path, DefaultBaud(o.Protocol))
	b, err := NewBus(port, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		port.Close()
	})
	return b
}

// waitEvent waits for the first event that pred accepts and returns the
// events seen before it too.
func waitEvent(t testing.TB, b *Bus, d time.Duration, what string, pred func(locker.DoorEvent) bool) []locker.DoorEvent {
	t.Helper()
	var seen []locker.DoorEvent
	timeout := time.After(d)
	for {
		select {
		case ev := <-b.Events():
			seen = append(seen, ev)
			if pred(ev) {
				return seen
			}
		case <-timeout:
			t.Fatalf("no %s within %v; saw %v", what, d, kinds(seen))
		}
	}
}

func is(kind locker.DoorEventKind, a locker.LockAddr) func(locker.DoorEvent) bool {
	return func(ev locker.DoorEvent) bool { return ev.Kind == kind && ev.Addr == a }
}

// TestPTYFaults runs a bus against the simulator over a real pty with
// dropped, corrupted and delayed replies and line noise, for both protocols.
func TestPTYFaults(t *testing.T) {
	for _, proto := range []string{ProtocolKerong, ProtocolGen8a} {
		t.Run(proto, func(t *testing.T) {
			sim, err := NewSim(SimOptions{
				// A door stays open 1 s: long enough for a poll to get
				// through this much noise on a loaded machine.
				Protocol: proto, Boards: 2, SensorClosedBit: 1, AutoClose: time.Second,
				DropRate: 0.15, CorruptRate: 0.15, DelayRate: 0.1, Delay: 150 * time.Millisecond, Seed: 7,
			})
			if err != nil {
				t.Fatal(err)
			}
			p, _ := servePTY(t, sim, "")
			boards := sim.BoardAddrs()
			b := busOnPort(t, p.Path, Options{
				Protocol: proto, Boards: boards, SensorClosedBit: 1,
				ReplyTimeout: 60 * time.Millisecond, Retries: 5, UnlockGap: 20 * time.Millisecond,
				PollFast: 30 * time.Millisecond, PollIdle: 100 * time.Millisecond, OfflineAfter: 3,
			})
			for _, n := range boards {
				waitEvent(t, b, 5*time.Second, "board online", is(locker.EventBoardOnline, locker.LockAddr{Board: n}))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			noiseDone := make(chan struct{})
			go func() {
				defer close(noiseDone)
				for i := 0; ctx.Err() == nil && i < 20; i++ {
					_ = sim.Noise(7)
					time.Sleep(50 * time.Millisecond)
				}
			}()
			want := map[locker.LockAddr]bool{}
			for _, n := range boards {
				for _, l := range []int{1, 9, 16} {
					a := locker.LockAddr{Board: n, Lock: l}
					want[a] = true
					var err error
					for range 3 { // a whole unlock may fail under this much noise; the kiosk retries too
						if err = b.Unlock(ctx, a); err == nil {
							break
						}
					}
					if err != nil {
						t.Fatalf("unlock %v: %v", a, err)
					}
					seen := waitEvent(t, b, 5*time.Second, "commanded open of "+addrString(a), func(ev locker.DoorEvent) bool {
						return ev.Kind == locker.EventOpened && ev.Addr == a
					})
					seen = append(seen, waitEvent(t, b, 5*time.Second, "close of "+addrString(a), is(locker.EventClosed, a))...)
					for _, ev := range seen {
						switch ev.Kind {
						case locker.EventForced, locker.EventJammed, locker.EventBoardOffline:
							t.Errorf("unexpected %s on %v", ev.Kind, ev.Addr)
						case locker.EventOpened, locker.EventClosed:
							if !ev.Commanded {
								t.Errorf("%s on %v not marked commanded", ev.Kind, ev.Addr)
							}
						}
					}
				}
			}
			<-noiseDone
			if f := sim.Faults(); f.Dropped == 0 || f.Corrupted == 0 || f.Delayed == 0 {
				t.Errorf("faults injected = %+v, want some of each", f)
			} else {
				t.Logf("faults injected: %+v", f)
			}
			got := map[locker.LockAddr]bool{}
			for _, u := range sim.Unlocks() {
				got[u.Addr] = true
			}
			if len(got) != len(want) {
				t.Errorf("sim saw unlocks of %v, want %v", got, want)
			}
			for a := range want {
				if !got[a] {
					t.Errorf("sim never saw the unlock of %v", a)
				}
			}
		})
	}
}

func addrString(a locker.LockAddr) string {
	return fmt.Sprintf("board %d lock %d", a.Board, a.Lock)
}

// TestPTYDoorEvents checks forced, jammed, item and board offline/online
// against the simulator over a real pty.
func TestPTYDoorEvents(t *testing.T) {
	sim, err := NewSim(SimOptions{Protocol: ProtocolKerong, Boards: 1, SensorClosedBit: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := servePTY(t, sim, "")
	b := busOnPort(t, p.Path, Options{
		Protocol: ProtocolKerong, Boards: []int{0}, SensorClosedBit: 1,
		ReplyTimeout: 50 * time.Millisecond, Retries: 1, PollFast: 20 * time.Millisecond, PollIdle: 40 * time.Millisecond,
		JamAfter: 300 * time.Millisecond, LeftOpenAfter: 300 * time.Millisecond, OfflineAfter: 2,
	})
	board := locker.LockAddr{Board: 0}
	waitEvent(t, b, 5*time.Second, "online", is(locker.EventBoardOnline, board))
	a3 := locker.LockAddr{Board: 0, Lock: 3}
	if err := sim.ForceOpen(a3); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, b, 3*time.Second, "forced", is(locker.EventForced, a3))
	waitEvent(t, b, 3*time.Second, "left open", is(locker.EventLeftOpen, a3))
	if st := b.State(a3); st.Door != locker.DoorOpen {
		t.Errorf("state of forced door = %+v", st)
	}
	if err := sim.CloseDoor(a3); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, b, 3*time.Second, "closed", is(locker.EventClosed, a3))

	a4 := locker.LockAddr{Board: 0, Lock: 4}
	if err := sim.Jam(a4, true); err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(context.Background(), a4); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, b, 3*time.Second, "jammed", is(locker.EventJammed, a4))

	// JamNext jams whichever door is unlocked next, and only that one.
	a5, a6 := locker.LockAddr{Board: 0, Lock: 5}, locker.LockAddr{Board: 0, Lock: 6}
	sim.JamNext(1)
	if err := b.Unlock(context.Background(), a5); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, b, 3*time.Second, "jammed by JamNext", is(locker.EventJammed, a5))
	if err := b.Unlock(context.Background(), a6); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, b, 3*time.Second, "opened after JamNext was used", is(locker.EventOpened, a6))
	if open, err := sim.DoorOpen(a5); err != nil || open {
		t.Errorf("door jammed by JamNext open = %v, %v; want shut", open, err)
	}

	if err := sim.SetItem(a4, true); err != nil {
		t.Fatal(err)
	}
	seen := waitEvent(t, b, 3*time.Second, "item", is(locker.EventItem, a4))
	if ev := seen[len(seen)-1]; ev.Item != locker.ItemPresent {
		t.Errorf("item event = %+v, want present", ev)
	}

	sim.Unplug(true)
	waitEvent(t, b, 3*time.Second, "offline", is(locker.EventBoardOffline, board))
	if st := b.State(a4); st.Door != locker.DoorUnknown || st.Online {
		t.Errorf("state while offline = %+v, want unknown", st)
	}
	if err := b.Unlock(context.Background(), a4); err == nil || !errors.Is(err, ErrTimeout) {
		t.Errorf("unlock on a silent board = %v, want ErrTimeout", err)
	}
	sim.Unplug(false)
	waitEvent(t, b, 3*time.Second, "online again", is(locker.EventBoardOnline, board))
}

// TestPTYReconnect unplugs the adapter (the pty goes away) and plugs a new
// one in at the same path: the bus reports the board offline, reopens the
// path by itself and reports it online again.
func TestPTYReconnect(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyLOCK")
	sim, err := NewSim(SimOptions{Protocol: ProtocolGen8a, Boards: 1, SensorClosedBit: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, stop := servePTY(t, sim, link)
	b := busOnPort(t, link, Options{
		Protocol: ProtocolGen8a, Boards: []int{1}, SensorClosedBit: 1,
		ReplyTimeout: 50 * time.Millisecond, Retries: 1, PollFast: 20 * time.Millisecond, PollIdle: 50 * time.Millisecond, OfflineAfter: 2,
	})
	board := locker.LockAddr{Board: 1}
	a := locker.LockAddr{Board: 1, Lock: 2}
	waitEvent(t, b, 5*time.Second, "online", is(locker.EventBoardOnline, board))
	if st := b.State(a); st.Door != locker.DoorClosed {
		t.Fatalf("state = %+v, want closed", st)
	}

	stop() // unplug: the pty closes and the link goes away
	waitEvent(t, b, 5*time.Second, "offline", is(locker.EventBoardOffline, board))
	if st := b.State(a); st.Door != locker.DoorUnknown {
		t.Errorf("state while unplugged = %+v, want unknown", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	err = b.Unlock(ctx, a)
	cancel()
	if err == nil {
		t.Errorf("unlock while unplugged succeeded")
	}

	servePTY(t, sim, link) // plugged back in: a new pty at the same path
	waitEvent(t, b, 5*time.Second, "online after replug", is(locker.EventBoardOnline, board))
	if err := b.Unlock(context.Background(), a); err != nil {
		t.Fatalf("unlock after replug: %v", err)
	}
	waitEvent(t, b, 3*time.Second, "opened after replug", is(locker.EventOpened, a))
}

// TestPTYNoUnlockReply runs a bus over a real pty against firmware that
// opens the lock and sends nothing back: the bus polls, sees the door open
// and reports success after one pulse; it pulses again only a shut door,
// and never an open one.
func TestPTYNoUnlockReply(t *testing.T) {
	for _, proto := range []string{ProtocolKerong, ProtocolGen8a} {
		t.Run(proto, func(t *testing.T) {
			sim, err := NewSim(SimOptions{Protocol: proto, Boards: 1, SensorClosedBit: 1, NoUnlockReply: true})
			if err != nil {
				t.Fatal(err)
			}
			p, _ := servePTY(t, sim, "")
			board := sim.BoardAddrs()[0]
			b := busOnPort(t, p.Path, Options{
				Protocol: proto, Boards: []int{board}, SensorClosedBit: 1,
				ReplyTimeout: 60 * time.Millisecond, PollFast: 30 * time.Millisecond, PollIdle: 60 * time.Millisecond,
			})
			waitEvent(t, b, 5*time.Second, "online", is(locker.EventBoardOnline, locker.LockAddr{Board: board}))
			count := func(a locker.LockAddr) int {
				n := 0
				for _, u := range sim.Unlocks() {
					if u.Addr == a {
						n++
					}
				}
				return n
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			opens := locker.LockAddr{Board: board, Lock: 2}
			if err := b.Unlock(ctx, opens); err != nil {
				t.Fatalf("unlock of a door that opened without a reply: %v", err)
			}
			if n := count(opens); n != 1 {
				t.Errorf("door that opened was pulsed %d times, want 1", n)
			}
			seen := waitEvent(t, b, 3*time.Second, "opened", is(locker.EventOpened, opens))
			if ev := seen[len(seen)-1]; !ev.Commanded {
				t.Errorf("opening after an unanswered unlock = %+v, want commanded", ev)
			}

			forced := locker.LockAddr{Board: board, Lock: 3}
			if err := sim.ForceOpen(forced); err != nil {
				t.Fatal(err)
			}
			waitEvent(t, b, 3*time.Second, "forced", is(locker.EventForced, forced))
			if err := b.Unlock(ctx, forced); err != nil {
				t.Fatalf("unlock of an open door: %v", err)
			}
			if n := count(forced); n != 1 {
				t.Errorf("open door was pulsed %d times, want 1 (never re-pulse an open door)", n)
			}

			jammed := locker.LockAddr{Board: board, Lock: 4}
			if err := sim.Jam(jammed, true); err != nil {
				t.Fatal(err)
			}
			if err := b.Unlock(ctx, jammed); err == nil {
				t.Errorf("unlock of a jammed door with no reply succeeded")
			}
			if n := count(jammed); n != 3 {
				t.Errorf("shut door was pulsed %d times, want 3 (1 + 2 retries, each after a poll)", n)
			}
			if open, _ := sim.DoorOpen(jammed); open {
				t.Errorf("jammed door open")
			}
		})
	}
}

// TestPTYGen8aStillLocked: a gen8a board that answers 0x11 "still locked"
// has not opened the lock; the bus polls, pulses again, and reports
// ErrNotOpened when the lock never opens.
func TestPTYGen8aStillLocked(t *testing.T) {
	sim, err := NewSim(SimOptions{Protocol: ProtocolGen8a, Boards: 1, SensorClosedBit: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := servePTY(t, sim, "")
	b := busOnPort(t, p.Path, Options{Protocol: ProtocolGen8a, Boards: []int{1}, SensorClosedBit: 1, ReplyTimeout: 60 * time.Millisecond})
	a := locker.LockAddr{Board: 1, Lock: 5}
	if err := sim.Jam(a, true); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Unlock(ctx, a); !errors.Is(err, ErrNotOpened) {
		t.Errorf("unlock of a lock that answers still locked = %v, want ErrNotOpened", err)
	}
	if n := len(sim.Unlocks()); n != 3 {
		t.Errorf("pulses = %d, want 3", n)
	}
}

// TestPTYOutageKeepsLastState: a board goes silent with a door open, the
// door is closed meanwhile, and when the board answers again the bus
// reports the closing (and an opening with no command as forced), over a
// real pty.
func TestPTYOutageKeepsLastState(t *testing.T) {
	sim, err := NewSim(SimOptions{Protocol: ProtocolKerong, Boards: 1, SensorClosedBit: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := servePTY(t, sim, "")
	b := busOnPort(t, p.Path, Options{
		Protocol: ProtocolKerong, Boards: []int{0}, SensorClosedBit: 1,
		ReplyTimeout: 50 * time.Millisecond, Retries: 1, PollFast: 20 * time.Millisecond, PollIdle: 40 * time.Millisecond,
		JamAfter: 200 * time.Millisecond, OfflineAfter: 3,
	})
	board := locker.LockAddr{Board: 0}
	a1, a2 := locker.LockAddr{Board: 0, Lock: 1}, locker.LockAddr{Board: 0, Lock: 2}
	waitEvent(t, b, 5*time.Second, "online", is(locker.EventBoardOnline, board))
	if err := b.Unlock(context.Background(), a1); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, b, 3*time.Second, "opened", is(locker.EventOpened, a1))

	sim.Unplug(true)
	waitEvent(t, b, 5*time.Second, "offline", is(locker.EventBoardOffline, board))
	if st := b.State(a1); st.Door != locker.DoorUnknown || st.Online {
		t.Errorf("state during the outage = %+v, want unknown", st)
	}
	if err := sim.CloseDoor(a1); err != nil {
		t.Fatal(err)
	}
	if err := sim.ForceOpen(a2); err != nil {
		t.Fatal(err)
	}
	sim.Unplug(false)
	seen := waitEvent(t, b, 5*time.Second, "closed after the outage", is(locker.EventClosed, a1))
	if ev := seen[len(seen)-1]; !ev.Commanded {
		t.Errorf("closing after the outage = %+v, want the commanded opening's close", ev)
	}
	waitEvent(t, b, 3*time.Second, "forced after the outage", is(locker.EventForced, a2))
}
