package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// TestBoardOutageAndBootWithoutAdapter runs the two faults of the trial on
// their own: a lock board that goes silent while a pickup's door is open
// (the door is closed during the outage), and a kiosk started with its
// lock-bus adapter unplugged; then a courier who taps Cancel with the
// parcel already inside the open door.
func TestBoardOutageAndBootWithoutAdapter(t *testing.T) {
	h := newHarness(t, options{staff: true})
	h.seed(5)
	h.expect("1Z999AA10000000033", "UPS", "R001", locker.SizeS)
	h.signIn(couriers[0].badge)
	d := h.depositScanned(couriers[0].badge, "1Z999AA10000000033")
	h.finishVisit()
	took := h.boardOutagePickup(d.Data.Compartment, d.Data.PIN, d.Data.ParcelID)
	t.Logf("pickup recorded %v after the board answered again", took.Round(time.Millisecond))

	h.bootWithoutAdapter()
	h.expect("1Z999AA10000000041", "UPS", "R002", locker.SizeS)
	h.signIn(couriers[0].badge)
	d = h.depositScanned(couriers[0].badge, "1Z999AA10000000041")
	h.finishVisit()
	h.pickupPIN(d.Data.PIN, d.Data.ParcelID)

	h.cancelWithParcelInside("1Z999AA10000000058", "R003")
}

// cancelWithParcelInside: a courier opens a door, puts the parcel in (the
// item sensor sees it) and taps Cancel with the door open. The parcel stays
// recorded, the door is flagged for staff and the home screen says so; when
// the door is then closed with the parcel inside, the deposit is committed
// and its code opens the door.
func (h *harness) cancelWithParcelInside(barcode, recipient string) {
	h.t.Helper()
	h.expect(barcode, "UPS", recipient, locker.SizeS)
	h.signIn(couriers[0].badge)
	before := h.unlockCount()
	for try := 0; try < 4 && h.unlockCount() == before; try++ {
		h.scan(barcode)
		waitFor(4*time.Second, func() bool { return h.unlockCount() > before })
	}
	if h.unlockCount() == before {
		h.t.Fatalf("cancel with the parcel inside: the scan of %s opened no door", barcode)
	}
	a := h.lastUnlocks(1)[0]
	comp := ""
	for id, ca := range h.comps {
		if ca == a {
			comp = id
		}
	}
	h.sim.must(fmt.Sprintf("item %d %d on", a.Board, a.Lock))
	h.sim.must(fmt.Sprintf("open %d %d", a.Board, a.Lock)) // the courier holds the door
	if !waitFor(20*time.Second, func() bool {
		st, err := h.status()
		if err != nil {
			return false
		}
		for _, c := range st.Compartments {
			if c.ID == comp {
				return c.Door == "open"
			}
		}
		return false
	}) {
		h.t.Fatalf("cancel with the parcel inside: door %s not seen open", comp)
	}
	// The item was on before the door was held open; let a fast poll or
	// two (100 ms) pass so the bus has read it whichever poll saw the door.
	time.Sleep(300 * time.Millisecond)
	kept := h.auditCount("parcel.kept")
	h.pressFor("deposit.door", "Cancel", func() bool { return h.auditCount("parcel.kept") > kept })
	if !h.waitScreen("home", 20*time.Second) {
		h.t.Errorf("cancel with the parcel inside: the kiosk does not go home")
	}
	time.Sleep(time.Second) // for the screenshot only: the frame follows the layout map
	h.shot("cancel-parcel-inside")
	_ = h.events.sync()
	if n := len(h.events.find(func(e event) bool { return e.Type == locker.EvtParcelCancelled && e.Data.Barcode == barcode })); n != 0 {
		h.t.Errorf("cancel with the parcel inside: parcel.cancelled sent; the parcel must stay recorded")
	}
	if st, err := h.status(); err == nil {
		for _, c := range st.Compartments {
			if c.ID == comp && c.Status != "faulty" {
				h.t.Errorf("cancel with the parcel inside: door %s is %s, want faulty (flagged for staff)", comp, c.Status)
			}
		}
	}
	// The courier leaves the parcel and shuts the door: it is deposited.
	h.sim.must(fmt.Sprintf("close %d %d", a.Board, a.Lock))
	d := h.events.wait(30*time.Second, "parcel.deposited "+barcode+" when the door closed on it", func(e event) bool {
		return e.Type == locker.EvtParcelDeposited && e.Data.Barcode == barcode
	})
	h.sim.must(fmt.Sprintf("item %d %d off", a.Board, a.Lock))
	h.pickupPIN(d.Data.PIN, d.Data.ParcelID)
}

// boardOutagePickup picks up the parcel in compartment with pin while its
// board goes silent: the door opens, the board stops answering (3 missed
// polls: offline), the door is closed during the outage, and the board
// answers again. The kiosk must record the pickup when the board is back,
// end the door screen, and refuse the PIN afterwards. It returns how long
// after the board came back the pickup was published.
func (h *harness) boardOutagePickup(compartment, pin, parcelID string) time.Duration {
	h.t.Helper()
	a := h.comps[compartment]
	mark := h.events.count()
	before := h.unlockCount()
	h.openPickup(20 * time.Second)
	h.typeText(pin)
	h.key("Return")
	if !waitFor(20*time.Second, func() bool { return h.unlockCount() > before }) {
		h.shot("outage-no-unlock")
		h.t.Fatalf("board outage: the pickup of %s opened no door", parcelID)
	}
	// Keep the door open (the simulator would close it after --auto-close).
	h.sim.must(fmt.Sprintf("open %d %d", a.Board, a.Lock))
	h.events.waitAfter(mark, 20*time.Second, "door.opened "+compartment, func(e event) bool {
		return e.Type == locker.EvtDoorOpened && e.Data.Compartment == compartment
	})
	h.sim.must("mute on") // the board goes silent, the pty stays
	if !waitFor(20*time.Second, func() bool { st, err := h.status(); return err == nil && !st.BoardOnline }) {
		h.t.Fatalf("board outage: status still reports the boards online 20s after the bus went silent")
	}
	h.shot("outage-door-open")
	h.sim.must(fmt.Sprintf("close %d %d", a.Board, a.Lock)) // closed during the outage
	_ = h.events.sync()
	if n := len(h.events.find(parcelEvent(locker.EvtParcelPickedUp, parcelID))); n != 0 {
		h.t.Fatalf("pickup recorded before the board answered again")
	}
	back := time.Now()
	h.sim.must("mute off")
	h.events.wait(30*time.Second, "parcel.picked_up "+parcelID+" after the outage", parcelEvent(locker.EvtParcelPickedUp, parcelID))
	took := time.Since(back)
	if !waitFor(20*time.Second, func() bool { st, err := h.status(); return err == nil && st.BoardOnline }) {
		h.t.Errorf("board outage: boards not back online")
	}
	h.shot("outage-picked-up")
	h.pickupDone()
	// The PIN opened its door once; it opens nothing now.
	before = h.unlockCount()
	h.openPickup(20 * time.Second)
	h.typeText(pin)
	h.key("Return")
	if waitFor(3*time.Second, func() bool { return h.unlockCount() > before }) {
		h.t.Errorf("board outage: the PIN of a parcel picked up during the outage opened a door again")
	}
	h.press("pickup", "Back", 5*time.Second)
	h.waitScreen("home", 20*time.Second)
	h.checkDoors()
	return took
}

// bootWithoutAdapter stops the kiosk, unplugs the lock-bus adapter and
// starts the kiosk again: it must start, report the boards offline, turn a
// courier away (no sign-in), let staff sign in and see the diagnostics,
// and come back by itself when the adapter is plugged in.
func (h *harness) bootWithoutAdapter() {
	h.t.Helper()
	h.stopKiosk(syscall.SIGTERM)
	h.sim.must("unplug") // the pty and its link are gone
	h.startKiosk()
	if !waitFor(30*time.Second, func() bool { st, err := h.status(); return err == nil && !st.BoardOnline }) {
		h.t.Fatalf("boot without the adapter: status does not report the boards offline")
	}
	h.shot("boot-no-adapter-home")

	// A courier is told the doors are out of order: no sign-in.
	signins := h.auditCount("courier.signin")
	h.scan(couriers[0].badge)
	if waitFor(4*time.Second, func() bool { return h.auditCount("courier.signin") > signins }) {
		h.t.Errorf("boot without the adapter: a courier signed in while every door is out of order")
	}
	h.shot("boot-no-adapter-courier")
	if m, _ := h.layout(); m.Screen != "home" {
		h.t.Errorf("boot without the adapter: after a courier badge the kiosk shows %q, want home with the message", m.Screen)
	}

	// Staff can sign in and see the diagnostics.
	h.staffSignIn("staff.login without the adapter")
	h.selectTab("Diagnostics")
	h.shot("boot-no-adapter-diagnostics")
	h.pressFor("maint.menu", "Sign out", h.onScreen("home"))

	h.sim.must("plug") // the adapter appears
	if !waitFor(30*time.Second, func() bool { st, err := h.status(); return err == nil && st.BoardOnline }) {
		h.t.Fatalf("boot without the adapter: boards not online 30s after it was plugged in:\n%s", h.kioskLog.tail(20))
	}
	h.checkDoors()
}
