package locker_test

import (
	"errors"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

func returnsWithSensors(o *locker.Options) { o.ItemSensors = true }

// closeWith closes door id with the item sensor reading item.
func (r *returnsRig) closeWith(id string, item locker.ItemState) {
	r.s.HandleDoorEvent(r.ctx, locker.DoorEvent{Kind: locker.EventClosed, Addr: r.addr(id), Commanded: true, Item: item, At: r.clk.Now()})
}

// returnStatus is the stored status of the open return of code.
func (r *returnsRig) returnStatus(code string) locker.Return {
	r.t.Helper()
	got, err := r.db.ReturnByCode(r.ctx, code, "")
	r.must(err)
	return got
}

// toCheckInside drops the return of code off and closes its door with the
// item sensor seeing nothing; it returns the door.
func (r *returnsRig) toCheckInside(code string) string {
	r.t.Helper()
	r.must(r.s.StartReturn(r.ctx))
	r.must(r.s.ReturnCode(r.ctx, code))
	door := r.s.View().Compartment.ID
	r.bus.take()
	r.door(locker.EventOpened, door)
	r.closeWith(door, locker.ItemEmpty)
	return door
}

func TestReturnClosedEmptyAsks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sensors bool
		item    locker.ItemState
		ask     bool
	}{
		{"sensors, nothing seen", true, locker.ItemEmpty, true},
		{"sensors, parcel seen", true, locker.ItemPresent, false},
		{"sensors, this door has none", true, locker.ItemNoSensor, false},
		{"no sensors configured", false, locker.ItemEmpty, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts func(*locker.Options)
			if tc.sensors {
				opts = returnsWithSensors
			}
			r := newReturnsRig(t, opts)
			r.expect("RET100", "UPS", locker.SizeS, "")
			r.must(r.s.StartReturn(r.ctx))
			r.must(r.s.ReturnCode(r.ctx, "RET100"))
			door := r.s.View().Compartment.ID
			r.door(locker.EventOpened, door)
			r.closeWith(door, tc.item)
			v := r.s.View()
			n := len(r.events(locker.EvtReturnDeposited))
			if !tc.ask {
				if v.Step != locker.StepReturned || n != 1 || r.status(door) != locker.StatusOccupied {
					t.Fatalf("step %s, %d return.deposited, door %s: want it committed", v.Step, n, r.status(door))
				}
				return
			}
			if v.Flow != locker.FlowReturn || v.Step != locker.StepCheckInside || v.Compartment.ID != door {
				t.Fatalf("closed empty: %s/%s door %s, want the check_inside question on %s", v.Flow, v.Step, v.Compartment.ID, door)
			}
			if n != 0 {
				t.Errorf("%d return.deposited for a door closed empty", n)
			}
			if st := r.status(door); st != locker.StatusReserved {
				t.Errorf("door %s while asking, want reserved", st)
			}
			if got := r.returnStatus("RET100"); got.Status != locker.ReturnDepositing || got.CompartmentID != door {
				t.Errorf("return %s in %q while asking, want depositing in %s", got.Status, got.CompartmentID, door)
			}
			// Asking holds the flow: no other code, no doesn't-fit.
			if err := r.s.ReturnCode(r.ctx, "RET100"); !errors.Is(err, locker.ErrBadState) {
				t.Errorf("a code at the question: %v, want ErrBadState", err)
			}
			if err := r.s.ReturnDoesntFit(r.ctx); !errors.Is(err, locker.ErrBadState) {
				t.Errorf("doesn't fit at the question: %v, want ErrBadState", err)
			}
		})
	}
}

func TestReturnCheckInsideOpenAgainCommits(t *testing.T) {
	r := newReturnsRig(t, returnsWithSensors)
	r.expect("RET200", "DHL", locker.SizeM, "")
	door := r.toCheckInside("RET200")
	r.must(r.s.OpenAgain(r.ctx))
	if u := r.bus.take(); len(u) != 1 || u[0] != r.addr(door) {
		t.Fatalf("open again unlocked %v, want %s", u, door)
	}
	if v := r.s.View(); v.Step != locker.StepUnlocking || v.Compartment.ID != door {
		t.Fatalf("after open again: %s door %s", v.Step, v.Compartment.ID)
	}
	r.door(locker.EventOpened, door)
	r.closeWith(door, locker.ItemPresent)
	v := r.s.View()
	if v.Step != locker.StepReturned || r.status(door) != locker.StatusOccupied {
		t.Fatalf("closed with the parcel: step %s door %s err %v", v.Step, r.status(door), v.Err)
	}
	evs := r.events(locker.EvtReturnDeposited)
	if len(evs) != 1 || data(t, evs[0])["door"] != door || data(t, evs[0])["code"] != "RET200" {
		t.Fatalf("return.deposited %v, want one for %s", evs, door)
	}
}

func TestReturnCheckInsideCancelFreesTheDoor(t *testing.T) {
	r := newReturnsRig(t, returnsWithSensors)
	r.expect("RET300", "UPS", locker.SizeS, "")
	door := r.toCheckInside("RET300")
	r.must(r.s.Cancel(r.ctx))
	if v := r.s.View(); v.Flow != locker.FlowIdle {
		t.Fatalf("after cancel: %s/%s", v.Flow, v.Step)
	}
	if st := r.status(door); st != locker.StatusAvailable {
		t.Errorf("door %s after cancel, want available", st)
	}
	if got := r.returnStatus("RET300"); got.Status != locker.ReturnExpected || got.CompartmentID != "" {
		t.Errorf("return %s in %q after cancel, want expected", got.Status, got.CompartmentID)
	}
	if n := len(r.events(locker.EvtReturnDeposited)); n != 0 {
		t.Errorf("%d return.deposited after cancel", n)
	}
	// The code works again, to the end.
	if got := r.dropOff("RET300"); got == "" {
		t.Fatal("no door")
	}
	if n := len(r.events(locker.EvtReturnDeposited)); n != 1 {
		t.Errorf("%d return.deposited after the second drop-off, want 1", n)
	}
}

func TestReturnCheckInsideIdleTimeoutFreesTheDoor(t *testing.T) {
	r := newReturnsRig(t, returnsWithSensors)
	r.expect("RET400", "UPS", locker.SizeS, "")
	door := r.toCheckInside("RET400")
	r.clk.Advance(locker.DefaultIdleTimeout + time.Second)
	r.s.Tick(r.ctx)
	if v := r.s.View(); v.Flow != locker.FlowIdle {
		t.Fatalf("after the idle timeout: %s/%s", v.Flow, v.Step)
	}
	if st, got := r.status(door), r.returnStatus("RET400"); st != locker.StatusAvailable || got.Status != locker.ReturnExpected {
		t.Errorf("after the idle timeout: door %s, return %s; want available, expected", st, got.Status)
	}
}

func TestReturnRestartAtCheckInside(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sensors bool
		item    locker.ItemState
		want    locker.CompartmentStatus
		freed   bool
	}{
		{"seen closed and empty", true, locker.ItemEmpty, locker.StatusAvailable, true},
		{"seen with the parcel", true, locker.ItemPresent, locker.StatusOccupied, false},
		{"sensor unknown", true, locker.ItemNoSensor, locker.StatusFaulty, false},
		{"no sensors configured", false, locker.ItemEmpty, locker.StatusFaulty, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts func(*locker.Options)
			if tc.sensors {
				opts = returnsWithSensors
			}
			r := newReturnsRig(t, opts)
			r.expect("RET500", "UPS", locker.SizeS, "")
			r.must(r.s.StartReturn(r.ctx))
			r.must(r.s.ReturnCode(r.ctx, "RET500"))
			door := r.s.View().Compartment.ID
			r.door(locker.EventOpened, door)
			r.bus.setItem(r.addr(door), tc.item)
			r.restart()
			if st := r.status(door); st != tc.want {
				t.Errorf("door %s after restart, want %s", st, tc.want)
			}
			got := r.returnStatus("RET500")
			if freed := got.Status == locker.ReturnExpected && got.CompartmentID == ""; freed != tc.freed {
				t.Errorf("return %s in %q after restart; freed %v, want %v", got.Status, got.CompartmentID, freed, tc.freed)
			}
			if n := len(r.events(locker.EvtReturnDeposited)); (n == 1) != (tc.item == locker.ItemPresent) {
				t.Errorf("%d return.deposited", n)
			}
			if tc.freed {
				r.bus.setItem(r.addr(door), locker.ItemPresent) // the parcel goes in this time
				r.dropOff("RET500")
				if n := len(r.events(locker.EvtReturnDeposited)); n != 1 {
					t.Errorf("the code after restart: %d return.deposited, want 1", n)
				}
			}
		})
	}
}

func TestOpenAgainRefusedOnReturnScreens(t *testing.T) {
	r := newReturnsRig(t, returnsWithSensors)
	r.expect("RET600", "UPS", locker.SizeS, "")
	r.must(r.s.StartReturn(r.ctx))
	if err := r.s.OpenAgain(r.ctx); !errors.Is(err, locker.ErrBadState) {
		t.Errorf("open again at the code: %v, want ErrBadState", err)
	}
	r.must(r.s.ReturnCode(r.ctx, "RET600"))
	if err := r.s.OpenAgain(r.ctx); !errors.Is(err, locker.ErrBadState) {
		t.Errorf("open again with the door unlocking: %v, want ErrBadState", err)
	}
}
