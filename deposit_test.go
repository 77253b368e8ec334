package locker

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestDepositHappyPath(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.step(StepScan)
	r.must(r.s.ScanParcel(r.ctx, "1Z999", ""))
	r.step(StepRecipient)
	page, err := r.s.SearchRecipients(r.ctx, "ada")
	r.must(err)
	if page.Total != 1 || page.Items[0].ID != "r1" {
		t.Fatalf("search = %+v", page)
	}
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.step(StepSize)
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.step(StepUnlocking)
	v := r.s.View()
	if v.Compartment.ID != "A1" || v.Parcel.Status != ParcelDepositing {
		t.Fatalf("reserved %q parcel %q", v.Compartment.ID, v.Parcel.Status)
	}
	// Crash safety: the store holds the parcel as depositing and the door reserved before the unlock.
	if p := r.st.parcel(v.Parcel.ID); p.Status != ParcelDepositing || r.st.comp("A1").Status != StatusReserved {
		t.Fatalf("before unlock: stored parcel %q compartment %q", p.Status, r.st.comp("A1").Status)
	}
	if u := r.bus.takeUnlocks(); !slices.Equal(u, []LockAddr{{0, 1}}) {
		t.Fatalf("unlocks = %v", u)
	}
	r.door(EventOpened, "A1", true)
	r.step(StepDoorOpen)
	r.door(EventClosed, "A1", true)
	r.step(StepDeposited)
	v = r.s.View()
	p := r.st.parcel(v.Parcel.ID)
	if p.Status != ParcelDeposited || p.Carrier != "ups" || p.CourierID != "c1" || p.RecipientID != "r1" {
		t.Fatalf("stored parcel %+v", p)
	}
	if !p.ExpiresAt.Equal(r.clk.Now().Add(DefaultExpiry)) {
		t.Errorf("expires %v", p.ExpiresAt)
	}
	if c := r.st.comp("A1"); c.Status != StatusOccupied || !c.LastUsed.Equal(r.clk.Now()) || c.Door != DoorClosed {
		t.Errorf("compartment %+v", c)
	}
	cred := v.LastCredential
	if !validPIN(cred.PIN) || HashPIN(r.s.secret, cred.PIN) != p.PINHash {
		t.Errorf("PIN %q does not match the stored hash", cred.PIN)
	}
	ev := r.st.events(EvtParcelDeposited)
	if len(ev) != 1 {
		t.Fatalf("%d deposited events", len(ev))
	}
	d := eventData(t, ev[0])
	for k, want := range map[string]any{"parcel_id": p.ID, "barcode": "1Z999", "carrier": "ups", "recipient_id": "r1",
		"compartment": "A1", "size": "S", "pin": cred.PIN, "qr": cred.QR} {
		if d[k] != want {
			t.Errorf("event %s = %v, want %v", k, d[k], want)
		}
	}
	if _, ok := d["expires_at"].(string); !ok {
		t.Error("event lacks expires_at")
	}
	if ev[0].Site != "demo" || ev[0].Kiosk != "k1" || len(ev[0].ID) != 26 {
		t.Errorf("envelope %+v", ev[0])
	}
	claims, err := ParseQR(r.s.secret, cred.QR)
	if err != nil || claims.CredentialID != p.CredentialID || !slices.Equal(claims.ParcelIDs, []string{p.ID}) {
		t.Errorf("QR claims %+v, %v", claims, err)
	}
	if n := len(r.st.events(EvtDoorOpened)) + len(r.st.events(EvtDoorClosed)); n != 2 {
		t.Errorf("%d door events, want 2", n)
	}
	if len(v.Receipts) != 1 || v.Receipts[0].ParcelID != p.ID {
		t.Errorf("receipts %+v", v.Receipts)
	}
	rec, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	if vid, ids, err := VerifyReceipt(r.s.secret, rec.Text); err != nil || vid != v.VisitID || !slices.Equal(ids, []string{p.ID}) {
		t.Errorf("receipt %q: %q %v %v", rec.Text, vid, ids, err)
	}
	r.step(StepIdle)
	r.checkInvariants()
}

func TestDepositPreAdvicedOpensWithoutTap(t *testing.T) {
	r := newRig(t, testBank())
	id, err := r.s.ExpectParcel(r.ctx, Expected{Barcode: "PRE1", Carrier: "dhl", RecipientID: "r2", Size: SizeM})
	r.must(err)
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "PRE1", ""))
	r.step(StepUnlocking)
	v := r.s.View()
	if v.Recipient.ID != "r2" || v.Parcel.Size != SizeM || v.Parcel.Carrier != "dhl" || v.Compartment.Size != SizeM {
		t.Fatalf("view %+v", v.Parcel)
	}
	r.openClose(v.Compartment.ID)
	r.step(StepDeposited)
	if _, err := r.st.ExpectedByBarcode(r.ctx, "PRE1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("pre-advice %s still stored after the deposit: %v", id, err)
	}
	r.checkInvariants()
}

func TestDepositPreAdviceDims(t *testing.T) {
	r := newRig(t, testBank())
	_, err := r.s.ExpectParcel(r.ctx, Expected{Barcode: "D1", RecipientID: "r1", DimsMM: [3]int{400, 300, 300}})
	r.must(err)
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "D1", "fedex"))
	r.step(StepUnlocking)
	if v := r.s.View(); v.Parcel.Size != SizeL || v.Compartment.ID != "B1" || v.Parcel.Carrier != "fedex" {
		t.Fatalf("size %s door %s carrier %s", v.Parcel.Size, v.Compartment.ID, v.Parcel.Carrier)
	}
}

func TestDepositPreAdviceUnknownRecipientAsks(t *testing.T) {
	r := newRig(t, testBank())
	_, err := r.s.ExpectParcel(r.ctx, Expected{Barcode: "X1", RecipientID: "nobody", Size: SizeS})
	r.must(err)
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "X1", ""))
	r.step(StepRecipient)
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.step(StepUnlocking) // size was known
}

func TestDepositAddToDoorSharesCredential(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	p1, c1 := r.deposit("P1", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	r.must(r.s.ScanParcel(r.ctx, "P2", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.step(StepSize)
	if v := r.s.View(); v.AddToDoor != p1.CompartmentID {
		t.Fatalf("AddToDoor = %q, want %q", v.AddToDoor, p1.CompartmentID)
	}
	r.must(r.s.AddToDoor(r.ctx))
	r.step(StepUnlocking)
	r.openClose(p1.CompartmentID)
	r.step(StepDeposited)
	v := r.s.View()
	p2 := r.st.parcel(v.Parcel.ID)
	if p2.CompartmentID != p1.CompartmentID || p2.CredentialID != p1.CredentialID || p2.PINHash != p1.PINHash {
		t.Fatalf("second parcel %+v does not share door and credential with %+v", p2, p1)
	}
	if v.LastCredential.PIN != c1.PIN {
		t.Errorf("PIN changed within the visit: %s -> %s", c1.PIN, v.LastCredential.PIN)
	}
	ev := r.st.events(EvtParcelDeposited)
	claims, err := ParseQR(r.s.secret, eventData(t, ev[1])["qr"].(string))
	want := []string{p1.ID, p2.ID}
	slices.Sort(want)
	if err != nil || !slices.Equal(slices.Sorted(slices.Values(claims.ParcelIDs)), want) {
		t.Errorf("second QR covers %v (%v), want both parcels", claims.ParcelIDs, err)
	}
	// Another recipient in the same visit gets another PIN and no offer.
	r.must(r.s.NextParcel(r.ctx))
	r.must(r.s.ScanParcel(r.ctx, "P3", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r2"))
	if v := r.s.View(); v.AddToDoor != "" {
		t.Errorf("add-to-door offered for another recipient: %q", v.AddToDoor)
	}
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.openClose(r.s.View().Compartment.ID)
	if v := r.s.View(); v.LastCredential.PIN == c1.PIN || v.Parcel.CompartmentID == p1.CompartmentID {
		t.Errorf("second recipient shares PIN or door: %+v", v.LastCredential)
	}
	r.checkInvariants()
}

func TestDepositAddToDoorNotOfferedWhenTooBig(t *testing.T) {
	r := newRig(t, testBank())
	_, err := r.s.ExpectParcel(r.ctx, Expected{Barcode: "BIG", RecipientID: "r1", Size: SizeL})
	r.must(err)
	r.signIn()
	r.deposit("SMALL", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	r.must(r.s.ScanParcel(r.ctx, "BIG", ""))
	r.step(StepUnlocking) // no offer: an L parcel does not fit the S door
	if v := r.s.View(); v.Compartment.ID != "B1" {
		t.Errorf("door %s, want B1", v.Compartment.ID)
	}
}

func TestDepositUpsizedWhenSizeFull(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.deposit("S1", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	r.deposit("S2", "r2", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	r.must(r.s.ScanParcel(r.ctx, "S3", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r3")) // accessible: only A3 (M)
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	v := r.s.View()
	if v.Compartment.ID != "A3" || !v.Parcel.Upsized || v.Notice.Kind != NoticeUpsized {
		t.Fatalf("door %s upsized %v notice %+v", v.Compartment.ID, v.Parcel.Upsized, v.Notice)
	}
}

func TestDepositFailures(t *testing.T) {
	tests := []struct {
		name string
		bank []Compartment
		run  func(r *rig) error
		want error
		step Step
	}{
		{"duplicate barcode", testBank(), func(r *rig) error {
			r.deposit("DUP", "r1", SizeS)
			r.must(r.s.NextParcel(r.ctx))
			return r.s.ScanParcel(r.ctx, "DUP", "")
		}, ErrDuplicate, StepScan},
		{"empty barcode", testBank(), func(r *rig) error { return r.s.ScanParcel(r.ctx, " ", "") }, ErrInvalid, StepScan},
		{"unknown recipient", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			return r.s.ChooseRecipient(r.ctx, "nobody")
		}, ErrNotFound, StepRecipient},
		{"size before recipient", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			return r.s.ChooseSize(r.ctx, SizeS)
		}, ErrBadState, StepRecipient},
		{"bad size", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			return r.s.ChooseSize(r.ctx, "XXL")
		}, ErrInvalid, StepSize},
		{"too large for the bank", []Compartment{{ID: "A1", Size: SizeS, Addr: LockAddr{0, 1}}}, func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			return r.s.ChooseSize(r.ctx, SizeL)
		}, ErrTooLarge, StepScan},
		{"dims too large", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			return r.s.ChooseDims(r.ctx, [3]int{2000, 100, 100})
		}, ErrTooLarge, StepSize},
		{"locker full", []Compartment{{ID: "A1", Size: SizeS, Addr: LockAddr{0, 1}}}, func(r *rig) error {
			r.deposit("B1", "r1", SizeS)
			r.must(r.s.NextParcel(r.ctx))
			r.must(r.s.ScanParcel(r.ctx, "B2", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r2"))
			return r.s.ChooseSize(r.ctx, SizeS)
		}, ErrLockerFull, StepFull},
		{"add to door with none offered", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			return r.s.AddToDoor(r.ctx)
		}, ErrBadState, StepSize},
		{"finish with door open", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			r.must(r.s.ChooseSize(r.ctx, SizeS))
			r.door(EventOpened, "A1", true)
			_, err := r.s.FinishDeposit(r.ctx)
			return err
		}, ErrBadState, StepDoorOpen},
		{"next parcel with door open", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			r.must(r.s.ChooseSize(r.ctx, SizeS))
			return r.s.NextParcel(r.ctx)
		}, ErrBadState, StepUnlocking},
		{"doesn't fit before a door", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			return r.s.DoesntFit(r.ctx)
		}, ErrBadState, StepRecipient},
		{"door didn't open with no door", testBank(), func(r *rig) error { return r.s.DoorDidntOpen(r.ctx) }, ErrBadState, StepScan},
		// Between parcels a pickup or another courier ends the visit (visit_test.go); in the middle of one, not.
		{"pickup during deposit", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			return r.s.PickupWithPIN(r.ctx, "123456")
		}, ErrBadState, StepRecipient},
		{"sign in during deposit", testBank(), func(r *rig) error {
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			return r.s.CourierSignIn(r.ctx, testCourierCode)
		}, ErrBadState, StepRecipient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.bank)
			r.signIn()
			err := tc.run(r)
			r.wantErr(err, tc.want)
			r.step(tc.step)
			if v := r.s.View(); !errors.Is(v.Err, tc.want) {
				t.Errorf("View.Err = %v, want %v", v.Err, tc.want)
			}
			r.checkInvariants()
		})
	}
}

func TestCourierWrongCodeLockout(t *testing.T) {
	r := newRig(t, testBank())
	for range LockoutFailures - 1 {
		r.wantErr(r.s.CourierSignIn(r.ctx, "nope"), ErrWrongCode)
	}
	r.wantErr(r.s.CourierSignIn(r.ctx, "nope"), ErrLockedOut)
	if v := r.s.View(); v.Locked {
		t.Fatal("wrong courier codes locked the recipients' PIN keypad")
	}
	if ev := r.st.events(EvtPINLockout); len(ev) != 1 || !strings.Contains(string(ev[0].Data), `"kind":"courier"`) {
		t.Fatalf("pin.lockout events: %v", ev)
	}
	if until, closed := r.st.lockout.Until(DefaultPolicies()[KindCourier], KindCourier, r.clk.Now()); !closed || !until.Equal(r.clk.Now().Add(LockoutBase)) {
		t.Errorf("persisted courier lockout closed=%v until %v", closed, until)
	}
	// Even the right code is refused while locked.
	r.wantErr(r.s.CourierSignIn(r.ctx, testCourierCode), ErrLockedOut)
	r.clk.Advance(LockoutBase)
	r.s.Tick(r.ctx)
	r.signIn()
	r.step(StepScan)
}

func TestDoesntFitMovesToLarger(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.door(EventOpened, "A1", true)
	r.bus.takeUnlocks()
	r.must(r.s.DoesntFit(r.ctx))
	v := r.s.View()
	if v.Compartment.Size != SizeM || v.Step != StepUnlocking || v.Notice.Kind != NoticeMovedLarger {
		t.Fatalf("after doesn't fit: door %s %s step %s notice %+v", v.Compartment.ID, v.Compartment.Size, v.Step, v.Notice)
	}
	if c := r.st.comp("A1"); c.Status != StatusAvailable {
		t.Errorf("A1 %s after moving, want available", c.Status)
	}
	if u := r.bus.takeUnlocks(); len(u) != 1 || u[0] != v.Compartment.Addr {
		t.Errorf("unlocks %v", u)
	}
	// The late close of A1 does not commit anything.
	r.door(EventClosed, "A1", true)
	r.step(StepUnlocking)
	r.openClose(v.Compartment.ID)
	r.step(StepDeposited)
	r.checkInvariants()
}

func TestDoesntFitLargestCancels(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeXL))
	id := r.s.View().Parcel.ID
	r.wantErr(r.s.DoesntFit(r.ctx), ErrTooLarge)
	r.step(StepScan)
	if p := r.st.parcel(id); p.Status != ParcelCancelled {
		t.Errorf("parcel %s, want cancelled", p.Status)
	}
	if c := r.st.comp("B2"); c.Status != StatusAvailable {
		t.Errorf("B2 %s", c.Status)
	}
	if len(r.st.events(EvtParcelCancelled)) != 1 {
		t.Error("no parcel.cancelled event")
	}
	r.checkInvariants()
}

func TestCancelFreesDoor(t *testing.T) {
	for _, opened := range []bool{false, true} {
		t.Run(map[bool]string{false: "unlocking", true: "door open"}[opened], func(t *testing.T) {
			r := newRig(t, testBank())
			r.signIn()
			r.deposit("KEEP", "r1", SizeS)
			r.must(r.s.NextParcel(r.ctx))
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r2"))
			r.must(r.s.ChooseSize(r.ctx, SizeS))
			v := r.s.View()
			if opened {
				r.door(EventOpened, v.Compartment.ID, true)
			}
			r.must(r.s.Cancel(r.ctx))
			r.step(StepIdle)
			if p := r.st.parcel(v.Parcel.ID); p.Status != ParcelCancelled || p.ClosedAt.IsZero() {
				t.Errorf("parcel %+v", p)
			}
			if c := r.st.comp(v.Compartment.ID); c.Status != StatusAvailable {
				t.Errorf("compartment %s", c.Status)
			}
			keep := eventData(t, r.st.events(EvtParcelDeposited)[0])["parcel_id"].(string)
			if p := r.st.parcel(keep); p.Status != ParcelDeposited {
				t.Error("a committed deposit was cancelled")
			}
			r.checkInvariants()
		})
	}
}

func TestStoreDownRefusesAndKeepsMemory(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.st.setFailApply(errors.New("disk on fire"))
	r.wantErr(r.s.ChooseSize(r.ctx, SizeS), ErrStoreDown)
	r.step(StepSize)
	for _, c := range r.s.View().Compartments {
		if c.Status != StatusAvailable {
			t.Fatalf("memory changed although Apply failed: %s %s", c.ID, c.Status)
		}
	}
	if len(r.bus.takeUnlocks()) != 0 {
		t.Fatal("unlocked although the reservation was not stored")
	}
	r.st.setFailApply(nil)
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.door(EventOpened, "A1", true)
	// The close cannot be stored: the flow waits, Tick retries.
	r.st.setFailApply(errors.New("disk on fire"))
	r.door(EventClosed, "A1", true)
	r.step(StepDoorOpen)
	if v := r.s.View(); !errors.Is(v.Err, ErrStoreDown) {
		t.Errorf("View.Err = %v", v.Err)
	}
	r.s.Tick(r.ctx)
	r.step(StepDoorOpen)
	r.st.setFailApply(nil)
	r.s.Tick(r.ctx)
	r.step(StepDeposited)
	r.checkInvariants()
	// Cancel with the store down is refused: nothing is lost.
	r.must(r.s.NextParcel(r.ctx))
	r.must(r.s.ScanParcel(r.ctx, "C", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r2"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.st.setFailApply(errors.New("disk on fire"))
	r.wantErr(r.s.Cancel(r.ctx), ErrStoreDown)
	r.step(StepUnlocking)
	r.st.setFailApply(nil)
	r.checkInvariants()
}

func TestUnlockFailureShown(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.bus.failUnlock = errors.New("no reply")
	r.wantErr(r.s.ChooseSize(r.ctx, SizeS), ErrBusUnavailable)
	v := r.s.View()
	if v.Step != StepUnlocking || v.Notice.Kind != NoticeBusError || !errors.Is(v.Err, ErrBusUnavailable) {
		t.Fatalf("step %s notice %+v err %v", v.Step, v.Notice, v.Err)
	}
	r.bus.failUnlock = nil
	r.must(r.s.DoorDidntOpen(r.ctx)) // retry
	if u := r.bus.takeUnlocks(); len(u) != 1 {
		t.Errorf("retry unlocks %v", u)
	}
}

func TestChooseDims(t *testing.T) {
	tests := []struct {
		dims [3]int
		want Size
		err  error
	}{
		{[3]int{300, 300, 100}, SizeS, nil},
		{[3]int{450, 300, 250}, SizeM, nil},
		{[3]int{0, 1, 1}, "", ErrInvalid},
		{[3]int{3000, 1, 1}, "", ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.dims), func(t *testing.T) {
			r := newRig(t, testBank())
			r.signIn()
			r.must(r.s.ScanParcel(r.ctx, "B", ""))
			r.must(r.s.ChooseRecipient(r.ctx, "r1"))
			err := r.s.ChooseDims(r.ctx, tc.dims)
			if tc.err != nil {
				r.wantErr(err, tc.err)
				r.step(StepSize)
				return
			}
			r.must(err)
			if v := r.s.View(); v.Parcel.Size != tc.want || v.Compartment.Size != tc.want {
				t.Errorf("size %s door %s, want %s", v.Parcel.Size, v.Compartment.Size, tc.want)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	r := newRig(t, testBank())
	r.staffSignIn()
	a, err := r.s.AuditPage(r.ctx, 0)
	r.must(err)
	if a.Total < 5 || len(a.Entries) != min(a.Total, DefaultPageSize) {
		t.Errorf("audit page %d of %d", len(a.Entries), a.Total)
	}
}

func TestRescanReplacesDraft(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "FIRST", ""))
	r.step(StepRecipient)
	r.must(r.s.ScanParcel(r.ctx, "SECOND", ""))
	if v := r.s.View(); v.Parcel.Barcode != "SECOND" || v.Step != StepRecipient {
		t.Fatalf("draft %q step %s", v.Parcel.Barcode, v.Step)
	}
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.wantErr(r.s.ScanParcel(r.ctx, "THIRD", ""), ErrBadState)
}
