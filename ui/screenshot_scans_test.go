package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/parcelkiosk/locker"
)

// TestScreenshotsScansAndDirectory walks the screens of issue 14 (scans
// that go where the person meant, the directory searched) at both kiosk
// resolutions, checking that each fits with the larger text, in Spanish
// and with both bars (see shot). With UI_SCREENSHOTS=DIR it writes them.
func TestScreenshotsScansAndDirectory(t *testing.T) {
	for _, sz := range []fyne.Size{{Width: 1280, Height: 800}, {Width: 1080, Height: 1920}} {
		suffix := "-landscape"
		if sz.Height > sz.Width {
			suffix = "-portrait"
		}
		t.Run(suffix[1:], func(t *testing.T) {
			h := newServiceHarness(t, Options{Portrait: sz.Height > sz.Width})
			// More people whose names hold "ar" than a page shows.
			var more []locker.Recipient
			for i := range 6 {
				more = append(more, locker.Recipient{ID: fmt.Sprint("x", i), Name: fmt.Sprintf("Arturo Vargas%c", 'A'+i), Unit: fmt.Sprint(500 + i)})
			}
			if _, err := h.w.svc.UpsertRecipients(h.w.ctx, more); err != nil {
				t.Fatal(err)
			}
			qr := h.deposit("SHOT-0001", locker.SizeS).QR
			h.u.win.Resize(sz)
			h.u.refresh()
			h.tap("Drop off")
			h.keys("471100")
			h.tap("OK")
			h.u.HandleScan(Scan{Text: "1Z999AA10123456784", Kind: ScanParcel, Carrier: "UPS"})
			h.wantScreen("deposit.recipient")
			h.shot("30-recipient-type-two" + suffix)
			h.keys("ar")
			h.wantText("8 of 13 shown: type more")
			h.wantText("Ana G.")
			h.shot("31-recipient-one-page" + suffix)
			h.u.HandleScan(Scan{Text: qr, Kind: ScanPickupQR})
			h.wantText("A parcel is being delivered.")
			h.shot("32-recipient-pickup-qr-refused" + suffix)
			h.pick("Ana García")
			h.wantText("For Ana G., 100A.")
			h.shot("33-size-short-name" + suffix)
		})
	}
}
