package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// TestQRViewWholePixelsPerModule shows QR codes of several versions (texts
// of the lengths of signed pickup codes, TOTP enrolment links and return
// labels) in a qrView of each size the screens use, and asserts that each
// is drawn at a whole number of pixels a module and reads back from the
// window's pixels.
func TestQRViewWholePixelsPerModule(t *testing.T) {
	test.NewTempApp(t)
	for _, side := range []float32{170, 180, 320, 360} {
		for _, n := range []int{20, 60, 90, 120, 160, 230} {
			text := fmt.Sprintf("pk1.%d.%s", n, strings.Repeat("x7Q", n/3))
			t.Run(fmt.Sprintf("%v/%d", side, n), func(t *testing.T) {
				q := newQRView(nil, side)
				w := test.NewWindow(container.NewCenter(q.obj))
				defer w.Close()
				w.Resize(fyne.NewSize(side+40, side+40))
				q.set(text)
				size := q.img.Size()
				if q.modules == 0 || int(size.Width)%q.modules != 0 || size.Width != size.Height {
					t.Fatalf("a code of %d modules drawn %v: not a whole number of pixels a module", q.modules, size)
				}
				bmp, err := gozxing.NewBinaryBitmapFromImage(w.Canvas().Capture())
				if err != nil {
					t.Fatal(err)
				}
				res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
				if err != nil {
					t.Fatalf("a code of %d modules drawn %v does not read: %v", q.modules, size, err)
				}
				if res.GetText() != text {
					t.Fatalf("reads %q, want %q", res.GetText(), text)
				}
			})
		}
	}
}
