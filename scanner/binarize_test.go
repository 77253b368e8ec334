package scanner

import (
	"fmt"
	"image"
	"math/rand"
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

// TestRowThresholderMatchesGozxing checks the rows of the fast binarizers
// against GlobalHistogramBinarizer.GetBlackRow on many random images, in
// both polarities, so that every word boundary of the row thresholding's
// loop and every sign of the sharpened pixel meet the reference.
func TestRowThresholderMatchesGozxing(t *testing.T) {
	rng := rand.New(rand.NewSource(18))
	rows := 0
	for i, g := range randomGrays(rng, 120) {
		for pol, src := range polarities(g) {
			ours := newGlobalBinarizer(src)
			theirs := gozxing.NewGlobalHistgramBinarizer(src)
			var row *gozxing.BitArray
			for y := 0; y < g.Bounds().Dy(); y++ {
				want, werr := theirs.GetBlackRow(y, nil)
				var gerr error
				row, gerr = ours.GetBlackRow(y, row)
				if (werr == nil) != (gerr == nil) {
					t.Fatalf("image %d %s row %d: error %v, gozxing %v", i, pol, y, gerr, werr)
				}
				if werr != nil {
					continue
				}
				rows++
				if got := row.String(); got[:len(want.String())] != want.String() || strings.Contains(got[len(want.String()):], "X") {
					t.Fatalf("image %d %s row %d differs from gozxing's:\n%s\n%s", i, pol, y, got, want)
				}
			}
		}
	}
	if rows < 1000 {
		t.Fatalf("only %d rows thresholded", rows)
	}
}

// BenchmarkBlackRow measures the rows of a 1000x1000 photo thresholded as
// the 1D scan does, next to gozxing's GetBlackRow (ref).
func BenchmarkBlackRow(b *testing.B) {
	src := newGrayLuminance(benchImage(b))
	for _, bin := range []struct {
		name string
		b    gozxing.Binarizer
	}{{"ours", newGlobalBinarizer(src)}, {"ref", gozxing.NewGlobalHistgramBinarizer(src)}} {
		b.Run(bin.name, func(b *testing.B) {
			row := gozxing.NewBitArray(src.GetWidth())
			for b.Loop() {
				for y := 0; y < src.GetHeight(); y += 4 {
					row, _ = bin.b.GetBlackRow(y, row)
				}
			}
		})
	}
}
