package locker

import (
	"errors"
	"testing"
)

// twoDoors is a bank of two S doors and one M door.
func twoDoors() []Compartment {
	return []Compartment{
		{ID: "A1", Size: SizeS, Addr: LockAddr{Board: 0, Lock: 1}, Column: 1, Row: 1},
		{ID: "A2", Size: SizeS, Addr: LockAddr{Board: 0, Lock: 2}, Column: 1, Row: 2},
		{ID: "B1", Size: SizeM, Addr: LockAddr{Board: 1, Lock: 1}, Column: 2, Row: 1},
	}
}

// fillBank deposits, in one visit, P1 for r1 (S), P2 for r2 (S) and P3
// for r2 (M), filling twoDoors; it returns P1 and its credential.
func fillBank(r *rig) (Parcel, Credential) {
	r.t.Helper()
	r.signIn()
	p1, c1 := r.deposit("P1", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	r.deposit("P2", "r2", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	r.must(r.s.ScanParcel(r.ctx, "P3", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r2"))
	if r.s.View().Step == StepSize && r.s.View().AddToDoor != "" {
		r.must(r.s.ChooseSize(r.ctx, SizeM)) // not with P2: its own door
	}
	r.openClose(r.s.View().Compartment.ID)
	r.step(StepDeposited)
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	return p1, c1
}

func TestFullOffersTheRecipientsDoor(t *testing.T) {
	r := newRig(t, twoDoors())
	p1, c1 := fillBank(r)
	r.signIn() // a second visit, maybe another courier
	r.must(r.s.ScanParcel(r.ctx, "P4", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.step(StepShareDoor)
	if v := r.s.View(); v.AddToDoor != p1.CompartmentID {
		t.Fatalf("door offered %q, want %s (r1's)", v.AddToDoor, p1.CompartmentID)
	}
	if n := len(r.st.events(EvtLockerFull)); n != 1 {
		t.Errorf("%d locker.full events, want 1", n)
	}
	r.bus.takeUnlocks()
	r.must(r.s.AddToDoor(r.ctx))
	if u := r.bus.takeUnlocks(); len(u) != 1 || u[0] != r.addr(p1.CompartmentID) {
		t.Fatalf("unlocks %v, want %s", u, p1.CompartmentID)
	}
	r.openClose(p1.CompartmentID)
	r.step(StepDeposited)
	p4 := r.st.parcel(r.s.View().Parcel.ID)
	c4 := r.s.View().LastCredential
	if p4.CompartmentID != p1.CompartmentID || p4.Status != ParcelDeposited || p4.CredentialID == p1.CredentialID {
		t.Fatalf("P4 %+v", p4)
	}
	if n := len(r.st.events(EvtParcelRefused)); n != 0 {
		t.Errorf("%d parcel.refused events for a parcel taken in", n)
	}
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	r.checkInvariants()

	// Either code opens the door once and hands over both parcels.
	r.must(r.s.PickupWithPIN(r.ctx, c1.PIN))
	if v := r.s.View(); len(v.Pickup) != 1 || len(v.Pickup[0].ParcelIDs) != 2 {
		t.Fatalf("pickup queue %+v, want one door with 2 parcels", v.Pickup)
	}
	r.openClose(p1.CompartmentID)
	r.step(StepDone)
	for _, id := range []string{p1.ID, p4.ID} {
		if got := r.st.parcel(id); got.Status != ParcelPickedUp {
			t.Errorf("parcel %s %s, want picked up", id, got.Status)
		}
	}
	if c := r.st.comp(p1.CompartmentID); c.Status != StatusAvailable {
		t.Errorf("door %s after the pickup", c.Status)
	}
	r.must(r.s.Cancel(r.ctx))
	r.wantErr(r.s.PickupWithPIN(r.ctx, c4.PIN), ErrWrongCode) // nothing waits for it any more
	r.checkInvariants()
}

func TestFullRefusesAndRecords(t *testing.T) {
	for _, tc := range []struct {
		name      string
		recipient string
		size      Size
		decline   bool
	}{
		{"nobody's door to share", "r3", SizeS, false},
		{"the recipient's door is too small", "r1", SizeM, false},
		{"the courier says it does not fit", "r1", SizeS, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, twoDoors())
			fillBank(r)
			r.signIn()
			r.must(r.s.ScanParcel(r.ctx, "P9", "dhl"))
			r.must(r.s.ChooseRecipient(r.ctx, tc.recipient))
			err := r.s.ChooseSize(r.ctx, tc.size)
			if tc.decline {
				r.must(err)
				r.step(StepShareDoor)
				r.must(r.s.DeclineDoor(r.ctx))
			} else if !errors.Is(err, ErrLockerFull) {
				t.Fatalf("ChooseSize: %v, want ErrLockerFull", err)
			}
			r.step(StepFull)
			v := r.s.View()
			if v.Parcel.Barcode != "P9" || v.Parcel.Size != tc.size || v.Parcel.Status != "" || v.Compartment.ID != "" {
				t.Errorf("view after the refusal: parcel %+v door %q", v.Parcel, v.Compartment.ID)
			}
			ev := r.st.events(EvtParcelRefused)
			if len(ev) != 1 {
				t.Fatalf("%d parcel.refused events", len(ev))
			}
			d := eventData(t, ev[0])
			if d["barcode"] != "P9" || d["recipient_id"] != tc.recipient || d["size"] != string(tc.size) ||
				d["reason"] != RefusedFull || d["carrier"] != "dhl" || d["courier_id"] != "c1" {
				t.Errorf("parcel.refused data %v", d)
			}
			for _, c := range r.s.View().Compartments {
				if c.Status == StatusReserved {
					t.Errorf("door %s left reserved", c.ID)
				}
			}
			r.checkInvariants()
			// Nothing half-done: a resident's code may take the kiosk over
			// (the visit ends with its receipt), as between two parcels.
			r.s.mu.Lock()
			between := r.s.betweenParcelsLocked()
			r.s.mu.Unlock()
			if !between {
				t.Errorf("a visit at StepFull is not between parcels")
			}
			// And the same barcode may be scanned again.
			r.must(r.s.NextParcel(r.ctx))
			r.step(StepScan)
			r.must(r.s.ScanParcel(r.ctx, "P9", "dhl"))
			r.step(StepRecipient)
		})
	}
}

func TestShareOfferNeverMixesOrBreaksRules(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(r *rig, door string)
	}{
		{"door holds an expired parcel", func(r *rig, door string) {
			r.clk.Advance(DefaultExpiry + 1)
			r.s.Tick(r.ctx)
		}},
		{"door's board silent", func(r *rig, door string) {
			r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOffline, Addr: LockAddr{Board: r.addr(door).Board}})
		}},
		{"door faulty", func(r *rig, door string) {
			r.staffSignIn()
			r.must(r.s.SetCompartmentStatus(r.ctx, door, StatusOutOfService, "hinge"))
			r.must(r.s.SignOut(r.ctx))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, twoDoors())
			p1, _ := fillBank(r)
			tc.setup(r, p1.CompartmentID)
			if r.s.View().Flow != FlowIdle {
				r.must(r.s.Cancel(r.ctx))
			}
			r.signIn()
			r.must(r.s.ScanParcel(r.ctx, "P9", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			err := r.s.ChooseSize(r.ctx, SizeS)
			if v := r.s.View(); v.Step == StepShareDoor {
				t.Fatalf("door %s offered (%v)", v.AddToDoor, err)
			}
			r.checkInvariants()
		})
	}
}

func TestDoesntFitInSharedDoorRefuses(t *testing.T) {
	r := newRig(t, twoDoors())
	p1, _ := fillBank(r)
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "P4", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.step(StepShareDoor)
	r.must(r.s.AddToDoor(r.ctx))
	r.door(EventOpened, p1.CompartmentID, true)
	r.wantErr(r.s.DoesntFit(r.ctx), ErrLockerFull)
	r.step(StepFull)
	if n := len(r.st.events(EvtParcelRefused)); n != 1 {
		t.Errorf("%d parcel.refused events", n)
	}
	if ev := r.st.events(EvtParcelCancelled); len(ev) != 1 || eventData(t, ev[0])["barcode"] != "P4" {
		t.Errorf("parcel.cancelled %v", ev)
	}
	if in := r.s.parcelsIn(nil, p1.CompartmentID); len(in) != 1 || in[0].ID != p1.ID {
		t.Errorf("door %s holds %v, want only P1", p1.CompartmentID, in)
	}
	r.checkInvariants()
}

func TestDepositNeverMixesRecipients(t *testing.T) {
	r := newRig(t, twoDoors())
	p1, _ := fillBank(r)
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	other := Parcel{ID: "X", Barcode: "X", RecipientID: "r2", CompartmentID: p1.CompartmentID, Size: SizeS, Status: ParcelDepositing}
	ch := &Change{}
	putParcel(ch, other)
	if _, _, err := r.s.depositIn(ch, other, nil, "system"); !errors.Is(err, ErrBadState) {
		t.Fatalf("depositIn of r2's parcel into r1's door: %v, want ErrBadState", err)
	}
}

func TestStatusFreeBySize(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.deposit("P1", "r1", SizeS)
	r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventBoardOffline, Addr: LockAddr{Board: 1}})
	got := r.s.Status().FreeBySize
	want := map[Size]int{SizeS: 1, SizeM: 1, SizeL: 0, SizeXL: 0}
	if len(got) != len(want) {
		t.Fatalf("free_by_size %v, want %v", got, want)
	}
	for z, n := range want {
		if got[z] != n {
			t.Errorf("free %s = %d, want %d (all: %v)", z, got[z], n, got)
		}
	}
}
