package scanner

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	qrdetector "github.com/makiuchi-d/gozxing/qrcode/detector"
)

// TestQRFinderRowNeverHidesACentre asserts that when qrFinderRow says no
// row could start a QR finder pattern, gozxing's search (with the
// try-harder hint) finds no possible centre, on random noise, bars and
// QR codes; and that it says so on some of them (or it would save
// nothing).
func TestQRFinderRowNeverHidesACentre(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	none, some := 0, 0
	for n := 0; n < 600; n++ {
		w, h := 1+rng.Intn(200), 1+rng.Intn(200)
		m, _ := gozxing.NewBitMatrix(w, h)
		switch n % 3 {
		case 0:
			// Noise of a random density and grain.
			p, grain := rng.Float64(), 1+rng.Intn(4)
			for y := 0; y < h; y += grain {
				for x := 0; x < w; x += grain {
					if rng.Float64() < p {
						for dy := 0; dy < grain && y+dy < h; dy++ {
							for dx := 0; dx < grain && x+dx < w; dx++ {
								m.Set(x+dx, y+dy)
							}
						}
					}
				}
			}
		case 1:
			// Vertical bars of random widths, as 1D codes and
			// carpets show.
			for x := 0; x < w; {
				l := 1 + rng.Intn(6)
				if rng.Intn(2) == 0 {
					for dx := 0; dx < l && x+dx < w; dx++ {
						for y := 0; y < h; y++ {
							m.Set(x+dx, y)
						}
					}
				}
				x += l
			}
		default:
			// A QR code at a random scale and offset.
			q, err := qrcode.NewQRCodeWriter().Encode(fmt.Sprint("parcel ", n), gozxing.BarcodeFormat_QR_CODE, 0, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			s, ox, oy := 1+rng.Intn(3), rng.Intn(20)-10, rng.Intn(20)-10
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					qx, qy := (x-ox)/s, (y-oy)/s
					if x >= ox && y >= oy && qx < q.GetWidth() && qy < q.GetHeight() && q.Get(qx, qy) {
						m.Set(x, y)
					}
				}
			}
		}
		f := qrdetector.NewFinderPatternFinder(m, nil)
		f.Find(map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
		if !qrFinderRow(m) {
			none++
			if c := len(f.GetPossibleCenters()); c > 0 {
				t.Fatalf("%dx%d image %d: qrFinderRow sees no finder row, Find %d centres", w, h, n, c)
			}
		} else {
			some++
		}
	}
	if none == 0 || some == 0 {
		t.Fatalf("qrFinderRow said no %d times, yes %d: the images are not varied enough", none, some)
	}
}
