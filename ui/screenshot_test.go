package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/parcelkiosk/locker"
)

// TestScreenshots walks the main screens at both kiosk resolutions. With
// UI_SCREENSHOTS=DIR it writes each as DIR/NAME-WxH.png (the images in
// docs/screenshots are made this way); without it, it still checks that
// each screen builds.
func TestScreenshots(t *testing.T) {
	for _, sz := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 1080, Height: 1920}} {
		suffix := "-landscape"
		if sz.Height > sz.Width {
			suffix = "-portrait"
		}
		t.Run(suffix[1:], func(t *testing.T) {
			h := newServiceHarness(t, Options{Demo: true, Diag: fakeDiag{}, Portrait: sz.Height > sz.Width})
			h.u.win.Resize(sz)
			h.u.refresh()
			h.shot("01-home" + suffix)
			h.tap("Drop off")
			h.keys("47")
			h.shot("02-courier-signin" + suffix)
			h.keys("1100")
			h.tap("OK")
			h.wantScreen("deposit.scan")
			h.shot("03-scan-parcel" + suffix)
			h.u.HandleScan(Scan{Text: "1Z999AA10123456784", Kind: ScanParcel, Carrier: "UPS"})
			h.wantScreen("deposit.recipient")
			h.shot("04-recipient" + suffix)
			h.pick("Ana García")
			h.wantScreen("deposit.size")
			h.shot("05-size" + suffix)
			h.tapPicture("size:S")
			h.wantScreen("deposit.door")
			h.w.door(h.u.view, locker.EventOpened)
			h.shot("06-door-open" + suffix)
			h.w.door(h.u.view, locker.EventClosed)
			h.shot("07-deposited" + suffix)
			h.tap("Finish")
			h.wantScreen("receipt")
			h.shot("08-receipt" + suffix)
			h.tap("Done")
			h.wantScreen("home")
			h.shot("09-home-demo-credential" + suffix)
			pin := h.u.view.LastCredential.PIN
			h.tap("Pick up")
			h.keys(pin[:2])
			h.shot("10-pickup-keypad" + suffix)
			h.keys(pin[2:])
			h.tap("Open")
			h.wantScreen("pickup.door")
			h.w.door(h.u.view, locker.EventOpened)
			h.shot("11-pickup-door" + suffix)
			h.w.door(h.u.view, locker.EventClosed)
			h.shot("12-pickup-done" + suffix)
			h.tap("Done")
			h.tap("Español")
			h.shot("13-home-es" + suffix)
			h.tap("English")
			h.tap("Larger text")
			h.shot("14-home-accessible" + suffix)
			h.tap("Larger text")
			h.tap("Staff")
			h.keys("246800")
			h.tap("OK")
			h.keys(h.totp())
			h.shot("15-staff-signin" + suffix)
			h.tap("OK")
			h.wantScreen("maint.menu")
			m := h.bankMap()
			p, _ := m.centre("C2")
			tapAt(m, p)
			h.shot("16-maintenance-map" + suffix)
			h.tap("Out of service")
			h.shot("16b-maintenance-reason" + suffix)
			h.tap("Back")
			h.tap("Audit log")
			h.shot("17-audit" + suffix)
			h.tap("Diagnostics")
			h.shot("18-diagnostics" + suffix)
			h.tap("Authenticator")
			h.shot("18b-authenticator" + suffix)
			h.tap("Sign out")
			h.tap("Pick up")
			h.keys("12345678")
			h.tap("Open")
			h.shot("19-pickup-wrong-code" + suffix)
			for range 4 {
				h.keys("12345678")
				h.tap("Open")
			}
			h.shot("20-pickup-lockout" + suffix)
			h.tap("Back")
			h.tap("Drop off")
			h.clock.Advance(52 * time.Second)
			h.u.tick(h.clock.Now())
			h.shot("21-idle-warning" + suffix)
		})
	}
}
