package locker

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestStaffSignIn(t *testing.T) {
	tests := []struct {
		name string
		pin  string
		code func(r *rig) string
		want error
	}{
		{"good", testStaffPIN, func(r *rig) string { c, _ := TOTPCode(testTOTPSecret, r.clk.Now()); return c }, nil},
		{"previous step", testStaffPIN, func(r *rig) string { c, _ := TOTPCode(testTOTPSecret, r.clk.Now().Add(-30*time.Second)); return c }, nil},
		{"stale code", testStaffPIN, func(r *rig) string { c, _ := TOTPCode(testTOTPSecret, r.clk.Now().Add(-2*time.Minute)); return c }, ErrWrongCode},
		{"wrong PIN", "9999", func(r *rig) string { c, _ := TOTPCode(testTOTPSecret, r.clk.Now()); return c }, ErrWrongCode},
		{"empty", "", func(r *rig) string { return "" }, ErrWrongCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, testBank())
			err := r.s.StaffSignIn(r.ctx, tc.pin, tc.code(r))
			if tc.want != nil {
				r.wantErr(err, tc.want)
				r.step(StepIdle)
				return
			}
			r.must(err)
			v := r.s.View()
			if v.Flow != FlowMaintenance || v.Step != StepMenu || v.Staff.ID != "s1" || v.Staff.TOTPSecret != "" {
				t.Fatalf("view %+v", v.Staff)
			}
			if len(r.st.events(EvtStaffLogin)) != 1 {
				t.Error("no staff.login event")
			}
		})
	}
}

func TestStaffTOTPReplayRefused(t *testing.T) {
	r := newRig(t, testBank())
	r.staffSignIn()
	r.must(r.s.SignOut(r.ctx))
	code, _ := TOTPCode(testTOTPSecret, r.clk.Now())
	r.wantErr(r.s.StaffSignIn(r.ctx, testStaffPIN, code), ErrWrongCode)
	r.clk.Advance(30 * time.Second)
	r.staffSignIn()
}

func TestStaffSessionEndsAfterFiveMinutes(t *testing.T) {
	r := newRig(t, testBank())
	r.staffSignIn()
	for range 4 { // busy on the menu all along: still only five minutes
		r.clk.Advance(StaffSessionMax / 5)
		r.must(r.s.SetCompartmentStatus(r.ctx, "A1", StatusOutOfService, "busy"))
		r.s.Tick(r.ctx)
	}
	if r.s.View().Flow != FlowMaintenance {
		t.Fatal("session ended before five minutes")
	}
	// A door open at the five minutes is finished first.
	r.must(r.s.StaffOpenDoor(r.ctx, "B1", "check"))
	r.door(EventOpened, "B1", true)
	r.clk.Advance(StaffSessionMax / 5)
	r.s.Tick(r.ctx)
	r.step(StepDoorOpen)
	r.door(EventClosed, "B1", true)
	r.step(StepIdle)

	r.clk.Advance(30 * time.Second)
	r.staffSignIn()
	r.clk.Advance(StaffSessionMax)
	r.s.Tick(r.ctx)
	r.step(StepIdle)
	r.wantErr(r.s.StaffOpenDoor(r.ctx, "B1", "late"), ErrUnauthorized)
}

func TestMaintenanceNeedsStaff(t *testing.T) {
	r := newRig(t, testBank())
	r.wantErr(r.s.StaffOpenDoor(r.ctx, "A1", "check"), ErrUnauthorized)
	r.wantErr(r.s.SetCompartmentStatus(r.ctx, "A1", StatusOutOfService, "broken"), ErrUnauthorized)
	r.wantErr(r.s.RetrieveExpired(r.ctx), ErrUnauthorized)
	_, err := r.s.Reconcile(r.ctx)
	r.wantErr(err, ErrUnauthorized)
	_, err = r.s.AuditPage(r.ctx, 0)
	r.wantErr(err, ErrUnauthorized)
	r.wantErr(r.s.ResolveInterrupted(r.ctx, "A1", true), ErrUnauthorized)
}

func TestStaffOpenDoor(t *testing.T) {
	r := newRig(t, testBank())
	r.staffSignIn()
	r.wantErr(r.s.StaffOpenDoor(r.ctx, "A1", " "), ErrInvalid)
	r.wantErr(r.s.StaffOpenDoor(r.ctx, "Z9", "check"), ErrNotFound)
	r.bus.takeUnlocks()
	r.must(r.s.StaffOpenDoor(r.ctx, "B1", "cleaning"))
	r.step(StepUnlocking)
	if u := r.bus.takeUnlocks(); !slices.Equal(u, []LockAddr{{1, 1}}) {
		t.Fatalf("unlocks %v", u)
	}
	r.door(EventOpened, "B1", true)
	r.step(StepDoorOpen)
	r.door(EventClosed, "B1", true)
	r.step(StepIdle) // the session ends with its door job
	if auditCount(r, "staff.logout", "s1") != 1 {
		t.Error("the end of the session is not audited")
	}
	r.clk.Advance(30 * time.Second) // a fresh TOTP code
	r.staffSignIn()
	page, err := r.s.AuditPage(r.ctx, 0)
	r.must(err)
	found := false
	for p := 0; p*page.PageSize < page.Total; p++ {
		pg, err := r.s.AuditPage(r.ctx, p)
		r.must(err)
		for _, e := range pg.Entries {
			found = found || (e.Action == "door.open" && e.Subject == "B1" && e.Detail == "cleaning" && e.Actor == "staff:s1")
		}
	}
	if !found {
		t.Error("staff door opening not audited with its reason")
	}
	// A door that does not open is retried, then marked faulty.
	r.must(r.s.StaffOpenDoor(r.ctx, "A1", "check"))
	r.must(r.s.DoorDidntOpen(r.ctx))
	r.must(r.s.DoorDidntOpen(r.ctx))
	r.step(StepIdle)
	if c := r.st.comp("A1"); c.Status != StatusFaulty {
		t.Errorf("A1 %s", c.Status)
	}
}

func TestSetCompartmentStatus(t *testing.T) {
	r := newRig(t, testBank())
	r.staffSignIn()
	r.wantErr(r.s.SetCompartmentStatus(r.ctx, "A1", StatusOccupied, ""), ErrInvalid)
	r.wantErr(r.s.SetCompartmentStatus(r.ctx, "Z9", StatusOutOfService, ""), ErrNotFound)
	r.must(r.s.SetCompartmentStatus(r.ctx, "A1", StatusOutOfService, "hinge"))
	c := r.st.comp("A1")
	if c.Status != StatusOutOfService || c.Reason != "hinge" {
		t.Fatalf("A1 %+v", c)
	}
	ev := r.st.events(EvtCompartmentStatus)
	if len(ev) != 1 || eventData(t, ev[0])["by"] != "staff:s1" {
		t.Fatalf("events %v", ev)
	}
	r.must(r.s.SignOut(r.ctx))
	r.signIn()
	_, _ = r.deposit("X", "r1", SizeS)
	if v := r.s.View(); v.Parcel.CompartmentID != "A2" {
		t.Errorf("allocated %s, out-of-service A1 must be skipped", v.Parcel.CompartmentID)
	}
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	r.must(r.s.RemoteSetCompartment(r.ctx, "A1", StatusAvailable, "s1", "fixed"))
	if c := r.st.comp("A1"); c.Status != StatusAvailable || c.Reason != "" {
		t.Errorf("A1 back: %+v", c)
	}
	if ev := r.st.events(EvtCompartmentStatus); eventData(t, ev[len(ev)-1])["by"] != "remote:s1" {
		t.Errorf("remote actor missing: %v", eventData(t, ev[len(ev)-1]))
	}
}

func TestRetrieveExpired(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	p1, _ := r.deposit("E1", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	p2, _ := r.deposit("E2", "r2", SizeS)
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	r.clk.Advance(DefaultExpiry - time.Second)
	r.s.Tick(r.ctx)
	if len(r.s.ExpiredParcels()) != 0 {
		t.Fatal("expired early")
	}
	r.clk.Advance(time.Second)
	r.s.Tick(r.ctx)
	exp := r.s.ExpiredParcels()
	if len(exp) != 2 || exp[0].PINHash != "" {
		t.Fatalf("expired %v", exp)
	}
	if ev := r.st.events(EvtParcelExpired); len(ev) != 2 {
		t.Fatalf("%d parcel.expired events", len(ev))
	}
	if v := r.s.View(); v.ExpiredCount != 2 {
		t.Errorf("ExpiredCount %d", v.ExpiredCount)
	}
	r.staffSignIn()
	r.must(r.s.RetrieveExpired(r.ctx))
	for range 2 {
		v := r.s.View()
		if v.Step != StepUnlocking {
			t.Fatalf("step %s", v.Step)
		}
		r.openClose(v.Compartment.ID)
	}
	r.step(StepIdle) // the session ends with its door job
	for _, p := range []Parcel{p1, p2} {
		if got := r.st.parcel(p.ID); got.Status != ParcelRetrieved {
			t.Errorf("%s: %s", p.ID, got.Status)
		}
		if c := r.st.comp(p.CompartmentID); c.Status != StatusAvailable {
			t.Errorf("%s: %s", c.ID, c.Status)
		}
	}
	if ev := r.st.events(EvtParcelRetrieved); len(ev) != 2 {
		t.Errorf("%d parcel.retrieved events", len(ev))
	}
	r.clk.Advance(30 * time.Second) // a fresh TOTP code
	r.staffSignIn()
	r.wantErr(r.s.RetrieveExpired(r.ctx), ErrNotFound)
	r.checkInvariants()
}

func TestReconcile(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	r.deposit("R1", "r1", SizeS) // in A1
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	r.bus.setState(LockAddr{0, 1}, LockState{Door: DoorClosed, Item: ItemEmpty, Online: true})
	r.bus.setState(LockAddr{0, 2}, LockState{Door: DoorOpen, Item: ItemPresent, Online: true})
	r.bus.setState(LockAddr{1, 2}, LockState{Online: false})
	r.staffSignIn()
	ds, err := r.s.Reconcile(r.ctx)
	r.must(err)
	got := map[string]DiscrepancyKind{}
	for _, d := range ds {
		got[d.CompartmentID+"/"+string(d.Kind)] = d.Kind
	}
	for _, want := range []string{"A1/empty_but_stored", "A2/door_state", "A2/item_in_empty", "B2/board_offline"} {
		if _, ok := got[want]; !ok {
			t.Errorf("missing discrepancy %s in %v", want, ds)
		}
	}
	if len(ds) != 4 {
		t.Errorf("%d discrepancies, want 4: %v", len(ds), ds)
	}
	if c := r.st.comp("A2"); c.Door != DoorOpen {
		t.Errorf("A2 door %s after reconcile, want open", c.Door)
	}
	// A second run finds only what is still off.
	ds, err = r.s.Reconcile(r.ctx)
	r.must(err)
	if len(ds) != 3 {
		t.Errorf("second run %v", ds)
	}
}

func TestRemoteOpenDoor(t *testing.T) {
	r := newRig(t, testBank())
	go func() {
		for {
			r.bus.mu.Lock()
			n := len(r.bus.unlocks)
			r.bus.mu.Unlock()
			if n > 0 {
				r.door(EventOpened, "B1", true)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	opened, err := r.s.RemoteOpenDoor(ctx, "B1", "s1", "courier forgot keys")
	r.must(err)
	if !opened {
		t.Fatal("opened = false although the sensor saw it open")
	}
	// No sensor change: not opened once ctx ends.
	ctx2, cancel2 := context.WithTimeout(r.ctx, 50*time.Millisecond)
	defer cancel2()
	opened, err = r.s.RemoteOpenDoor(ctx2, "A1", "s1", "check")
	r.must(err)
	if opened {
		t.Error("opened = true with no sensor change")
	}
	_, err = r.s.RemoteOpenDoor(r.ctx, "Z9", "s1", "x")
	r.wantErr(err, ErrNotFound)
	_, err = r.s.RemoteOpenDoor(r.ctx, "A1", "s1", "")
	r.wantErr(err, ErrInvalid)
	r.bus.failUnlock = errors.New("timeout")
	_, err = r.s.RemoteOpenDoor(r.ctx, "A1", "s1", "x")
	r.wantErr(err, ErrBusUnavailable)
	n := 0
	for _, a := range r.st.audit {
		if a.Action == "door.open" && a.Actor == "remote:s1" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d remote door.open audit rows, want 3", n)
	}
}

func TestRemoteDirectoryAndPreAdvice(t *testing.T) {
	r := newRig(t, testBank())
	n, err := r.s.UpsertRecipients(r.ctx, []Recipient{{ID: "r9", Name: "Zed"}})
	r.must(err)
	if n != 1 {
		t.Errorf("count %d", n)
	}
	_, err = r.s.UpsertRecipients(r.ctx, []Recipient{{ID: ""}})
	r.wantErr(err, ErrInvalid)
	n, err = r.s.DeleteRecipients(r.ctx, []string{"r9"})
	r.must(err)
	if _, err := r.st.Recipient(r.ctx, "r9"); n != 1 || !errors.Is(err, ErrNotFound) {
		t.Errorf("delete: %d %v", n, err)
	}
	id1, err := r.s.ExpectParcel(r.ctx, Expected{Barcode: "E1", RecipientID: "r1", IdempotencyKey: "k1"})
	r.must(err)
	id2, err := r.s.ExpectParcel(r.ctx, Expected{Barcode: "E1-other", RecipientID: "r1", IdempotencyKey: "k1"})
	r.must(err)
	if id1 != id2 || len(r.st.expected) != 1 {
		t.Errorf("idempotency: %s %s, %d stored", id1, id2, len(r.st.expected))
	}
	for name, e := range map[string]Expected{
		"no barcode":   {RecipientID: "r1"},
		"no recipient": {Barcode: "x"},
		"bad size":     {Barcode: "x", RecipientID: "r1", Size: "Q"},
		"bad dims":     {Barcode: "x", RecipientID: "r1", DimsMM: [3]int{-1, 2, 3}},
	} {
		if _, err := r.s.ExpectParcel(r.ctx, e); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = r.s.ExpectParcel(r.ctx, Expected{Barcode: "x", RecipientID: "r1", DimsMM: [3]int{5000, 2, 3}})
	r.wantErr(err, ErrTooLarge)
	r.must(r.s.CancelExpected(r.ctx, "E1"))
	r.wantErr(r.s.CancelExpected(r.ctx, "E1"), ErrNotFound)
	// A barcode already in the locker cannot be pre-advised.
	r.signIn()
	r.deposit("IN", "r1", SizeS)
	_, err = r.s.ExpectParcel(r.ctx, Expected{Barcode: "IN", RecipientID: "r1"})
	r.wantErr(err, ErrDuplicate)
	r.wantErr(r.s.UpsertCourier(r.ctx, Courier{ID: "c2"}, ""), ErrInvalid)
	r.wantErr(r.s.UpsertStaff(r.ctx, Staff{ID: "s2", TOTPSecret: "!!"}, "1234"), ErrInvalid)
}

func TestStatusReport(t *testing.T) {
	r := newRig(t, testBank(), func(o *Options) { o.Version = "1.2.3" })
	r.signIn()
	r.deposit("S1", "r1", SizeS)
	st := r.s.Status()
	if st.Version != "1.2.3" || !st.BoardOnline || len(st.Compartments) != 6 {
		t.Fatalf("status %+v", st)
	}
	want := map[Size]int{SizeS: 1, SizeM: 2, SizeL: 1, SizeXL: 1}
	for z, n := range want {
		if st.FreeBySize[z] != n {
			t.Errorf("free %s = %d, want %d", z, st.FreeBySize[z], n)
		}
	}
}
