package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/parcelkiosk/locker"
)

// The real service has the returns.
var _ ReturnService = (*locker.Service)(nil)

// TestReturnScreens walks the returns on the screens of the real service,
// at both kiosk resolutions: the resident drops one off by typed code
// (after a wrong one and a "doesn't fit") and one by label scan at the
// home screen, the UPS courier collects both, and staff take a third out
// by hand from the map. With UI_SCREENSHOTS=DIR the screens are written
// as DIR/5x-*.png, each also in Spanish and with the larger text; every
// one must fit without scrolling.
func TestReturnScreens(t *testing.T) {
	for _, sz := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 1080, Height: 1920}} {
		suffix := "-landscape"
		if sz.Height > sz.Width {
			suffix = "-portrait"
		}
		t.Run(suffix[1:], func(t *testing.T) {
			h := newServiceHarness(t, Options{Portrait: sz.Height > sz.Width})
			h.u.win.Resize(sz)
			h.u.refresh()
			svc := h.w.svc.Service
			for _, r := range []locker.Return{
				{Code: "RT1234", Carrier: "UPS", Size: locker.SizeS},
				{Code: "RT5678", Carrier: "UPS", LabelBarcode: "1ZRETURN0001"},
				{Code: "DH9999", Carrier: "DHL", Size: locker.SizeS},
			} {
				if _, err := svc.ExpectReturn(h.w.ctx, r); err != nil {
					t.Fatal(err)
				}
			}

			h.shot("50-home-return" + suffix)
			// By code: a wrong one first, then the right one.
			h.tap("Send or return a parcel")
			h.wantScreen("return.code")
			h.keys("WRONG1")
			h.tap("OK")
			h.wantText("That code is not right")
			h.keys("RT12")
			h.shot("51-return-code" + suffix)
			h.keys("34")
			h.tap("OK")
			h.wantScreen("return.door")
			if z := h.u.view.Compartment.Size; z != locker.SizeS {
				t.Fatalf("door of size %s for an S return", z)
			}
			h.w.door(h.u.view, locker.EventOpened)
			h.shot("52-return-door" + suffix)
			h.tap("Doesn't fit")
			h.wantScreen("return.door")
			if z := h.u.view.Compartment.Size; z != locker.SizeM {
				t.Fatalf("doesn't fit: door of size %s, want M", z)
			}
			h.openAndClose()
			h.wantScreen("return.done")
			h.wantText("Code RT1234 · UPS")
			if !h.hasQR() {
				t.Error("no receipt QR code after the drop-off")
			}
			h.shot("53-return-done" + suffix)
			h.tap("Done")
			h.wantScreen("home")

			// By label scan at the home screen; a parcel that is not a
			// return still says "sign in first".
			h.u.HandleScan(Scan{Text: "1Z999AA10123456784", Kind: ScanParcel, Carrier: "UPS"})
			h.wantScreen("home")
			h.wantText("scan your badge first")
			h.u.HandleScan(Scan{Text: "1ZRETURN0001", Kind: ScanParcel, Carrier: "UPS"})
			h.wantScreen("return.door")
			h.openAndClose()
			h.wantScreen("return.done")
			h.tap("Done")

			// A third return, of DHL, for staff later.
			h.tap("Send or return a parcel")
			h.keys("DH9999")
			h.tap("OK")
			h.openAndClose()
			dhlDoor := h.u.view.Returns.Current.CompartmentID
			h.tap("Done")

			// The UPS courier collects theirs, one by one.
			h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
			h.wantScreen("deposit.scan")
			h.wantText("2 parcels to collect")
			h.shot("54-courier-to-collect" + suffix)
			h.tap("Collect one by one")
			h.wantScreen("collect.door")
			h.w.door(h.u.view, locker.EventOpened)
			h.wantText("Door 1 of 2")
			h.shot("55-collect-door" + suffix)
			h.w.door(h.u.view, locker.EventClosed)
			h.wantScreen("collect.door")
			h.openAndClose()
			h.wantScreen("deposit.scan")
			h.wantText("2 returns collected")
			if h.has("to collect") {
				t.Errorf("still offers a collection: %s", h.texts())
			}
			h.tap("Cancel")

			// Staff see the DHL return in its own colour and take it out.
			h.tap("Staff")
			h.keys("246800")
			h.tap("OK")
			h.keys(h.totp())
			h.tap("OK")
			h.wantScreen("maint.menu")
			m := h.bankMap()
			if st := m.stateOf(compartment(h.u.view, dhlDoor)); st != stateReturn {
				t.Errorf("door %s with a return drawn as state %d", dhlDoor, st)
			}
			// Another door, with the legend's return colour showing.
			other, _ := m.centre("A1")
			tapAt(m, other)
			h.wantText("Return")
			h.fitsWithBanners()
			p, _ := m.centre(dhlDoor)
			tapAt(m, p)
			h.wantText("Return DH9999 for DHL")
			h.shot("56-maintenance-return" + suffix)
			h.tap("Take the return out")
			h.tap("Other")
			h.wantScreen("maint.door")
			h.openAndClose()
			h.wantScreen("home")
			if n := len(h.u.view.Returns.InLocker); n != 0 {
				t.Errorf("%d returns left in the locker", n)
			}
			calls := h.w.svc.called()
			if strings.Contains(calls, "DoesntFit") {
				t.Errorf("the return's doesn't fit went to the deposit's: %s", calls)
			}
		})
	}
}

// compartment returns door id of v.
func compartment(v locker.View, id string) locker.Compartment {
	for _, c := range v.Compartments {
		if c.ID == id {
			return c
		}
	}
	return locker.Compartment{}
}
