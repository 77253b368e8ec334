package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/parcelkiosk/locker"
)

// TestDemoQRReadsOnScreen checks that the demo panel's QR code, encoded at
// one pixel a module and drawn scaled up, reads from the window's pixels.
func TestDemoQRReadsOnScreen(t *testing.T) {
	h := newServiceHarness(t, Options{Demo: true})
	h.u.win.Resize(fyne.NewSize(1280, 800))
	c := h.deposit("1Z999AA10123456784", locker.SizeM)
	h.u.refresh()
	if !h.hasQR() {
		t.Fatal("demo panel has no QR")
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(h.u.win.Canvas().Capture())
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code on screen does not read: %v", err)
	}
	if res.GetText() != c.QR {
		t.Fatalf("the QR code on screen reads %q, want %q", res.GetText(), c.QR)
	}
}
