package locker

import (
	"fmt"
	"testing"
	"time"
)

// benchRig returns a started rig whose bank has active occupied
// compartments (one parcel each, PIN = index as 6 digits) and free S ones.
func benchRig(b *testing.B, active, free int) *rig {
	b.Helper()
	var bank []Compartment
	for i := range active + free {
		bank = append(bank, Compartment{ID: fmt.Sprintf("C%04d", i), Size: SizeS, Addr: LockAddr{Board: i / 16, Lock: i%16 + 1}})
	}
	st := newFakeStore()
	st.secret = testSecret
	t0 := newFakeClock().Now()
	for i := range active {
		c := bank[i]
		c.Status = StatusOccupied
		st.comps[c.ID] = c
		id := fmt.Sprintf("P%06d", i)
		st.parcels[id] = Parcel{
			ID: id, Barcode: "OLD" + id, RecipientID: "r1", CompartmentID: c.ID, Size: SizeS,
			Status: ParcelDeposited, CredentialID: "K" + id, PINHash: HashPIN(testSecret, fmt.Sprintf("%06d", i)),
			DepositedAt: t0, ExpiresAt: t0.Add(DefaultExpiry),
		}
	}
	r := &rig{t: b, ctx: b.Context(), st: st, bus: newFakeBus(), clk: newFakeClock()}
	s, err := NewService(Options{Site: "s", Kiosk: "k", Store: st, Bus: r.bus, Clock: r.clk, Compartments: bank})
	if err != nil {
		b.Fatal(err)
	}
	r.s = s
	r.must(s.Start(r.ctx))
	r.seed()
	return r
}

// BenchmarkDepositCycle measures one whole deposit (scan, recipient, size,
// reservation Apply, door opened, door closed with the commit Apply) and
// the pickup that empties the door again (PIN lookup, opened, closed with
// its Apply), with n other parcels in the locker. Stop/StartTimer is
// avoided: its cost would dominate.
func BenchmarkDepositCycle(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("active=%d", n), func(b *testing.B) {
			r := benchRig(b, n, 4)
			i := 0
			for b.Loop() {
				i++
				r.signIn()
				r.must(r.s.ScanParcel(r.ctx, fmt.Sprint("NEW", i), ""))
				r.must(r.s.ChooseRecipient(r.ctx, "r2"))
				r.must(r.s.ChooseSize(r.ctx, SizeS))
				v := r.s.View()
				addr := v.Compartment.Addr
				r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventOpened, Addr: addr, Commanded: true})
				r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventClosed, Addr: addr, Commanded: true})
				pin := r.s.View().LastCredential.PIN
				_, err := r.s.FinishDeposit(r.ctx)
				r.must(err)
				r.must(r.s.PickupWithPIN(r.ctx, pin))
				r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventOpened, Addr: addr, Commanded: true})
				r.s.HandleDoorEvent(r.ctx, DoorEvent{Kind: EventClosed, Addr: addr, Commanded: true})
				r.must(r.s.Cancel(r.ctx))
				r.bus.takeUnlocks()
				r.clk.Advance(time.Second)
			}
		})
	}
}

// BenchmarkPickupPIN measures looking up a pickup PIN among n active
// parcels (constant-time compare against each), starting the pickup and
// cancelling it.
func BenchmarkPickupPIN(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("active=%d", n), func(b *testing.B) {
			r := benchRig(b, n, 0)
			pin := fmt.Sprintf("%06d", n/2)
			for b.Loop() {
				if err := r.s.PickupWithPIN(r.ctx, pin); err != nil {
					b.Fatal(err)
				}
				r.must(r.s.Cancel(r.ctx))
				r.bus.takeUnlocks()
			}
		})
	}
}

// BenchmarkParseQR measures verifying a pickup QR token.
func BenchmarkParseQR(b *testing.B) {
	tok := SignQR(testSecret, QRClaims{CredentialID: NewULID(time.Now()), ParcelIDs: []string{NewULID(time.Now()), NewULID(time.Now())}, ExpiresAt: time.Now()})
	for b.Loop() {
		if _, err := ParseQR(testSecret, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllocate measures choosing a door in a bank of 200.
func BenchmarkAllocate(b *testing.B) {
	var bank []Compartment
	for i := range 200 {
		bank = append(bank, Compartment{ID: fmt.Sprint(i), Size: Sizes[i%len(Sizes)], Status: StatusAvailable})
	}
	for b.Loop() {
		if _, _, err := Allocate(bank, AllocRequest{Size: SizeM}); err != nil {
			b.Fatal(err)
		}
	}
}
