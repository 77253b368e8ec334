package locker

import (
	"testing"
	"time"
)

// startDeposit takes a parcel to its open door and returns its id and door.
func startDeposit(r *rig, barcode string) (parcelID, door string) {
	r.t.Helper()
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, barcode, ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	v := r.s.View()
	r.door(EventOpened, v.Compartment.ID, true)
	r.step(StepDoorOpen)
	return v.Parcel.ID, v.Compartment.ID
}

// TestCancelWithParcelInside: Cancel or "doesn't fit" while the door is
// open and the item sensor sees the parcel keeps the parcel recorded and
// flags the door; the door is freed only once it is closed and empty, and a
// door closed with the parcel inside deposits it.
func TestCancelWithParcelInside(t *testing.T) {
	tests := []struct {
		name       string
		act        func(r *rig) error
		closedWith ItemState // item sensor when the door is then closed
		wantParcel ParcelStatus
		wantComp   CompartmentStatus
		wantStep   Step
	}{
		{"cancel, then closed empty", func(r *rig) error { return r.s.Cancel(r.ctx) }, ItemEmpty, ParcelCancelled, StatusAvailable, StepIdle},
		{"cancel, then closed with the parcel inside", func(r *rig) error { return r.s.Cancel(r.ctx) }, ItemPresent, ParcelDeposited, StatusOccupied, StepIdle},
		{"doesn't fit, then closed empty", func(r *rig) error { return r.s.DoesntFit(r.ctx) }, ItemEmpty, ParcelCancelled, StatusAvailable, StepScan},
		{"cancel, board without item sensor: stays for staff", func(r *rig) error { return r.s.Cancel(r.ctx) }, ItemNoSensor, ParcelDepositing, StatusFaulty, StepIdle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, testBank())
			pid, door := startDeposit(r, "1Z777")
			r.bus.setState(r.addr(door), LockState{Door: DoorOpen, Item: ItemPresent, Online: true})
			r.must(tc.act(r))
			v := r.s.View()
			if v.Step != tc.wantStep || v.Notice.Kind != NoticeParcelKept || v.Notice.Compartment != door {
				t.Fatalf("after %s: step %q notice %+v", tc.name, v.Step, v.Notice)
			}
			if p := r.st.parcel(pid); p.Status != ParcelDepositing {
				t.Fatalf("parcel inside the open door = %q, want still depositing (recorded)", p.Status)
			}
			if c := r.st.comp(door); c.Status != StatusFaulty || c.Reason != InterruptedReason {
				t.Fatalf("door with the parcel inside = %q %q, want flagged for staff", c.Status, c.Reason)
			}
			r.bus.setState(r.addr(door), LockState{Door: DoorClosed, Item: tc.closedWith, Online: true})
			r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventClosed, Addr: r.addr(door), Item: tc.closedWith, At: r.clk.Now()})
			if p := r.st.parcel(pid); p.Status != tc.wantParcel {
				t.Errorf("parcel after the door closed = %q, want %q", p.Status, tc.wantParcel)
			}
			if c := r.st.comp(door); c.Status != tc.wantComp {
				t.Errorf("door after it closed = %q (%s), want %q", c.Status, c.Reason, tc.wantComp)
			}
			r.checkInvariants()
		})
	}

	t.Run("cancel with the door open and nothing seen frees the door", func(t *testing.T) {
		r := newRig(t, testBank())
		pid, door := startDeposit(r, "1Z778")
		r.bus.setState(r.addr(door), LockState{Door: DoorOpen, Item: ItemEmpty, Online: true})
		r.must(r.s.Cancel(r.ctx))
		if p := r.st.parcel(pid); p.Status != ParcelCancelled {
			t.Errorf("parcel = %q, want cancelled", p.Status)
		}
		if c := r.st.comp(door); c.Status != StatusAvailable {
			t.Errorf("door = %q, want available", c.Status)
		}
	})
}

// TestDoorTimeout: a door screen is never a dead end. A door unlocked or
// open past DoorTimeout (its board silent) is flagged for staff and the
// session ends; what was recorded stays.
func TestDoorTimeout(t *testing.T) {
	t.Run("deposit", func(t *testing.T) {
		r := newRig(t, testBank(), func(o *Options) { o.DoorTimeout = 2 * time.Minute })
		pid, door := startDeposit(r, "1Z779")
		r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOffline, Addr: LockAddr{Board: r.addr(door).Board}, At: r.clk.Now()})
		r.clk.Advance(time.Minute)
		r.s.Tick(r.ctx)
		r.step(StepDoorOpen)
		r.clk.Advance(61 * time.Second)
		r.s.Tick(r.ctx)
		v := r.s.View()
		if v.Flow != FlowIdle || v.Notice.Kind != NoticeDoorTimeout || v.Notice.Compartment != door {
			t.Fatalf("after the door timeout: flow %q notice %+v", v.Flow, v.Notice)
		}
		if p := r.st.parcel(pid); p.Status != ParcelDepositing {
			t.Errorf("parcel = %q, want still recorded as depositing", p.Status)
		}
		if c := r.st.comp(door); c.Status != StatusFaulty || c.Reason != InterruptedReason {
			t.Errorf("door = %q %q, want flagged for staff", c.Status, c.Reason)
		}
		// Other flows are not refused as busy.
		r.signIn()
		r.step(StepScan)
	})
	t.Run("pickup", func(t *testing.T) {
		r := newRig(t, testBank())
		r.signIn()
		p, cred := r.deposit("1Z780", "r1", SizeS)
		if _, err := r.s.FinishDeposit(r.ctx); err != nil {
			t.Fatal(err)
		}
		r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
		r.door(EventOpened, p.CompartmentID, true)
		r.step(StepDoorOpen)
		r.clk.Advance(DefaultDoorTimeout)
		r.s.Tick(r.ctx)
		v := r.s.View()
		if v.Flow != FlowIdle || v.Notice.Kind != NoticeDoorTimeout {
			t.Fatalf("after the door timeout: flow %q notice %+v", v.Flow, v.Notice)
		}
		if got := r.st.parcel(p.ID); got.Status != ParcelDeposited {
			t.Errorf("parcel = %q, want still deposited", got.Status)
		}
		if c := r.st.comp(p.CompartmentID); c.Status != StatusFaulty || c.Reason != DoorTimeoutReason {
			t.Errorf("door = %q %q, want flagged for staff", c.Status, c.Reason)
		}
	})
}

// TestPickupCompletedAfterBoardOutage: the board went silent with the
// pickup door open and came back with it closed; the bus reports the
// closing, the pickup is recorded and the PIN stops working.
func TestPickupCompletedAfterBoardOutage(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	p, cred := r.deposit("1Z781", "r1", SizeS)
	if _, err := r.s.FinishDeposit(r.ctx); err != nil {
		t.Fatal(err)
	}
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	a := r.addr(p.CompartmentID)
	r.door(EventOpened, p.CompartmentID, true)
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOffline, Addr: LockAddr{Board: a.Board}, At: r.clk.Now()})
	r.step(StepDoorOpen)
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOnline, Addr: LockAddr{Board: a.Board}, At: r.clk.Now()})
	r.door(EventClosed, p.CompartmentID, true)
	r.step(StepDone)
	if got := r.st.parcel(p.ID); got.Status != ParcelPickedUp {
		t.Errorf("parcel = %q, want picked up", got.Status)
	}
	r.s.Tick(r.ctx)
	r.clk.Advance(DefaultDoneTimeout)
	r.s.Tick(r.ctx)
	r.wantErr(r.s.PickupWithPIN(r.ctx, cred.PIN), ErrWrongCode)
}

// TestAllBoardsOffline: with every board silent (the lock-bus adapter is
// missing) deposit and pickup say the doors are out of order, change
// nothing, and work again once the boards answer.
func TestAllBoardsOffline(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	p, cred := r.deposit("1Z782", "r1", SizeS)
	if _, err := r.s.FinishDeposit(r.ctx); err != nil {
		t.Fatal(err)
	}
	r.bus.takeUnlocks()
	boards := map[int]bool{}
	for _, c := range r.s.View().Compartments {
		boards[c.Addr.Board] = true
	}
	for b := range boards {
		r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOffline, Addr: LockAddr{Board: b}, At: r.clk.Now()})
	}
	r.wantErr(r.s.CourierSignIn(r.ctx, testCourierCode), ErrBusUnavailable)
	r.wantErr(r.s.PickupWithPIN(r.ctx, cred.PIN), ErrBusUnavailable)
	if v := r.s.View(); v.Flow != FlowIdle || v.BoardsOnline {
		t.Fatalf("flow %q boards online %v", v.Flow, v.BoardsOnline)
	}
	if u := r.bus.takeUnlocks(); len(u) != 0 {
		t.Errorf("unlocks sent with every board silent: %v", u)
	}
	if got := r.st.parcel(p.ID); got.Status != ParcelDeposited {
		t.Errorf("parcel = %q", got.Status)
	}
	for b := range boards {
		r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOnline, Addr: LockAddr{Board: b}, At: r.clk.Now()})
	}
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	r.step(StepUnlocking)
}
