package e2e

import (
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// TestDepositAndPickup drives the real kiosk under Xvfb: a courier's badge
// and a pre-advised parcel scanned on the serial scanner open a door with no
// tap; the recipient picks up with the PIN typed on the keyboard after
// tapping "Pick up"; a second parcel is picked up with its QR scanned on the
// home screen. The simulator must see the unlocks of the right locks and
// JetStream the events, exactly once and in order.
func TestDepositAndPickup(t *testing.T) {
	h := newHarness(t, options{})
	h.seed(20)
	h.shot("home")
	h.expect("1Z999AA10000000017", "UPS", "R001", locker.SizeS)
	h.expect("1Z999AA10000000025", "UPS", "R002", locker.SizeM)

	h.signIn(couriers[0].badge)
	h.shot("signed-in")
	d1 := h.depositScanned(couriers[0].badge, "1Z999AA10000000017")
	h.shot("deposited-1")
	d2 := h.depositScanned(couriers[0].badge, "1Z999AA10000000025")
	h.finishVisit()
	h.shot("home-after-visit")

	for _, d := range []event{d1, d2} {
		if d.Data.PIN == "" || d.Data.QR == "" || d.Data.Compartment == "" || d.Data.ParcelID == "" {
			t.Fatalf("parcel.deposited lacks pin, qr, compartment or parcel id: %s", d.Raw)
		}
	}
	if d1.Data.Compartment == d2.Data.Compartment {
		t.Fatalf("two recipients' parcels in one compartment %s", d1.Data.Compartment)
	}

	h.pickupPIN(d1.Data.PIN, d1.Data.ParcelID)
	h.shot("after-pickup-done")
	h.pickupQR(d2.Data.QR, d2.Data.ParcelID)

	// The simulator saw exactly the four unlocks, of the right locks.
	want := []locker.LockAddr{h.comps[d1.Data.Compartment], h.comps[d2.Data.Compartment], h.comps[d1.Data.Compartment], h.comps[d2.Data.Compartment]}
	if got := h.sim.unlocks(); joinAddrs(got) != joinAddrs(want) {
		t.Errorf("simulator unlocks %s, want %s (compartments %s, %s)", joinAddrs(got), joinAddrs(want), d1.Data.Compartment, d2.Data.Compartment)
	}

	// The keyboard-wedge scanner: a badge and a pre-advised parcel typed at
	// scanner speed into the window open a door with no tap.
	h.expect("TBA123456789012", "Amazon", "R003", locker.SizeS)
	// A courier scans again when the screen says the code was not
	// recognised; on this loaded machine a burst is sometimes split (see
	// the report), so up to three scans are allowed.
	signins := h.auditCount("courier.signin")
	for try := 1; ; try++ {
		h.wedge(couriers[1].badge)
		if waitFor(4*time.Second, func() bool { return h.auditCount("courier.signin") > signins }) {
			break
		}
		h.shot("wedge-badge")
		if try == 3 {
			t.Fatalf("a badge typed by the keyboard-wedge scanner signed nobody in after %d scans", try)
		}
		t.Logf("wedge badge scan %d not recognised; scanning again", try)
	}
	time.Sleep(300 * time.Millisecond)
	before := h.unlockCount()
	for try := 1; ; try++ {
		h.wedge("TBA123456789012")
		if waitFor(5*time.Second, func() bool { return h.unlockCount() > before }) {
			break
		}
		h.shot("wedge-parcel")
		if try == 3 {
			t.Fatalf("a parcel barcode typed by the keyboard-wedge scanner opened no door after %d scans", try)
		}
		t.Logf("wedge parcel scan %d opened no door; scanning again", try)
	}
	d3 := h.events.wait(20*time.Second, "parcel.deposited by the wedge", func(e event) bool {
		return e.Type == locker.EvtParcelDeposited && e.Data.Barcode == "TBA123456789012"
	})
	h.finishVisit()
	if got := h.lastUnlocks(1); len(got) != 1 || got[0] != h.comps[d3.Data.Compartment] {
		t.Errorf("wedge deposit unlocked %s, want compartment %s", joinAddrs(got), d3.Data.Compartment)
	}
	h.pickupPIN(d3.Data.PIN, d3.Data.ParcelID)

	all := h.waitDrained(20 * time.Second)
	// Per compartment, for each parcel it held: opened, closed (deposited),
	// opened, closed (picked up), exactly once each.
	uses := map[string]int{}
	for _, d := range []event{d1, d2, d3} {
		uses[d.Data.Compartment]++
	}
	for comp, n := range uses {
		var seq, want []string
		for _, e := range all {
			switch {
			case e.Data.Compartment != comp:
			case e.Type == locker.EvtDoorOpened, e.Type == locker.EvtDoorClosed,
				e.Type == locker.EvtParcelDeposited, e.Type == locker.EvtParcelPickedUp:
				seq = append(seq, e.Type)
			}
		}
		for range n {
			want = append(want, "door.opened", "door.closed", "parcel.deposited", "door.opened", "door.closed", "parcel.picked_up")
		}
		if !sameOrderedSet(seq, want) {
			t.Errorf("compartment %s events %v, want %v", comp, seq, want)
		}
	}
	if p := h.events.find(parcelEvent(locker.EvtParcelPickedUp, d1.Data.ParcelID)); len(p) != 1 || p[0].Data.By != "pin" {
		t.Errorf("pickup of %s: %d events, by %q; want one by pin", d1.Data.ParcelID, len(p), by(p))
	}
	if p := h.events.find(parcelEvent(locker.EvtParcelPickedUp, d2.Data.ParcelID)); len(p) != 1 || p[0].Data.By != "qr" {
		t.Errorf("pickup of %s: %d events, by %q; want one by qr", d2.Data.ParcelID, len(p), by(p))
	}
	h.checkDoors()
	h.checkAudit()
}

func by(es []event) string {
	if len(es) == 0 {
		return ""
	}
	return es[0].Data.By
}

// sameOrderedSet reports whether got holds want's types in want's order,
// where a door's closed event and the deposit it commits may come in either
// order (they are one transaction).
func sameOrderedSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := 0; i < len(want); i += 3 {
		g := map[string]int{}
		w := map[string]int{}
		for j := i; j < i+3; j++ {
			g[got[j]]++
			w[want[j]]++
		}
		if got[i] != want[i] {
			return false
		}
		for k, v := range w {
			if g[k] != v {
				return false
			}
		}
	}
	return true
}
