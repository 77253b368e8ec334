package locker

import (
	"context"
	"errors"
	"testing"
	"time"
)

// restart builds a new Service on r's store, bus and clock, as after a crash.
func (r *rig) restart(comps []Compartment) {
	r.t.Helper()
	s, err := NewService(Options{Site: "demo", Kiosk: "k1", Version: "test", Store: r.st, Bus: r.bus, Clock: r.clk, Compartments: comps})
	r.must(err)
	r.must(s.Start(r.ctx))
	r.s = s
}

func TestStartNewDatabase(t *testing.T) {
	r := newRig(t, testBank())
	if len(r.st.secret) != SecretLen {
		t.Fatalf("secret of %d bytes stored", len(r.st.secret))
	}
	if len(r.st.comps) != 6 || r.st.comp("A1").Status != StatusAvailable || r.st.comp("A1").Door != DoorClosed {
		t.Fatalf("compartments not stored: %+v", r.st.comp("A1"))
	}
	ev := r.st.events(EvtKioskStarted)
	if len(ev) != 1 || eventData(t, ev[0])["version"] != "test" {
		t.Fatalf("kiosk.started %v", ev)
	}
	secret := string(r.st.secret)
	r.restart(testBank())
	if string(r.s.secret) != secret {
		t.Error("restart changed the secret")
	}
	// A courier code hashed before the restart still works.
	r.signIn()
}

func TestStartRequiresStore(t *testing.T) {
	st := newFakeStore()
	st.failLookup = errors.New("corrupt")
	s, err := NewService(Options{Store: st, Bus: newFakeBus(), Compartments: testBank()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); !errors.Is(err, ErrStoreDown) {
		t.Fatalf("Start = %v, want ErrStoreDown", err)
	}
	if err := s.CourierSignIn(context.Background(), "x"); !errors.Is(err, ErrBadState) {
		t.Errorf("action before a successful start: %v", err)
	}
}

func TestStartMergesConfigWithStoredState(t *testing.T) {
	r := newRig(t, testBank())
	r.staffSignIn()
	r.must(r.s.SetCompartmentStatus(r.ctx, "A2", StatusOutOfService, "broken"))
	bank := testBank()
	bank[1].Accessible = true // config change
	r.restart(bank)
	var a2 Compartment
	for _, c := range r.s.View().Compartments {
		if c.ID == "A2" {
			a2 = c
		}
	}
	if a2.Status != StatusOutOfService || a2.Reason != "broken" || !a2.Accessible {
		t.Errorf("A2 after restart %+v", a2)
	}
}

// interruptedDeposit leaves a parcel depositing in A1 (door unlocked, not
// closed) as a crash would.
func interruptedDeposit(r *rig) Parcel {
	r.t.Helper()
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "CRASH", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.ChooseSize(r.ctx, SizeS))
	r.door(EventOpened, "A1", true)
	return r.st.parcel(r.s.View().Parcel.ID)
}

func TestRecoveryItemPresentCommits(t *testing.T) {
	r := newRig(t, testBank())
	p := interruptedDeposit(r)
	r.bus.setState(LockAddr{0, 1}, LockState{Door: DoorClosed, Item: ItemPresent, Online: true})
	r.restart(testBank())
	got := r.st.parcel(p.ID)
	if got.Status != ParcelDeposited || got.PINHash == "" {
		t.Fatalf("parcel after recovery %+v", got)
	}
	if c := r.st.comp("A1"); c.Status != StatusOccupied {
		t.Errorf("A1 %s", c.Status)
	}
	ev := r.st.events(EvtParcelDeposited)
	if len(ev) != 1 {
		t.Fatalf("%d deposited events", len(ev))
	}
	pin := eventData(t, ev[0])["pin"].(string)
	r.must(r.s.PickupWithPIN(r.ctx, pin))
	r.checkInvariants()
}

func TestRecoveryUnconfirmedGoesFaultyThenStaffResolve(t *testing.T) {
	for _, inside := range []bool{true, false} {
		t.Run(map[bool]string{true: "parcel inside", false: "parcel not inside"}[inside], func(t *testing.T) {
			r := newRig(t, testBank())
			p := interruptedDeposit(r)
			// A reserved door with no parcel (left by a crash) is freed too.
			c := r.st.comp("B2")
			c.Status = StatusReserved
			r.st.comps["B2"] = c
			r.bus.setState(LockAddr{0, 1}, LockState{Door: DoorClosed, Item: ItemNoSensor, Online: true})
			r.restart(testBank())
			a1 := r.st.comp("A1")
			if a1.Status != StatusFaulty || a1.Reason != InterruptedReason {
				t.Fatalf("A1 %+v", a1)
			}
			if r.st.comp("B2").Status != StatusAvailable {
				t.Errorf("orphan reservation kept: %s", r.st.comp("B2").Status)
			}
			if got := r.st.parcel(p.ID); got.Status != ParcelDepositing {
				t.Fatalf("parcel %s, want still depositing", got.Status)
			}
			r.checkInvariants()
			r.staffSignIn()
			ds, err := r.s.Reconcile(r.ctx)
			r.must(err)
			if len(ds) != 1 || ds[0].Kind != DiscInterruptedStep {
				t.Errorf("reconcile %v", ds)
			}
			r.wantErr(r.s.SetCompartmentStatus(r.ctx, "A1", StatusAvailable, ""), ErrBadState)
			r.must(r.s.StaffOpenDoor(r.ctx, "A1", "check interrupted deposit"))
			r.openClose("A1")
			r.must(r.s.ResolveInterrupted(r.ctx, "A1", inside))
			got := r.st.parcel(p.ID)
			a1 = r.st.comp("A1")
			if inside {
				if got.Status != ParcelDeposited || a1.Status != StatusOccupied || len(r.st.events(EvtParcelDeposited)) != 1 {
					t.Errorf("resolved inside: parcel %s compartment %s", got.Status, a1.Status)
				}
				if r.s.View().LastCredential.PIN == "" {
					t.Error("no credential shown to staff")
				}
			} else if got.Status != ParcelCancelled || a1.Status != StatusAvailable {
				t.Errorf("resolved not inside: parcel %s compartment %s", got.Status, a1.Status)
			}
			r.wantErr(r.s.ResolveInterrupted(r.ctx, "A1", inside), ErrNotFound)
			r.checkInvariants()
		})
	}
}

func TestLockoutSurvivesRestart(t *testing.T) {
	r := newRig(t, testBank())
	for range LockoutFailures {
		_ = r.s.PickupWithPIN(r.ctx, "000000")
	}
	r.restart(testBank())
	if !r.s.View().Locked {
		t.Fatal("restart lifted the lockout")
	}
	r.wantErr(r.s.PickupWithPIN(r.ctx, "123456"), ErrLockedOut)
}

func TestRecoveryAddToDoorResumesExpiry(t *testing.T) {
	r := newRig(t, testBank())
	r.signIn()
	first, _ := r.deposit("FIRST", "r1", SizeS)
	r.must(r.s.NextParcel(r.ctx))
	r.must(r.s.ScanParcel(r.ctx, "SECOND", ""))
	r.must(r.s.ChooseRecipient(r.ctx, "r1"))
	r.must(r.s.AddToDoor(r.ctx))
	second := r.s.View().Parcel.ID
	r.door(EventOpened, first.CompartmentID, true)
	// Crash. The item sensor sees the first parcel, so it proves nothing.
	r.bus.setState(r.addr(first.CompartmentID), LockState{Door: DoorClosed, Item: ItemPresent, Online: true})
	r.restart(testBank())
	if c := r.st.comp(first.CompartmentID); c.Status != StatusFaulty || c.Reason != InterruptedReason {
		t.Fatalf("compartment %+v", c)
	}
	if p := r.st.parcel(first.ID); p.PausedSince.IsZero() {
		t.Fatal("expiry of the parcel behind the faulty door not paused")
	}
	r.clk.Advance(time.Hour)
	r.staffSignIn()
	r.must(r.s.ResolveInterrupted(r.ctx, first.CompartmentID, true))
	p := r.st.parcel(first.ID)
	if !p.PausedSince.IsZero() || !p.ExpiresAt.Equal(first.ExpiresAt.Add(time.Hour)) {
		t.Errorf("first parcel expiry %v paused %v, want %v", p.ExpiresAt, p.PausedSince, first.ExpiresAt.Add(time.Hour))
	}
	if p2 := r.st.parcel(second); p2.Status != ParcelDeposited {
		t.Errorf("second parcel %s", p2.Status)
	}
	if c := r.st.comp(first.CompartmentID); c.Status != StatusOccupied {
		t.Errorf("compartment %s", c.Status)
	}
	r.checkInvariants()
}

func TestRecoverySecondStartWithItemCommits(t *testing.T) {
	r := newRig(t, testBank())
	p := interruptedDeposit(r)
	r.restart(testBank()) // no item sensor: faulty
	if c := r.st.comp("A1"); c.Status != StatusFaulty {
		t.Fatalf("A1 %s", c.Status)
	}
	r.bus.setState(LockAddr{0, 1}, LockState{Door: DoorClosed, Item: ItemPresent, Online: true})
	r.restart(testBank())
	if got := r.st.parcel(p.ID); got.Status != ParcelDeposited {
		t.Errorf("parcel %s", got.Status)
	}
	if c := r.st.comp("A1"); c.Status != StatusOccupied || c.Reason != "" {
		t.Errorf("A1 %+v", c)
	}
	r.checkInvariants()
}
