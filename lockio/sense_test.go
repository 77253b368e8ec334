package lockio

import (
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

// drain returns the events waiting on the bus.
func drain(b *Bus) []locker.DoorEvent {
	var out []locker.DoorEvent
	for {
		select {
		case ev := <-b.Events():
			out = append(out, ev)
		default:
			return out
		}
	}
}

type kindAt struct {
	Kind      locker.DoorEventKind
	Lock      int
	Commanded bool
}

func kinds(evs []locker.DoorEvent) []kindAt {
	var out []kindAt
	for _, ev := range evs {
		out = append(out, kindAt{ev.Kind, ev.Addr.Lock, ev.Commanded})
	}
	return out
}

func equalKinds(a, b []kindAt) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSensing drives the door state machine with a fake clock: no I/O, no
// sleeping.
func TestSensing(t *testing.T) {
	const closed, open1 = uint32(0xFFFF), uint32(0xFFFE) // closed bit 1; lock 1 open
	l1 := locker.LockAddr{Board: 0, Lock: 1}
	type act func(b *Bus, c *lockertest.Clock)
	poll := func(hook, ir uint32) act {
		return func(b *Bus, c *lockertest.Clock) { b.applyPoll(0, sense{hook: hook, ir: ir, hasIR: true}, c.Now()) }
	}
	wait := func(d time.Duration) act {
		return func(b *Bus, c *lockertest.Clock) { c.Advance(d); b.checkTimers(c.Now()) }
	}
	unlock := func(b *Bus, c *lockertest.Clock) { b.noteUnlock(l1, c.Now()); b.noteUnlockDone(l1, true) }
	fail := func(b *Bus, c *lockertest.Clock) { b.pollFailed(0, c.Now()) }
	tests := []struct {
		name string
		acts []act
		want []kindAt
	}{
		{"first sight emits only online", []act{poll(open1, 0)}, []kindAt{{locker.EventBoardOnline, 0, false}}},
		{"commanded open and close", []act{poll(closed, 0), unlock, wait(time.Second), poll(open1, 0), poll(closed, 0)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventOpened, 1, true}, {locker.EventClosed, 1, true}}},
		{"forced", []act{poll(closed, 0), poll(open1, 0), poll(closed, 0)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventForced, 1, false}, {locker.EventClosed, 1, false}}},
		{"unlock too long ago is forced", []act{poll(closed, 0), unlock, wait(11 * time.Second), poll(open1, 0)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventJammed, 1, true}, {locker.EventForced, 1, false}}},
		{"left open once after 60s", []act{poll(closed, 0), unlock, poll(open1, 0), wait(59 * time.Second), wait(time.Second), wait(time.Minute)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventOpened, 1, true}, {locker.EventLeftOpen, 1, true}}},
		{"jammed after 10s, not before", []act{poll(closed, 0), unlock, wait(9 * time.Second), poll(closed, 0), wait(time.Second), wait(time.Second)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventJammed, 1, true}}},
		{"item present then empty", []act{poll(closed, 0), poll(closed, 1<<4), poll(closed, 0)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventItem, 5, false}, {locker.EventItem, 5, false}}},
		{"offline after 3 failures, online again", []act{poll(closed, 0), fail, fail, fail, fail, poll(closed, 0)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventBoardOffline, 0, false}, {locker.EventBoardOnline, 0, false}}},
		{"door closed during an outage is reported closed when the board is back", []act{poll(closed, 0), unlock, poll(open1, 0), fail, fail, fail, poll(closed, 0)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventOpened, 1, true}, {locker.EventBoardOffline, 0, false}, {locker.EventBoardOnline, 0, false}, {locker.EventClosed, 1, true}}},
		{"door opened with no command during an outage is forced", []act{poll(closed, 0), fail, fail, fail, wait(time.Minute), poll(open1, 0)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventBoardOffline, 0, false}, {locker.EventBoardOnline, 0, false}, {locker.EventForced, 1, false}}},
		{"door still open after an outage: no event", []act{poll(closed, 0), unlock, poll(open1, 0), fail, fail, fail, poll(open1, 0)},
			[]kindAt{{locker.EventBoardOnline, 0, false}, {locker.EventOpened, 1, true}, {locker.EventBoardOffline, 0, false}, {locker.EventBoardOnline, 0, false}}},
		{"failures below the threshold are quiet", []act{poll(closed, 0), fail, fail, poll(closed, 0), fail, fail},
			[]kindAt{{locker.EventBoardOnline, 0, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := lockertest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			b, err := NewBus(nil, Options{Protocol: ProtocolKerong, Boards: []int{0}, SensorClosedBit: 1, Clock: c})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range tc.acts {
				a(b, c)
			}
			if got := kinds(drain(b)); !equalKinds(got, tc.want) {
				t.Errorf("events = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSensingStateAndPolarity(t *testing.T) {
	tests := []struct {
		name      string
		closedBit int
		hook      uint32
		want      locker.DoorState
	}{
		{"bit set closed, bit set", 1, 1, locker.DoorClosed},
		{"bit set closed, bit clear", 1, 0, locker.DoorOpen},
		{"bit clear closed, bit clear", 0, 0, locker.DoorClosed},
		{"bit clear closed, bit set", 0, 1, locker.DoorOpen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := lockertest.NewClock(time.Unix(1e9, 0))
			b, err := NewBus(nil, Options{Protocol: ProtocolGen8a, Boards: []int{1}, SensorClosedBit: tc.closedBit, Clock: c})
			if err != nil {
				t.Fatal(err)
			}
			a := locker.LockAddr{Board: 1, Lock: 1}
			if st := b.State(a); st.Door != locker.DoorUnknown || st.Online {
				t.Errorf("before any poll: %+v, want unknown, offline", st)
			}
			b.applyPoll(1, sense{hook: tc.hook}, c.Now())
			st := b.State(a)
			if st.Door != tc.want || st.Item != locker.ItemNoSensor || !st.Online || !st.LastPoll.Equal(c.Now()) {
				t.Errorf("state = %+v, want door %s, no item sensor, online", st, tc.want)
			}
			for range 3 {
				b.pollFailed(1, c.Now())
			}
			if st := b.State(a); st.Door != locker.DoorUnknown || st.Online {
				t.Errorf("offline: %+v, want unknown", st)
			}
		})
	}
}
