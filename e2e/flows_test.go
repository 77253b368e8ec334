package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/ui"
)

// layout reads the kiosk's layout map (kiosk --layout-map): the screen it
// shows and where each button is. ok is false before the first redraw.
func (h *harness) layout() (m ui.LayoutMap, ok bool) {
	b, err := os.ReadFile(h.layoutPath)
	if err != nil || json.Unmarshal(b, &m) != nil {
		return ui.LayoutMap{}, false
	}
	return m, true
}

// findItem returns the enabled item labelled label on the map; a label
// ending in "*" matches every label it starts ("Expired (*",
// "recipient:*"). Items under the idle card do not count.
func findItem(m ui.LayoutMap, label string) (ui.LayoutItem, bool) {
	prefix, wild := strings.CutSuffix(label, "*")
	for _, it := range m.Items {
		if it.Enabled && (it.Label == label || wild && strings.HasPrefix(it.Label, prefix)) {
			return it, true
		}
	}
	return ui.LayoutItem{}, false
}

// press waits up to d for screen (any screen when "") to show an enabled
// label (see findItem), with no action of the kiosk's running (it ignores
// taps while one runs), and taps its middle once. The kiosk's screens are
// built once and change in place, so a button that stays on screen is the
// same object from the press to the release: a tap is never lost to an
// update. It reports whether it tapped.
func (h *harness) press(screen, label string, d time.Duration) bool {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		m, ok := h.layout()
		if !ok || m.Busy || (screen != "" && m.Screen != screen) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		it, ok := findItem(m, label)
		if !ok {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		x, y, _, _ := h.windowGeometry()
		h.click(x+int(it.X+it.W/2), y+int(it.Y+it.H/2))
		return true
	}
	return false
}

// mustPress is press that fails the test when label does not show in 20 s.
func (h *harness) mustPress(screen, label string) {
	h.t.Helper()
	if !h.press(screen, label, 20*time.Second) {
		m, _ := h.layout()
		h.shot("no-" + strings.Trim(label, "*:"))
		h.t.Fatalf("no %q on screen %q within 20s; the kiosk shows %q with %v", label, screen, m.Screen, labels(m))
	}
}

// pressFor taps label on screen once and fails the test unless done
// reports true within 20 s.
func (h *harness) pressFor(screen, label string, done func() bool) {
	h.t.Helper()
	h.mustPress(screen, label)
	if waitFor(20*time.Second, done) {
		return
	}
	m, _ := h.layout()
	h.shot("no-effect-" + strings.Trim(label, "*:"))
	h.t.Fatalf("a tap on %q (screen %q) had no effect; the kiosk shows %q with %v", label, screen, m.Screen, labels(m))
}

// onScreen returns a condition for pressFor: the kiosk shows screen.
func (h *harness) onScreen(screen string) func() bool {
	return func() bool { m, ok := h.layout(); return ok && m.Screen == screen }
}

// selectTab taps a maintenance tab and waits for the map to show it open.
func (h *harness) selectTab(label string) {
	h.t.Helper()
	h.pressFor("maint.menu", label, func() bool {
		m, _ := h.layout()
		it, ok := findItem(m, label)
		return ok && it.Selected
	})
}

// waitScreen waits up to d for the kiosk to show screen.
func (h *harness) waitScreen(screen string, d time.Duration) bool {
	return waitFor(d, h.onScreen(screen))
}

// labels lists the map's labels, for failure messages.
func labels(m ui.LayoutMap) []string {
	var out []string
	for _, it := range m.Items {
		out = append(out, it.Label)
	}
	return out
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

// finishVisit taps "Finish" until the visit's end is audited, then "Done"
// on the receipt.
func (h *harness) finishVisit() {
	h.t.Helper()
	before := h.auditCount("courier.finish")
	for try := 1; ; try++ {
		h.mustPress("", "Finish")
		if waitFor(3*time.Second, func() bool { return h.auditCount("courier.finish") > before }) {
			break
		}
		if try == 4 {
			h.shot("no-finish")
			h.t.Fatalf("the courier's visit did not finish")
		}
	}
	h.mustPress("receipt", "Done")
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
		h.openPickup(20 * time.Second)
		h.typeText(pin)
		h.key("Return")
	})
	for _, id := range parcelIDs {
		h.events.wait(20*time.Second, "parcel.picked_up "+id, parcelEvent(locker.EvtParcelPickedUp, id))
	}
	h.pickupDone()
}

// pickupQR scans a pickup QR on the home screen and waits for the pickup.
func (h *harness) pickupQR(token string, parcelIDs ...string) {
	h.t.Helper()
	h.untilUnlock("pickup with QR", func() { h.scan(token) })
	for _, id := range parcelIDs {
		h.events.wait(20*time.Second, "parcel.picked_up "+id, parcelEvent(locker.EvtParcelPickedUp, id))
	}
	h.pickupDone()
}

// openPickup shows the PIN screen, tapping "Pick up" when the home screen
// shows within d. It reports whether the PIN screen shows.
func (h *harness) openPickup(d time.Duration) bool {
	h.t.Helper()
	if m, ok := h.layout(); ok && m.Screen == "pickup" {
		return true
	}
	return h.press("home", "Pick up", d) && h.waitScreen("pickup", d)
}

// pickupDone taps "Done" on the pickup's last screen and waits for the
// home screen; the screen also goes home by itself after a while.
func (h *harness) pickupDone() {
	h.t.Helper()
	h.press("pickup.done", "Done", 20*time.Second)
	if !h.waitScreen("home", 20*time.Second) {
		m, _ := h.layout()
		h.shot("not-home")
		h.t.Fatalf("after a pickup the kiosk shows %q, not home", m.Screen)
	}
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

// staffSignIn signs staff in from the home screen: Staff, the PIN, the
// authenticator code, and waits for the staff.login event (what names the
// wait in a failure).
func (h *harness) staffSignIn(what string) {
	h.t.Helper()
	logins := len(h.events.find(ofType(locker.EvtStaffLogin)))
	h.pressFor("home", "Staff", h.onScreen("staff"))
	h.typeText(staffPIN)
	h.key("Return")
	code, err := totp.GenerateCode(staffTOTP, time.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	h.typeText(code)
	h.key("Return")
	h.events.wait(20*time.Second, what, func(event) bool { return len(h.events.find(ofType(locker.EvtStaffLogin))) > logins })
}
