package scanner

import (
	"fmt"
	"image"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// TestBinarizersMatchGozxing checks that the fast binarizers give
// gozxing's matrices and rows bit for bit, on noise, on a code with a
// gradient and on images too small for the hybrid's blocks (or for the
// rows' sharpening), in both polarities.
func TestBinarizersMatchGozxing(t *testing.T) {
	noise := func(w, h int) *image.Gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = uint8((i*7919 + i*i*31) % 256)
		}
		return g
	}
	code := qrFixture(t, "binarizer test 0123456789", 203)
	for i := range code.Pix {
		// A lighting gradient and flat areas of low contrast.
		code.Pix[i] = uint8(int(code.Pix[i])*3/4 + (i%code.Stride)*60/code.Stride)
	}
	imgs := map[string]*image.Gray{
		"noise 1280x720": noise(1280, 720),
		"noise 101x67":   noise(101, 67),
		"noise 39x80":    noise(39, 80),
		"noise 3x2":      noise(3, 2),
		"noise 2x5":      noise(2, 5),
		"noise 1x4":      noise(1, 4),
		"qr gradient":    code,
		"flat":           frame(nil, 333, 211, nil),
	}
	for name, g := range imgs {
		for _, inv := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/inverted=%v", name, inv), func(t *testing.T) {
				var src gozxing.LuminanceSource = newGrayLuminance(g)
				if inv {
					src = gozxing.NewInvertedLuminanceSource(src)
				}
				for _, pair := range []struct {
					kind         string
					ours, theirs gozxing.Binarizer
				}{
					{"hybrid", newHybridBinarizer(src), gozxing.NewHybridBinarizer(src)},
					{"global", newGlobalBinarizer(src), gozxing.NewGlobalHistgramBinarizer(src)},
				} {
					// Rows, into a row reused from the one before
					// (sometimes wider, left dirty) as the scan does.
					wide := gozxing.NewBitArray(g.Bounds().Dx() + 40)
					for x := 0; x < wide.GetSize(); x += 3 {
						wide.Set(x)
					}
					var row *gozxing.BitArray
					for y := 0; y < g.Bounds().Dy(); y++ {
						if y%5 == 4 {
							row = wide
						}
						want, werr := pair.theirs.GetBlackRow(y, nil)
						var gerr error
						row, gerr = pair.ours.GetBlackRow(y, row)
						if (werr == nil) != (gerr == nil) {
							t.Fatalf("%s: row %d: error %v, gozxing %v", pair.kind, y, gerr, werr)
						}
						if werr != nil {
							continue
						}
						if got := row.String(); got[:len(want.String())] != want.String() || strings.Contains(got[len(want.String()):], "X") {
							t.Fatalf("%s: row %d differs from gozxing's:\n%s\n%s", pair.kind, y, got, want)
						}
					}
					want, werr := pair.theirs.GetBlackMatrix()
					got, gerr := pair.ours.GetBlackMatrix()
					if (werr == nil) != (gerr == nil) {
						t.Fatalf("%s: error %v, gozxing %v", pair.kind, gerr, werr)
					}
					if werr != nil {
						continue
					}
					if got.String() != want.String() {
						t.Errorf("%s: matrix differs from gozxing's", pair.kind)
					}
				}
			})
		}
	}
}
