package e2e

import (
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// The item sensor at a door's close and a full bank (issue 14), against
// the real kiosk with [lockboard] item_sensors = true, locksim's item
// sensor on its pty and a nats-server. The simulator's doors stay open
// until the test closes them, with the item sensor as the test set it.

// eventData decodes the data of e.
func eventData(t *testing.T, e event) map[string]any {
	t.Helper()
	var env struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(e.Raw, &env); err != nil {
		t.Fatalf("event %s: %v", e.Type, err)
	}
	return env.Data
}

// compOf returns the compartment of lock a.
func (h *harness) compOf(a locker.LockAddr) string {
	for id, ca := range h.comps {
		if ca == a {
			return id
		}
	}
	h.t.Fatalf("no compartment on board %d lock %d", a.Board, a.Lock)
	return ""
}

// waitDoor waits until the status command reports door comp in state.
func (h *harness) waitDoor(comp, state string) {
	h.t.Helper()
	if !waitFor(20*time.Second, func() bool {
		st, err := h.status()
		if err != nil {
			return false
		}
		for _, c := range st.Compartments {
			if c.ID == comp {
				return c.Door == state
			}
		}
		return false
	}) {
		h.shot("door-" + comp + "-not-" + state)
		h.t.Fatalf("door %s not seen %s", comp, state)
	}
}

// nextUnlock runs action and returns the lock the simulator unlocks next,
// once the kiosk saw its door open.
func (h *harness) nextUnlock(what string, action func()) (string, locker.LockAddr) {
	h.t.Helper()
	h.untilUnlock(what, action)
	a := h.lastUnlocks(1)[0]
	comp := h.compOf(a)
	h.waitDoor(comp, "open")
	return comp, a
}

// closeWith sets the item sensor of lock a and closes its door.
func (h *harness) closeWith(a locker.LockAddr, item bool) {
	h.t.Helper()
	state := map[bool]string{true: "on", false: "off"}[item]
	h.sim.must(fmt.Sprintf("item %d %d %s", a.Board, a.Lock, state))
	h.sim.must(fmt.Sprintf("close %d %d", a.Board, a.Lock))
}

// pressUnlock taps label on screen until the simulator sees a new unlock,
// and returns once the kiosk saw the door open.
func (h *harness) pressUnlock(screen, label string) {
	h.t.Helper()
	before := h.unlockCount()
	h.pressFor(screen, label, func() bool { return h.unlockCount() > before })
	h.waitDoor(h.compOf(h.lastUnlocks(1)[0]), "open")
}

// framedShot takes a screenshot once the window drew what the layout map
// already says (the frame follows the map by a moment).
func (h *harness) framedShot(name string) {
	time.Sleep(time.Second)
	h.shot(name)
}

// mustScreen fails unless the kiosk shows screen within 20 s.
func (h *harness) mustScreen(screen string) {
	h.t.Helper()
	if !h.waitScreen(screen, 20*time.Second) {
		m, _ := h.layout()
		h.shot("not-" + screen)
		h.t.Fatalf("the kiosk shows %q with %v, want %q", m.Screen, labels(m), screen)
	}
}

func TestItemSensorAtTheClose(t *testing.T) {
	h := newHarness(t, options{itemSensors: true, autoClose: time.Hour})
	h.seed(5)
	for i, r := range []string{"R001", "R002", "R003"} {
		h.expect(fmt.Sprintf("SENSOR-%04d", i+1), "UPS", r, locker.SizeS)
	}
	h.signIn(couriers[0].badge)

	// A deposit door closed empty asks; in Spanish "Abrir otra vez" opens
	// it again and the parcel put in is committed.
	comp1, a1 := h.nextUnlock("scan SENSOR-0001", func() { h.scan("SENSOR-0001") })
	h.closeWith(a1, false)
	h.mustScreen("deposit.check")
	if n := len(h.events.find(func(e event) bool { return e.Type == locker.EvtParcelDeposited })); n != 0 {
		t.Fatalf("%d parcel.deposited before the parcel was seen", n)
	}
	h.framedShot("deposit-check-inside")
	h.pressFor("deposit.check", "Español", func() bool { m, _ := h.layout(); _, ok := findItem(m, "Abrir otra vez"); return ok })
	h.framedShot("deposit-check-inside-es")
	h.pressUnlock("deposit.check", "Abrir otra vez")
	if got := h.lastUnlocks(1)[0]; got != a1 {
		t.Fatalf("open again unlocked %v, want %v (door %s)", got, a1, comp1)
	}
	h.closeWith(a1, true)
	d1 := h.events.wait(20*time.Second, "parcel.deposited SENSOR-0001", func(e event) bool {
		return e.Type == locker.EvtParcelDeposited && e.Data.Barcode == "SENSOR-0001"
	})
	if d1.Data.Compartment != comp1 {
		t.Errorf("SENSOR-0001 deposited in %s, want %s", d1.Data.Compartment, comp1)
	}
	h.pressFor("deposit.done", "English", func() bool { m, _ := h.layout(); _, ok := findItem(m, "Next parcel"); return ok })

	// "Cancel this parcel": nothing recorded as inside, the visit goes on.
	h.mustPress("deposit.done", "Next parcel")
	h.mustScreen("deposit.scan")
	comp2, a2 := h.nextUnlock("scan SENSOR-0002", func() { h.scan("SENSOR-0002") })
	h.closeWith(a2, false)
	h.mustScreen("deposit.check")
	h.mustPress("deposit.check", "Cancel this parcel")
	c2 := h.events.wait(20*time.Second, "parcel.cancelled SENSOR-0002", func(e event) bool {
		return e.Type == locker.EvtParcelCancelled && e.Data.Barcode == "SENSOR-0002"
	})
	if r := eventData(t, c2)["reason"]; r != "not seen inside" {
		t.Errorf("parcel.cancelled reason %v", r)
	}
	h.mustScreen("deposit.scan")

	// The power fails at "Is the parcel inside?": at the restart the door
	// is seen closed and empty, so the deposit is cancelled and the door freed.
	comp3, a3 := h.nextUnlock("scan SENSOR-0003", func() { h.scan("SENSOR-0003") })
	h.closeWith(a3, false)
	h.mustScreen("deposit.check")
	h.stopKiosk(syscall.SIGKILL)
	h.startKiosk()
	c3 := h.events.wait(30*time.Second, "parcel.cancelled SENSOR-0003 at the restart", func(e event) bool {
		return e.Type == locker.EvtParcelCancelled && e.Data.Barcode == "SENSOR-0003"
	})
	if r := eventData(t, c3)["reason"]; r != "door closed empty at restart" {
		t.Errorf("parcel.cancelled reason %v", r)
	}
	st, err := h.status()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range st.Compartments {
		if (c.ID == comp2 || c.ID == comp3) && c.Status != string(locker.StatusAvailable) {
			t.Errorf("door %s is %s after its parcel was cancelled, want available", c.ID, c.Status)
		}
	}

	// A pickup door closed with something inside: parcel.left_inside, the
	// parcel stays; the resident leaves it, comes back, opens again, takes it.
	leftBefore := len(h.events.find(ofType(locker.EvtParcelLeftInside)))
	h.nextUnlock("pickup SENSOR-0001", func() {
		h.openPickup(20 * time.Second)
		h.typeText(d1.Data.PIN)
		h.key("Return")
	})
	h.closeWith(a1, true)
	h.mustScreen("pickup.inside")
	li := h.events.wait(20*time.Second, "parcel.left_inside", parcelEvent(locker.EvtParcelLeftInside, d1.Data.ParcelID))
	d := eventData(t, li)
	if d["compartment"] != comp1 || d["barcode"] != "SENSOR-0001" || d["recipient_id"] != "R001" || d["closed_at"] == nil {
		t.Errorf("parcel.left_inside data %v", d)
	}
	h.framedShot("pickup-left-inside")
	h.mustPress("pickup.inside", "Leave it here")
	h.mustScreen("pickup.done")
	h.pickupDone()
	if p := h.events.find(parcelEvent(locker.EvtParcelPickedUp, d1.Data.ParcelID)); len(p) != 0 {
		t.Fatalf("parcel.picked_up for a parcel left inside")
	}
	h.nextUnlock("pickup SENSOR-0001 again", func() {
		h.openPickup(20 * time.Second)
		h.typeText(d1.Data.PIN)
		h.key("Return")
	})
	h.closeWith(a1, true)
	h.mustScreen("pickup.inside")
	h.pressUnlock("pickup.inside", "Open again")
	h.closeWith(a1, false)
	h.events.wait(20*time.Second, "parcel.picked_up SENSOR-0001", parcelEvent(locker.EvtParcelPickedUp, d1.Data.ParcelID))
	h.pickupDone()
	if n := len(h.events.find(ofType(locker.EvtParcelLeftInside))) - leftBefore; n != 2 {
		t.Errorf("%d parcel.left_inside events, want 2 (one per close with the parcel seen)", n)
	}
	h.checkAudit()
}

// freeBySize reads free_by_size from the status command.
func (h *harness) freeBySize() map[string]int {
	h.t.Helper()
	r, err := h.requestTo(h.subj, "status", struct{}{}, 5*time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	var st struct {
		FreeBySize map[string]int `json:"free_by_size"`
	}
	if err := json.Unmarshal(r.raw, &st); err != nil {
		h.t.Fatal(err)
	}
	return st.FreeBySize
}

func TestFullBank(t *testing.T) {
	h := newHarness(t, options{itemSensors: true, autoClose: time.Hour, staff: true})
	h.seed(5)
	hb, err := h.nc.SubscribeSync(h.subj.Status())
	if err != nil {
		t.Fatal(err)
	}
	defer hb.Unsubscribe()
	const keep = "A2" // the one S door left in service
	for id := range h.comps {
		if id != keep {
			h.command("compartment.set", map[string]any{"compartment": id, "status": "out_of_service", "staff_id": staffID, "reason": "e2e full bank"})
		}
	}
	if free := h.freeBySize(); free["S"] != 1 || free["M"] != 0 || free["XL"] != 0 {
		t.Fatalf("free_by_size %v, want S 1 and none of the other sizes", free)
	}
	h.expect("FULL-0001", "UPS", "R001", locker.SizeS)
	h.expect("FULL-0002", "UPS", "R001", locker.SizeS)
	h.expect("FULL-0003", "UPS", "R002", locker.SizeS)

	h.signIn(couriers[0].badge)
	comp, a := h.nextUnlock("scan FULL-0001", func() { h.scan("FULL-0001") })
	if comp != keep {
		t.Fatalf("FULL-0001 went to %s, want %s", comp, keep)
	}
	h.closeWith(a, true)
	d1 := h.events.wait(20*time.Second, "parcel.deposited FULL-0001", func(e event) bool {
		return e.Type == locker.EvtParcelDeposited && e.Data.Barcode == "FULL-0001"
	})
	h.finishVisit()

	// Another visit: the bank is full, the door of R001 is offered.
	h.signIn(couriers[1].badge)
	for try := 0; try < 4 && !h.waitScreen("deposit.share", 5*time.Second); try++ {
		h.scan("FULL-0002")
	}
	h.mustScreen("deposit.share")
	h.framedShot("deposit-share-door")
	if free := h.freeBySize(); free["S"] != 0 {
		t.Errorf("free_by_size %v with the bank full", free)
	}
	h.pressUnlock("deposit.share", "It fits: open door "+keep)
	if got := h.lastUnlocks(1)[0]; got != a {
		t.Fatalf("the offered door unlocked %v, want %v", got, a)
	}
	h.closeWith(a, true)
	d2 := h.events.wait(20*time.Second, "parcel.deposited FULL-0002", func(e event) bool {
		return e.Type == locker.EvtParcelDeposited && e.Data.Barcode == "FULL-0002"
	})
	if d2.Data.Compartment != keep {
		t.Errorf("FULL-0002 deposited in %s, want %s with FULL-0001", d2.Data.Compartment, keep)
	}

	// Nothing for R002: refused, recorded, nothing half-done.
	h.mustPress("deposit.done", "Next parcel")
	h.mustScreen("deposit.scan")
	for try := 0; try < 4 && !h.waitScreen("deposit.full", 5*time.Second); try++ {
		h.scan("FULL-0003")
	}
	h.mustScreen("deposit.full")
	h.framedShot("deposit-full")
	ref := h.events.wait(20*time.Second, "parcel.refused FULL-0003", func(e event) bool {
		return e.Type == locker.EvtParcelRefused && e.Data.Barcode == "FULL-0003"
	})
	if d := eventData(t, ref); d["recipient_id"] != "R002" || d["size"] != "S" || d["reason"] != "full" {
		t.Errorf("parcel.refused data %v", d)
	}
	if m, _ := h.layout(); m.Screen == "deposit.full" {
		if _, ok := findItem(m, "Finish"); !ok {
			t.Errorf("no Finish on the full screen: %v", labels(m))
		}
	}
	h.finishVisit()

	// The heartbeat carries the free doors too.
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, err := hb.NextMsg(time.Until(deadline))
		if err != nil {
			t.Fatalf("no heartbeat with the bank full: %v", err)
		}
		var beat struct {
			FreeBySize map[string]int `json:"free_by_size"`
		}
		if json.Unmarshal(m.Data, &beat) == nil && beat.FreeBySize != nil {
			if _, ok := beat.FreeBySize["S"]; ok && beat.FreeBySize["S"] == 0 {
				break
			}
		}
	}

	// R001's first code opens the door once and hands over both parcels.
	h.nextUnlock("pickup FULL-0001", func() {
		h.openPickup(20 * time.Second)
		h.typeText(d1.Data.PIN)
		h.key("Return")
	})
	h.closeWith(a, false)
	for _, d := range []event{d1, d2} {
		h.events.wait(20*time.Second, "parcel.picked_up "+d.Data.Barcode, parcelEvent(locker.EvtParcelPickedUp, d.Data.ParcelID))
	}
	h.pickupDone()
	if free := h.freeBySize(); free["S"] != 1 {
		t.Errorf("free_by_size %v after the pickup, want S 1", free)
	}
	h.checkAudit()
}
