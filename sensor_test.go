package locker

import (
	"errors"
	"testing"
	"time"
)

// withItemSensors turns on Options.ItemSensors for a rig.
func withItemSensors(o *Options) { o.ItemSensors = true }

// closeWith reports door id closing with the item sensor reading item.
func (r *rig) closeWith(id string, item ItemState) {
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventClosed, Addr: r.addr(id), Commanded: true, Item: item, At: r.clk.Now()})
}

// startDeposit scans barcode for recipient at size z and returns the door.
func (r *rig) startDeposit(barcode, recipient string, z Size) string {
	r.t.Helper()
	r.must(r.s.ScanParcel(r.ctx, barcode, ""))
	r.must(r.s.ChooseRecipient(r.ctx, recipient))
	if r.s.View().Step == StepSize {
		r.must(r.s.ChooseSize(r.ctx, z))
	}
	r.step(StepUnlocking)
	return r.s.View().Compartment.ID
}

func TestDepositClosedEmptyAsks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sensors bool
		item    ItemState
		want    Step
	}{
		{"sensor sees the parcel", true, ItemPresent, StepDeposited},
		{"sensor sees nothing", true, ItemEmpty, StepCheckInside},
		{"board without a sensor", true, ItemNoSensor, StepDeposited},
		{"sensors not fitted (option off)", false, ItemEmpty, StepDeposited},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*Options)
			if tc.sensors {
				opts = append(opts, withItemSensors)
			}
			r := newRig(t, testBank(), opts...)
			r.signIn()
			id := r.startDeposit("P1", "r1", SizeS)
			r.door(EventOpened, id, true)
			r.closeWith(id, tc.item)
			r.step(tc.want)
			deposited := len(r.st.events(EvtParcelDeposited))
			if tc.want == StepCheckInside {
				if deposited != 0 {
					t.Fatalf("parcel.deposited sent for a parcel not seen inside")
				}
				v := r.s.View()
				if v.Parcel.Status != ParcelDepositing || v.Compartment.ID != id {
					t.Fatalf("view: parcel %s door %q", v.Parcel.Status, v.Compartment.ID)
				}
				if c := r.st.comp(id); c.Status != StatusReserved {
					t.Fatalf("door %s %s, want reserved while the courier decides", id, c.Status)
				}
			} else if deposited != 1 {
				t.Fatalf("%d parcel.deposited events, want 1", deposited)
			}
			r.checkInvariants()
		})
	}
}

func TestDepositCheckInsideOpenAgainCommits(t *testing.T) {
	r := newRig(t, testBank(), withItemSensors)
	r.signIn()
	id := r.startDeposit("P1", "r1", SizeS)
	r.door(EventOpened, id, true)
	r.bus.takeUnlocks()
	r.closeWith(id, ItemEmpty)
	r.step(StepCheckInside)
	r.must(r.s.OpenAgain(r.ctx))
	r.step(StepUnlocking)
	if u := r.bus.takeUnlocks(); len(u) != 1 || u[0] != r.addr(id) {
		t.Fatalf("unlocks %v, want door %s once", u, id)
	}
	r.door(EventOpened, id, true)
	r.closeWith(id, ItemPresent)
	r.step(StepDeposited)
	if ev := r.st.events(EvtParcelDeposited); len(ev) != 1 || eventData(t, ev[0])["compartment"] != id {
		t.Fatalf("parcel.deposited %v", ev)
	}
	r.checkInvariants()
}

func TestDepositCheckInsideCancelParcel(t *testing.T) {
	r := newRig(t, testBank(), withItemSensors)
	r.signIn()
	r.deposit("P0", "r2", SizeM) // the visit has a parcel already
	r.must(r.s.NextParcel(r.ctx))
	id := r.startDeposit("P1", "r1", SizeS)
	r.door(EventOpened, id, true)
	r.clk.Advance(time.Second)
	r.closeWith(id, ItemEmpty)
	r.step(StepCheckInside)
	r.wantErr(r.s.LeaveParcel(r.ctx), ErrBadState) // the pickup's button, not the courier's
	// Nothing may leave the reserved parcel behind: no new parcel, no finish.
	r.wantErr(r.s.ScanParcel(r.ctx, "P9", ""), ErrBadState)
	if _, err := r.s.FinishDeposit(r.ctx); !errors.Is(err, ErrBadState) {
		t.Fatalf("FinishDeposit at StepCheckInside: %v, want ErrBadState", err)
	}
	r.step(StepCheckInside)
	r.must(r.s.CancelParcel(r.ctx))
	r.step(StepScan)
	v := r.s.View()
	if v.Flow != FlowDeposit || len(v.Receipts) != 1 {
		t.Fatalf("the visit should go on with its 1 parcel: flow %q receipts %d", v.Flow, len(v.Receipts))
	}
	c := r.st.comp(id)
	if c.Status != StatusAvailable || !c.LastUsed.Equal(r.clk.Now()) {
		t.Fatalf("door %s after cancel: %+v (freed and counted as just used)", id, c)
	}
	ev := r.st.events(EvtParcelCancelled)
	if len(ev) != 1 || eventData(t, ev[0])["barcode"] != "P1" || eventData(t, ev[0])["reason"] != "not seen inside" {
		t.Fatalf("parcel.cancelled %v", ev)
	}
	// The next parcel of the size is offered another door first.
	if next := r.startDeposit("P2", "r1", SizeS); next == id {
		t.Errorf("the next parcel got door %s again, the one just closed empty", id)
	}
	r.checkInvariants()
}

func TestPickupClosedWithItemLeftInside(t *testing.T) {
	r := newRig(t, testBank(), withItemSensors)
	r.signIn()
	p, cred := r.deposit("P1", "r1", SizeS)
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	id := p.CompartmentID
	r.door(EventOpened, id, true)
	r.closeWith(id, ItemPresent)
	r.step(StepLeftInside)
	if got := r.st.parcel(p.ID); got.Status != ParcelDeposited {
		t.Fatalf("parcel %s, want still deposited", got.Status)
	}
	ev := r.st.events(EvtParcelLeftInside)
	if len(ev) != 1 {
		t.Fatalf("%d parcel.left_inside events, want 1", len(ev))
	}
	d := eventData(t, ev[0])
	if d["parcel_id"] != p.ID || d["compartment"] != id || d["barcode"] != "P1" || d["recipient_id"] != "r1" || d["by"] != "pin" {
		t.Errorf("parcel.left_inside data %v", d)
	}
	if at, err := time.Parse(time.RFC3339Nano, d["closed_at"].(string)); err != nil || !at.Equal(r.clk.Now()) {
		t.Errorf("closed_at %v (%v), want %v", d["closed_at"], err, r.clk.Now())
	}
	if v := r.s.View(); len(v.Pickup) != 1 || v.Pickup[0].State != PickupLeftInside {
		t.Fatalf("pickup queue %+v", v.Pickup)
	}

	// Open again, take it: picked up.
	r.bus.takeUnlocks()
	r.must(r.s.OpenAgain(r.ctx))
	if u := r.bus.takeUnlocks(); len(u) != 1 || u[0] != r.addr(id) {
		t.Fatalf("unlocks %v", u)
	}
	r.door(EventOpened, id, true)
	r.closeWith(id, ItemEmpty)
	r.step(StepDone)
	if got := r.st.parcel(p.ID); got.Status != ParcelPickedUp {
		t.Fatalf("parcel %s after the second opening, want picked up", got.Status)
	}
	r.checkInvariants()
}

func TestPickupLeaveParcelKeepsCode(t *testing.T) {
	r := newRig(t, testBank(), withItemSensors)
	r.signIn()
	p, cred := r.deposit("P1", "r1", SizeS)
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	r.door(EventOpened, p.CompartmentID, true)
	r.closeWith(p.CompartmentID, ItemPresent)
	r.step(StepLeftInside)
	r.wantErr(r.s.CancelParcel(r.ctx), ErrBadState) // the courier's button, not the recipient's
	r.must(r.s.LeaveParcel(r.ctx))
	r.step(StepDone)
	if c := r.st.comp(p.CompartmentID); c.Status != StatusOccupied {
		t.Fatalf("door %s, want occupied", c.Status)
	}
	// The resident walks away; the code still opens the door later.
	r.clk.Advance(DefaultDoneTimeout)
	r.s.Tick(r.ctx)
	if v := r.s.View(); v.Flow != FlowIdle {
		t.Fatalf("flow %q after the done timeout", v.Flow)
	}
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	r.openClose(p.CompartmentID) // no item reading: as without sensors
	if got := r.st.parcel(p.ID); got.Status != ParcelPickedUp {
		t.Fatalf("parcel %s", got.Status)
	}
	r.checkInvariants()
}

func TestLeftInsideIdleTimeoutKeepsParcel(t *testing.T) {
	r := newRig(t, testBank(), withItemSensors)
	r.signIn()
	p, cred := r.deposit("P1", "r1", SizeS)
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	r.door(EventOpened, p.CompartmentID, true)
	r.clk.Advance(2 * time.Minute)
	r.closeWith(p.CompartmentID, ItemPresent)
	r.clk.Advance(DefaultIdleTimeout - time.Second)
	r.s.Tick(r.ctx)
	r.step(StepLeftInside) // the idle time counts from the close
	r.clk.Advance(2 * time.Second)
	r.s.Tick(r.ctx)
	if v := r.s.View(); v.Flow != FlowIdle {
		t.Fatalf("flow %q step %q after the idle timeout", v.Flow, v.Step)
	}
	if got := r.st.parcel(p.ID); got.Status != ParcelDeposited {
		t.Fatalf("parcel %s", got.Status)
	}
	r.checkInvariants()
}

func TestOpenAgainRefusedElsewhere(t *testing.T) {
	r := newRig(t, testBank(), withItemSensors)
	r.wantErr(r.s.OpenAgain(r.ctx), ErrBadState)
	r.signIn()
	r.startDeposit("P1", "r1", SizeS)
	r.wantErr(r.s.OpenAgain(r.ctx), ErrBadState)
	r.wantErr(r.s.CancelParcel(r.ctx), ErrBadState)
}

func TestRecoveryClosedEmptyCancels(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sensors bool
		st      LockState
		want    ParcelStatus
		comp    CompartmentStatus
	}{
		{"closed and empty", true, LockState{Door: DoorClosed, Item: ItemEmpty, Online: true}, ParcelCancelled, StatusAvailable},
		{"open and empty", true, LockState{Door: DoorOpen, Item: ItemEmpty, Online: true}, ParcelDepositing, StatusFaulty},
		{"closed, board silent", true, LockState{Door: DoorClosed, Item: ItemEmpty}, ParcelDepositing, StatusFaulty},
		{"closed and empty, sensors not fitted", false, LockState{Door: DoorClosed, Item: ItemEmpty, Online: true}, ParcelDepositing, StatusFaulty},
		{"closed with the parcel", true, LockState{Door: DoorClosed, Item: ItemPresent, Online: true}, ParcelDeposited, StatusOccupied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, testBank(), withItemSensors)
			r.signIn()
			id := r.startDeposit("P1", "r1", SizeS)
			r.door(EventOpened, id, true)
			r.closeWith(id, ItemEmpty) // the power fails at "Is the parcel inside?"
			r.step(StepCheckInside)
			pid := r.s.View().Parcel.ID
			r.bus.setState(r.addr(id), tc.st)
			s, err := NewService(Options{Site: "demo", Kiosk: "k1", Version: "test", Store: r.st, Bus: r.bus, Clock: r.clk,
				Compartments: testBank(), ItemSensors: tc.sensors})
			r.must(err)
			r.must(s.Start(r.ctx))
			r.s = s
			if got := r.st.parcel(pid); got.Status != tc.want {
				t.Errorf("parcel %s, want %s", got.Status, tc.want)
			}
			if c := r.st.comp(id); c.Status != tc.comp {
				t.Errorf("door %s %s (%s), want %s", id, c.Status, c.Reason, tc.comp)
			}
			r.checkInvariants()
		})
	}
}
