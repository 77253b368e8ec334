package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/parcelkiosk/locker"
)

// The key screens are compared with markup (and one image) committed under
// testdata/. After a deliberate change, the new rendering is written to
// testdata/failed/: look at it, then move it over the old file.

func TestGoldenHome(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.u.win.Resize(fyne.NewSize(1280, 800))
	h.u.refresh()
	test.AssertRendersToMarkup(t, "home_landscape.xml", h.u.win.Canvas())
	test.AssertRendersToImage(t, "home_landscape.png", h.u.win.Canvas())
}

func TestGoldenDoorOpen(t *testing.T) {
	h := newServiceHarness(t, Options{})
	h.u.win.Resize(fyne.NewSize(1280, 800))
	h.u.HandleScan(Scan{Text: "BADGE-UPS-7", Kind: ScanBadge})
	h.u.HandleScan(Scan{Text: "PRE-0001", Kind: ScanParcel})
	h.wantScreen("deposit.door")
	h.w.door(h.u.view, locker.EventOpened)
	test.AssertRendersToMarkup(t, "door_open_landscape.xml", h.u.win.Canvas())
}

func TestGoldenPickupPortrait(t *testing.T) {
	h := newServiceHarness(t, Options{Portrait: true})
	h.u.win.Resize(fyne.NewSize(1080, 1920))
	h.tap("Pick up")
	h.keys("12")
	test.AssertRendersToMarkup(t, "pickup_portrait.xml", h.u.win.Canvas())
}

func TestGoldenMaintenanceMap(t *testing.T) {
	test.NewTempApp(t).Settings().SetTheme(touchTheme{})
	m := newBankMap(testBank(), "", nil)
	w := test.NewTempWindow(t, m)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(360, 480))
	test.AssertRendersToImage(t, "bank_map.png", w.Canvas())
}
