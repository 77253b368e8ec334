package e2e

import (
	"fmt"
	"strings"
	"time"

	"github.com/parcelkiosk/locker"
)

// Screen positions on the landscape layout (1280x800), read off
// screenshots. X is a share of the window's width and Y is pixels from the
// top (Y >= 1), a share of the height (0 < Y < 1) or pixels from the
// bottom (Y < 0), so they hold for a window of another size too.
var (
	posPickup            = pos{0.745, 0.57}  // home: "Pick up"
	posStaff             = pos{0.927, -67}   // home: "Staff"
	posFinish            = pos{0.78, -67}    // deposit done: "Finish"
	posFinishAboveNotice = pos{0.78, -155}   // the same with a notice bar below it
	posReceiptDone       = pos{0.939, -67}   // receipt: "Done"
	posPickupDone        = pos{0.5, 0.775}   // pickup all done: "Done"
	posFirstResult       = pos{0.15, 333}    // recipient search: first tile
	posSizeS             = pos{0.341, 0.625} // size picker: S
	posTabExpired        = pos{0.665, 160}   // maintenance: "Expired (N)"
	posSignOut           = pos{0.877, 240}   // maintenance: "Sign out"
	posRetrieve          = pos{0.147, -68}   // maintenance, expired tab: "Open them one by one"
)

// pos is a place on the window (see above).
type pos struct {
	X, Y float64
}

// tap clicks at p on the kiosk's window.
func (h *harness) tap(p pos) {
	h.t.Helper()
	x, y, w, ht := h.windowGeometry()
	py := int(p.Y)
	switch {
	case p.Y < 0:
		py = ht + int(p.Y)
	case p.Y < 1:
		py = int(p.Y * float64(ht))
	}
	h.click(x+int(p.X*float64(w)), y+py)
}

// seed loads n recipients R001..Rn (units 101...) and the couriers.
func (h *harness) seed(n int) {
	h.t.Helper()
	var rs []map[string]any
	for i := 1; i <= n; i++ {
		floor, door := (i-1)/10+1, (i-1)%10+1
		rs = append(rs, map[string]any{
			"id": fmt.Sprintf("R%03d", i), "name": fmt.Sprintf("Resident %03d %s", i, surnames[i%len(surnames)]),
			"unit": fmt.Sprintf("%d%02d", floor, door), "accessible": i%25 == 0,
		})
	}
	for len(rs) > 0 {
		k := min(len(rs), 500)
		h.command("directory.upsert", map[string]any{"recipients": rs[:k]})
		rs = rs[k:]
	}
	for _, c := range couriers {
		h.command("courier.upsert", map[string]any{"id": c.id, "carrier": c.carrier, "name": c.name, "code": c.badge})
	}
}

var surnames = []string{"Garcia", "Smith", "Nguyen", "Okafor", "Kowalski", "Rossi", "Haddad", "Tanaka", "Silva", "Novak"}

type courier struct{ id, carrier, name, badge string }

var couriers = []courier{
	{"C1", "UPS", "Pat", "BADGE:UPS-E2E-1"},
	{"C2", "FedEx", "Lee", "BADGE:FDX-E2E-2"},
	{"C3", "USPS", "Robin", "BADGE:USPS-E2E-3"},
}

// wedge types code at scanner speed (5 ms a key) followed by Enter, as a
// keyboard-wedge scanner does into the kiosk's window.
func (h *harness) wedge(code string) {
	h.t.Helper()
	h.xdo("mousemove", "640", "60")
	h.xdo("type", "--delay", "5", code)
	h.key("Return")
}

// expect pre-advises a parcel.
func (h *harness) expect(barcode, carrier, recipient string, size locker.Size) {
	h.t.Helper()
	h.command("parcel.expect", map[string]any{"barcode": barcode, "carrier": carrier, "recipient_id": recipient, "size": string(size), "idempotency_key": "e2e-" + barcode})
}

// unlockCount returns how many unlocks the simulator has seen.
func (h *harness) unlockCount() int { return len(h.sim.unlocks()) }

// signIn scans a courier badge on the home screen and waits for the
// sign-in in the audit log; it scans again when the scan was lost.
func (h *harness) signIn(badge string) {
	h.t.Helper()
	before := h.auditCount("courier.signin")
	for try := 0; try < 4; try++ {
		h.scan(badge)
		if waitFor(5*time.Second, func() bool { return h.auditCount("courier.signin") > before }) {
			time.Sleep(200 * time.Millisecond) // the screen follows the service
			return
		}
		h.t.Logf("badge scan %d not taken (courier.signin audit rows %d, now %d); scanning again", try+1, before, h.auditCount("courier.signin"))
	}
	h.shot("no-signin")
	h.t.Fatalf("courier badge %s: no sign-in", badge)
}

// depositScanned scans a pre-advised parcel after the courier signed in and
// waits for the door to open and close and the deposit to be published.
// It re-sends the scan when the kiosk dropped it (a scan while a call runs
// is ignored by the screen).
func (h *harness) depositScanned(badge, barcode string) event {
	h.t.Helper()
	before := h.unlockCount()
	for try := 0; ; try++ {
		h.scan(barcode)
		if waitFor(4*time.Second, func() bool { return h.unlockCount() > before }) {
			break
		}
		if try == 3 {
			h.shot("no-unlock-" + barcode)
			h.t.Fatalf("scan of %s opened no door", barcode)
		}
		h.t.Logf("parcel scan %d of %s opened no door; scanning again", try+1, barcode)
	}
	return h.events.wait(20*time.Second, "parcel.deposited "+barcode, func(e event) bool {
		return e.Type == locker.EvtParcelDeposited && e.Data.Barcode == barcode
	})
}

// finishVisit taps "Finish" (higher up when a notice bar shows under it)
// until the visit's end is audited, then "Done" on the receipt.
func (h *harness) finishVisit() {
	h.t.Helper()
	before := h.auditCount("courier.finish")
	for i, p := range []pos{posFinish, posFinishAboveNotice, posFinish, posFinishAboveNotice} {
		h.tap(p)
		if waitFor(3*time.Second, func() bool { return h.auditCount("courier.finish") > before }) {
			break
		}
		if i == 3 {
			h.shot("no-finish")
			h.t.Fatalf("the courier's visit did not finish")
		}
	}
	time.Sleep(500 * time.Millisecond)
	h.tap(posReceiptDone)
}

// untilUnlock runs action until the simulator sees a new unlock, up to
// four times: a tap or scan can land while the screen still shows the
// previous flow's end (scans are ignored there until it times out).
func (h *harness) untilUnlock(what string, action func()) {
	h.t.Helper()
	before := h.unlockCount()
	for try := 1; ; try++ {
		action()
		if waitFor(5*time.Second, func() bool { return h.unlockCount() > before }) {
			return
		}
		if try == 4 {
			h.shot("no-unlock")
			h.t.Fatalf("%s: no door unlocked after %d tries", what, try)
		}
		h.t.Logf("%s: no unlock after try %d; again", what, try)
	}
}

// pickupPIN taps "Pick up", types pin and Enter, and waits for every
// parcel of the credential to be picked up.
func (h *harness) pickupPIN(pin string, parcelIDs ...string) {
	h.t.Helper()
	h.untilUnlock("pickup with PIN", func() {
		h.tap(posPickup)
		h.typeText(pin)
		h.key("Return")
	})
	for _, id := range parcelIDs {
		h.events.wait(20*time.Second, "parcel.picked_up "+id, parcelEvent(locker.EvtParcelPickedUp, id))
	}
	time.Sleep(300 * time.Millisecond)
	h.tap(posPickupDone)
}

// pickupQR scans a pickup QR on the home screen and waits for the pickup.
func (h *harness) pickupQR(token string, parcelIDs ...string) {
	h.t.Helper()
	h.untilUnlock("pickup with QR", func() { h.scan(token) })
	for _, id := range parcelIDs {
		h.events.wait(20*time.Second, "parcel.picked_up "+id, parcelEvent(locker.EvtParcelPickedUp, id))
	}
	time.Sleep(300 * time.Millisecond)
	h.tap(posPickupDone)
}

// lastUnlock returns the simulator's most recent unlock.
func (h *harness) lastUnlocks(n int) []locker.LockAddr {
	u := h.sim.unlocks()
	if len(u) < n {
		return u
	}
	return u[len(u)-n:]
}

func joinAddrs(as []locker.LockAddr) string {
	var s []string
	for _, a := range as {
		s = append(s, fmt.Sprintf("%d/%d", a.Board, a.Lock))
	}
	return strings.Join(s, " ")
}
