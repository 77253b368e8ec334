package scanner

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrdetector "github.com/makiuchi-d/gozxing/qrcode/detector"
)

// qrFindTrace is what one finder pattern search gives: its result (or
// failure), the possible centres left in the finder and the new centres
// in the order HandlePossibleCenter added them (the result point
// callback).
type qrFindTrace struct {
	info    string
	centers string
	added   string
}

// fpString prints a finder pattern exactly.
func fpString(p *qrdetector.FinderPattern) string {
	return fmt.Sprintf("(%b,%b,%b,%d)", p.GetX(), p.GetY(), p.GetEstimatedModuleSize(), p.GetCount())
}

// traceQRFind runs find on a new finder of m with a recording callback.
func traceQRFind(m *gozxing.BitMatrix, find func(*qrdetector.FinderPatternFinder) (*qrdetector.FinderPatternInfo, error)) qrFindTrace {
	var tr qrFindTrace
	f := qrdetector.NewFinderPatternFinder(m, func(p gozxing.ResultPoint) {
		tr.added += fpString(p.(*qrdetector.FinderPattern))
	})
	info, err := find(f)
	if err != nil {
		tr.info = "fail"
	} else {
		tr.info = fpString(info.GetBottomLeft()) + fpString(info.GetTopLeft()) + fpString(info.GetTopRight())
	}
	for _, c := range f.GetPossibleCenters() {
		tr.centers += fpString(c)
	}
	return tr
}

// checkQRFind compares findQRPatterns with gozxing's Find on m, with and
// without the try-harder hint; it returns how many searches found a
// code's three patterns.
func checkQRFind(t *testing.T, name string, m *gozxing.BitMatrix) int {
	t.Helper()
	found := 0
	for _, tryHarder := range []bool{false, true} {
		hints := map[gozxing.DecodeHintType]interface{}{}
		if tryHarder {
			hints[gozxing.DecodeHintType_TRY_HARDER] = true
		}
		want := traceQRFind(m, func(f *qrdetector.FinderPatternFinder) (*qrdetector.FinderPatternInfo, error) {
			info, err := f.Find(hints)
			if err != nil {
				// A nil exception in a non-nil error.
				return nil, err
			}
			return info, nil
		})
		got := traceQRFind(m, func(f *qrdetector.FinderPatternFinder) (*qrdetector.FinderPatternInfo, error) {
			return findQRPatterns(f, tryHarder)
		})
		if got != want {
			t.Errorf("%s (try harder %v): findQRPatterns\n%+v\nFind\n%+v", name, tryHarder, got, want)
		}
		if want.info != "fail" {
			found++
		}
	}
	return found
}

// qrFindMatrices binarizes g as the decoder does (hybrid and global,
// both polarities).
func qrFindMatrices(g *image.Gray) []*gozxing.BitMatrix {
	var out []*gozxing.BitMatrix
	lum := newGrayLuminance(g)
	for _, src := range []gozxing.LuminanceSource{lum, gozxing.NewInvertedLuminanceSource(lum)} {
		for _, b := range []gozxing.Binarizer{newHybridBinarizer(src), newGlobalBinarizer(src)} {
			if m, err := b.GetBlackMatrix(); err == nil {
				out = append(out, m)
			}
		}
	}
	return out
}

// qrFindAllEvery spaces the corpus images whose every preparation
// TestQRFindSamples binarizes: all of them for every image would take
// minutes.
const qrFindAllEvery = 40

// TestQRFindSamples compares the searches on the corpus images in the
// decoder's preparations: all of them for every qrFindAllEvery-th image,
// the first (cheap) ones for the others.
func TestQRFindSamples(t *testing.T) {
	d := NewDecoder(DecodeOptions{})
	found, n := 0, 0
	for k, s := range loadSamples(t, samplesDir(t)) {
		vs, _ := d.variants(readGray(t, s.path, d.o.MaxSide))
		for _, v := range vs {
			if !v.cheap && (testing.Short() || k%qrFindAllEvery != 0) {
				continue
			}
			for i, m := range qrFindMatrices(v.make()) {
				found += checkQRFind(t, fmt.Sprintf("%s %s #%d", s.path, v.name, i), m)
				n++
			}
		}
	}
	t.Logf("%d matrices, %d searches found three patterns", n, found)
}

// TestQRFindSynthetic compares the searches on QR codes from go-qrcode
// and gozxing's writer, turned, scaled, several to an image and with
// pixels flipped, and on random run patterns near 1:1:3:1:1.
func TestQRFindSynthetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 7))
	found, n := 0, 0
	check := func(name string, m *gozxing.BitMatrix) {
		found += checkQRFind(t, name, m)
		n++
	}
	flip := func(m *gozxing.BitMatrix, p float64) *gozxing.BitMatrix {
		c := cloneMatrix(m)
		w, h := c.GetWidth(), c.GetHeight()
		for k := int(p * float64(w*h)); k > 0; k-- {
			c.Flip(rng.IntN(w), rng.IntN(h))
		}
		return c
	}
	var codes []*image.Gray
	for k, side := range []int{100, 170, 257, 333, 480, 640, 901} {
		codes = append(codes, qrFixture(t, fmt.Sprintf("parcel %d %x", k, rng.Uint64()), side))
		q, err := zxqr.NewQRCodeWriter().Encode(fmt.Sprint("locker ", k), gozxing.BarcodeFormat_QR_CODE, 0, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, matrixFixture(q, 1+k%5, 0))
	}
	for k, g := range codes {
		for _, deg := range []float64{0, 7, 30, 45, 90, 133} {
			tg := g
			if deg != 0 {
				tg = rotateFill(g, deg, 255)
			}
			for i, m := range qrFindMatrices(tg) {
				name := fmt.Sprintf("code %d turned %v #%d", k, deg, i)
				check(name, m)
				check(name+" noisy", flip(m, 0.002))
				check(name+" very noisy", flip(m, 0.03))
			}
		}
	}
	// Several codes side by side and one above another: centres of
	// different codes are confirmed, the search skips rows and stops
	// early.
	for k := 0; k+3 < len(codes); k++ {
		a, b, c := codes[k], codes[k+1], codes[k+3]
		w := a.Bounds().Dx() + b.Bounds().Dx() + 37
		h := max(a.Bounds().Dy(), b.Bounds().Dy()) + c.Bounds().Dy() + 11
		g := image.NewGray(image.Rect(0, 0, w, h))
		fillBytes(g.Pix, 255)
		paste := func(src *image.Gray, x, y int) {
			for r := 0; r < src.Bounds().Dy(); r++ {
				copy(g.Pix[(y+r)*g.Stride+x:], src.Pix[r*src.Stride:r*src.Stride+src.Bounds().Dx()])
			}
		}
		paste(a, 0, 0)
		paste(b, a.Bounds().Dx()+37, 5)
		paste(c, k*7, max(a.Bounds().Dy(), b.Bounds().Dy())+11)
		for i, m := range qrFindMatrices(g) {
			name := fmt.Sprintf("codes %d %d %d #%d", k, k+1, k+3, i)
			check(name, m)
			check(name+" noisy", flip(m, 0.005))
		}
	}
	// Random rows of runs about 1:1:3:1:1 at random module sizes, in
	// blocks of rows so that the vertical checks pass now and then.
	for k := 0; k < 300; k++ {
		w, h := 20+rng.IntN(300), 20+rng.IntN(300)
		m, _ := gozxing.NewBitMatrix(w, h)
		for y := 0; y < h; {
			bh := 1 + rng.IntN(12)
			x, black := 0, rng.IntN(2) == 0
			var runs []int
			for x < w {
				mod := 1 + rng.IntN(6)
				run := mod
				if rng.IntN(3) == 0 {
					run = 3 * mod
				}
				run += rng.IntN(3) - 1
				run = max(1, run)
				runs = append(runs, run)
				x += run
			}
			for r := y; r < min(h, y+bh); r++ {
				x, bl := 0, black
				for _, run := range runs {
					for e := x + run; x < min(w, e); x++ {
						if bl {
							m.Set(x, r)
						}
					}
					bl = !bl
				}
			}
			y += bh
		}
		check(fmt.Sprintf("runs %d", k), m)
		check(fmt.Sprintf("runs %d turned", k), rotated90(m))
	}
	t.Logf("%d matrices, %d searches found three patterns", n, found)
	if found == 0 {
		t.Error("no search found a code: the test compares failures only")
	}
}

// rotated90 returns m turned a quarter.
func rotated90(m *gozxing.BitMatrix) *gozxing.BitMatrix {
	c := cloneMatrix(m)
	c.Rotate90()
	return c
}

// cloneMatrix returns a copy of m.
func cloneMatrix(m *gozxing.BitMatrix) *gozxing.BitMatrix {
	c, _ := gozxing.NewBitMatrix(m.GetWidth(), m.GetHeight())
	var row *gozxing.BitArray
	for y := 0; y < m.GetHeight(); y++ {
		row = m.GetRow(y, row)
		c.SetRow(y, row)
	}
	return c
}

// resultString prints a result's text, format, points and metadata.
func resultString(r *gozxing.Result) string {
	s := fmt.Sprintf("%q %v", r.GetText(), r.GetBarcodeFormat())
	for _, p := range r.GetResultPoints() {
		s += fmt.Sprintf(" (%b,%b)", p.GetX(), p.GetY())
	}
	return s + fmt.Sprintf(" %v", r.GetResultMetadata())
}

// TestQRReaderMatchesGozxing checks that qrReader reads what gozxing's
// QRCodeReader reads, text, format, points and metadata.
func TestQRReaderMatchesGozxing(t *testing.T) {
	gz := zxqr.NewQRCodeReader()
	ours := newQRReader()
	read := 0
	for k, side := range []int{90, 150, 230, 400, 777} {
		g := qrFixture(t, fmt.Sprintf("PK-%d-%d", k, side*31), side)
		for _, deg := range []float64{0, 20, 90, 180, 250} {
			tg := g
			if deg != 0 {
				tg = rotateFill(g, deg, 255)
			}
			for _, mir := range []bool{false, true} {
				mg := tg
				if mir {
					mg = mirror(tg)
				}
				for _, src := range []gozxing.LuminanceSource{newGrayLuminance(mg), gozxing.NewInvertedLuminanceSource(newGrayLuminance(mg))} {
					bm, _ := gozxing.NewBinaryBitmap(newHybridBinarizer(src))
					for _, hints := range []map[gozxing.DecodeHintType]interface{}{
						nil,
						{gozxing.DecodeHintType_TRY_HARDER: true},
						{gozxing.DecodeHintType_PURE_BARCODE: true},
					} {
						want, werr := gz.Decode(bm, hints)
						got, gerr := ours.Decode(bm, hints)
						if (werr == nil) != (gerr == nil) {
							t.Fatalf("side %d turned %v mirrored %v hints %v: error %v, gozxing %v", side, deg, mir, hints, gerr, werr)
						}
						if werr != nil {
							continue
						}
						read++
						if a, b := resultString(got), resultString(want); a != b {
							t.Errorf("side %d turned %v mirrored %v hints %v:\n%s\ngozxing\n%s", side, deg, mir, hints, a, b)
						}
					}
				}
			}
		}
	}
	if read == 0 {
		t.Fatal("no code read")
	}
	t.Logf("%d reads alike", read)
}
