package e2e

import (
	"fmt"
	"strings"
	"time"

	"github.com/parcelkiosk/locker"
)

// Screen positions on the 1280x800 landscape layout, read off screenshots
// of the kiosk with no demo panel.
const (
	pickupX, pickupY           = 953, 458 // home: "Pick up"
	dropOffX, dropOffY         = 325, 458 // home: "Drop off"
	finishX, finishY           = 1060, 700
	receiptDoneX, receiptDoneY = 1202, 733
	pickupDoneX, pickupDoneY   = 640, 600
)

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
		h.t.Logf("badge scan %d not taken; scanning again", try+1)
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

// finishVisit taps "Finish" and then "Done" on the receipt.
func (h *harness) finishVisit() {
	h.t.Helper()
	h.click(finishX, finishY)
	time.Sleep(500 * time.Millisecond)
	h.shot("receipt")
	h.click(receiptDoneX, receiptDoneY)
}

// pickupPIN taps "Pick up", types pin and Enter, and waits for every
// parcel of the credential to be picked up.
func (h *harness) pickupPIN(pin string, parcelIDs ...string) {
	h.t.Helper()
	h.click(pickupX, pickupY)
	h.typeText(pin)
	h.key("Return")
	for _, id := range parcelIDs {
		h.events.wait(20*time.Second, "parcel.picked_up "+id, parcelEvent(locker.EvtParcelPickedUp, id))
	}
	h.shot("pickup-done")
	h.click(pickupDoneX, pickupDoneY)
}

// pickupQR scans a pickup QR on the home screen and waits for the pickup.
func (h *harness) pickupQR(token string, parcelIDs ...string) {
	h.t.Helper()
	h.scan(token)
	for _, id := range parcelIDs {
		h.events.wait(20*time.Second, "parcel.picked_up "+id, parcelEvent(locker.EvtParcelPickedUp, id))
	}
	h.click(pickupDoneX, pickupDoneY)
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
