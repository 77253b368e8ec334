package locker

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

// twoDoorsForR1 deposits two parcels of r1 in one visit in two different
// doors (an S and an L) and returns the credential.
func twoDoorsForR1(r *rig) (Parcel, Parcel, Credential) {
	r.t.Helper()
	r.signIn()
	p1, _ := r.deposit("P1", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	r.must(r.s.ScanParcel(r.ctx, "P2", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeL)) // new door, not the offered one
	r.openClose(r.s.View().Compartment.ID)
	v := r.s.View()
	p2 := r.st.parcel(v.Parcel.ID)
	_, err := r.s.FinishDeposit(r.ctx)
	r.must(err)
	return p1, p2, v.LastCredential
}

func TestPickupOpensEveryDoorOfTheCredential(t *testing.T) {
	for _, by := range []string{"pin", "qr"} {
		t.Run(by, func(t *testing.T) {
			r := newRig(t, testBank())
			p1, p2, cred := twoDoorsForR1(r)
			if p1.CredentialID != p2.CredentialID {
				t.Fatal("one recipient, one visit: credentials differ")
			}
			r.bus.takeUnlocks()
			if by == "pin" {
				r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
			} else {
				r.must(r.s.PickupWithQR(r.ctx, cred.QR))
			}
			v := r.s.View()
			if v.Flow != FlowPickup || v.Step != StepUnlocking || len(v.Pickup) != 2 {
				t.Fatalf("flow %s step %s queue %+v", v.Flow, v.Step, v.Pickup)
			}
			first := v.Compartment.ID
			r.openClose(first)
			v = r.s.View()
			if v.Step != StepUnlocking || v.Compartment.ID == first || v.Pickup[0].State != PickupDone {
				t.Fatalf("after first door: step %s door %s queue %+v", v.Step, v.Compartment.ID, v.Pickup)
			}
			r.openClose(v.Compartment.ID)
			r.step(StepDone)
			for _, p := range []Parcel{p1, p2} {
				if got := r.st.parcel(p.ID); got.Status != ParcelPickedUp || got.ClosedAt.IsZero() {
					t.Errorf("parcel %s: %s", p.ID, got.Status)
				}
				if c := r.st.comp(p.CompartmentID); c.Status != StatusAvailable {
					t.Errorf("compartment %s: %s", c.ID, c.Status)
				}
			}
			ev := r.st.events(EvtParcelPickedUp)
			if len(ev) != 2 || eventData(t, ev[0])["by"] != by || eventData(t, ev[0])["compartment"] != first {
				t.Errorf("picked_up events %v", ev)
			}
			if u := r.bus.takeUnlocks(); len(u) != 2 {
				t.Errorf("unlocks %v", u)
			}
			// The same code again finds nothing.
			if by == "pin" {
				r.wantErr(r.s.PickupWithPIN(r.ctx, cred.PIN), ErrWrongCode)
			} else {
				r.wantErr(r.s.PickupWithQR(r.ctx, cred.QR), ErrNotFound)
			}
			r.clk.Advance(DefaultDoneTimeout)
			r.s.Tick(r.ctx)
			r.step(StepIdle)
			r.checkInvariants()
		})
	}
}

func TestPickupFailures(t *testing.T) {
	tests := []struct {
		name string
		run  func(r *rig, cred Credential) error
		want error
		step Step
	}{
		{"wrong PIN", func(r *rig, cred Credential) error {
			pin := "000000"
			if cred.PIN == pin {
				pin = "000001"
			}
			return r.s.PickupWithPIN(r.ctx, pin)
		}, ErrWrongCode, StepIdle},
		{"malformed PIN", func(r *rig, _ Credential) error { return r.s.PickupWithPIN(r.ctx, "12ab") }, ErrWrongCode, StepIdle},
		{"forged QR", func(r *rig, cred Credential) error {
			c, _ := ParseQR(r.s.secret, cred.QR)
			return r.s.PickupWithQR(r.ctx, SignQR(bytes.Repeat([]byte{1}, SecretLen), c))
		}, ErrWrongCode, StepIdle},
		{"garbage QR", func(r *rig, _ Credential) error { return r.s.PickupWithQR(r.ctx, "https://example.com") }, ErrWrongCode, StepIdle},
		{"expired", func(r *rig, cred Credential) error {
			r.clk.Advance(DefaultExpiry)
			r.s.Tick(r.ctx)
			return r.s.PickupWithPIN(r.ctx, cred.PIN)
		}, ErrExpired, StepIdle},
		{"expired by QR", func(r *rig, cred Credential) error {
			r.clk.Advance(DefaultExpiry + time.Minute)
			r.s.Tick(r.ctx)
			return r.s.PickupWithQR(r.ctx, cred.QR)
		}, ErrExpired, StepIdle},
		{"locked out", func(r *rig, cred Credential) error {
			for range LockoutFailures {
				_ = r.s.PickupWithPIN(r.ctx, "0000000000") // 10 digits: never an issued PIN
			}
			return r.s.PickupWithPIN(r.ctx, cred.PIN)
		}, ErrLockedOut, StepIdle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, testBank())
			r.signIn()
			_, cred := r.deposit("P1", "r1", SizeS)
			_, err := r.s.FinishDeposit(r.ctx)
			r.must(err)
			r.wantErr(tc.run(r, cred), tc.want)
			r.step(tc.step)
			r.checkInvariants()
		})
	}
}

func TestPickupDoorDidntOpenParcelStays(t *testing.T) {
	r := newRig(t, testBank())
	p1, p2, cred := twoDoorsForR1(r)
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	first := r.s.View().Compartment.ID
	r.must(r.s.DoorDidntOpen(r.ctx)) // retry
	if v := r.s.View(); v.Compartment.ID != first || v.Notice.Kind != NoticeRetrying {
		t.Fatalf("retry: %s %+v", v.Compartment.ID, v.Notice)
	}
	r.must(r.s.DoorDidntOpen(r.ctx)) // reported, next door
	v := r.s.View()
	if v.Pickup[0].State != PickupFailed || v.Notice.Kind != NoticeDoorFailed || v.Compartment.ID == first {
		t.Fatalf("after failure: %+v notice %+v door %s", v.Pickup, v.Notice, v.Compartment.ID)
	}
	r.openClose(v.Compartment.ID)
	r.step(StepDone)
	stuck, took := p1, p2
	if p2.CompartmentID == first {
		stuck, took = p2, p1
	}
	if got := r.st.parcel(stuck.ID); got.Status != ParcelDeposited || got.PausedSince.IsZero() {
		t.Errorf("stuck parcel %s paused %v, want deposited and paused", got.Status, got.PausedSince)
	}
	if got := r.st.parcel(took.ID); got.Status != ParcelPickedUp {
		t.Errorf("other parcel %s", got.Status)
	}
	if c := r.st.comp(first); c.Status != StatusFaulty {
		t.Errorf("door %s %s, want faulty", first, c.Status)
	}
	// The expiry clock pauses while the door is faulty ...
	r.clk.Advance(DefaultExpiry + time.Hour)
	r.s.Tick(r.ctx)
	if got := r.st.parcel(stuck.ID); got.Status != ParcelDeposited {
		t.Fatalf("a parcel behind a faulty door expired: %s", got.Status)
	}
	// ... and resumes, pushed back by the pause, when the door is repaired.
	r.s.Tick(r.ctx) // leave the done screen
	r.clk.Advance(DefaultDoneTimeout)
	r.s.Tick(r.ctx)
	r.staffSignIn()
	r.must(r.s.SetCompartmentStatus(r.ctx, first, StatusAvailable, ""))
	got := r.st.parcel(stuck.ID)
	if c := r.st.comp(first); c.Status != StatusOccupied {
		t.Errorf("repaired door with a parcel is %s, want occupied", c.Status)
	}
	pause := r.clk.Now().Sub(stuck.DepositedAt)
	if !got.PausedSince.IsZero() || !got.ExpiresAt.Equal(stuck.ExpiresAt.Add(pause)) {
		t.Errorf("expiry %v (paused %v), want %v", got.ExpiresAt, got.PausedSince, stuck.ExpiresAt.Add(pause))
	}
	r.checkInvariants()
}

func TestPickupCancelKeepsParcels(t *testing.T) {
	r := newRig(t, testBank())
	p1, _, cred := twoDoorsForR1(r)
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	r.must(r.s.Cancel(r.ctx))
	r.step(StepIdle)
	if got := r.st.parcel(p1.ID); got.Status != ParcelDeposited {
		t.Errorf("parcel %s after cancel", got.Status)
	}
	r.must(r.s.PickupWithPIN(r.ctx, cred.PIN))
	r.step(StepUnlocking)
}

func TestPINsUniqueAmongActive(t *testing.T) {
	// A source that repeats the same PIN a few times, then counts up.
	r := newRig(t, testBank(), func(o *Options) { o.Rand = &repeatRand{} })
	r.signIn()
	pins := map[string]bool{}
	for i, rc := range []string{"r1", "r2"} {
		_, cred := r.deposit(fmt.Sprint("B", i), rc, SizeS)
		if pins[cred.PIN] {
			t.Fatalf("PIN %s issued twice", cred.PIN)
		}
		pins[cred.PIN] = true
		r.must(r.s.NextParcel(r.ctx))
	}
}

// repeatRand returns zeros for the first 40 bytes (PIN 000000 ten times)
// and then incrementing bytes.
type repeatRand struct{ n int }

func (r *repeatRand) Read(p []byte) (int, error) {
	for i := range p {
		if r.n < 40+SecretLen {
			p[i] = 0
		} else {
			p[i] = byte(r.n)
		}
		r.n++
	}
	return len(p), nil
}

func TestReissuePIN(t *testing.T) {
	r := newRig(t, testBank())
	p1, _, cred := twoDoorsForR1(r)
	r.must(r.s.ReissuePIN(r.ctx, p1.ID, "s1"))
	ev := r.st.events(EvtPINReissued)
	if len(ev) != 1 {
		t.Fatalf("%d reissue events", len(ev))
	}
	d := eventData(t, ev[0])
	newPIN := d["pin"].(string)
	if ids := d["parcel_ids"].([]any); len(ids) != 2 {
		t.Errorf("reissue covers %v, want both parcels", ids)
	}
	r.wantErr(r.s.PickupWithQR(r.ctx, cred.QR), ErrNotFound) // old QR no longer works
	if newPIN != cred.PIN {
		r.wantErr(r.s.PickupWithPIN(r.ctx, cred.PIN), ErrWrongCode)
	}
	r.must(r.s.PickupWithPIN(r.ctx, newPIN))
	if v := r.s.View(); len(v.Pickup) != 2 {
		t.Errorf("new PIN opens %d doors", len(v.Pickup))
	}
	r.must(r.s.Cancel(r.ctx))
	r.must(r.s.PickupWithQR(r.ctx, d["qr"].(string)))
	r.wantErr(r.s.ReissuePIN(r.ctx, "nope", "s1"), ErrNotFound)
	r.checkInvariants()
}

func TestWrongCodesCountedEvenIfStoreDown(t *testing.T) {
	r := newRig(t, testBank())
	r.st.setFailApply(errors.New("down"))
	for range LockoutFailures {
		_ = r.s.PickupWithPIN(r.ctx, "000000")
	}
	if !r.s.View().Locked {
		t.Fatal("store failure lifted the lockout")
	}
}
