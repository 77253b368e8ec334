package scanner

import (
	"errors"
	"image"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/aztec"
)

// TestAztecReaderMatchesGozxing checks that aztecReader gives gozxing's
// AztecReader's results and errors on the corpus in both polarities, on
// the Aztec samples mirrored and turned, and on random bitmaps.
func TestAztecReaderMatchesGozxing(t *testing.T) {
	var grays []*image.Gray
	var names []string
	for _, s := range loadSamples(t, samplesDir(t)) {
		side := 600
		isAztec := strings.HasPrefix(filepath.Base(filepath.Dir(s.path)), "aztec")
		if isAztec {
			side = 0
		}
		if testing.Short() && !isAztec {
			continue
		}
		g := readGray(t, s.path, side)
		grays = append(grays, g)
		names = append(names, s.path)
		if isAztec {
			m := mirrorGray(g)
			grays = append(grays, m, rotate90CCW(m), rotate90CCW(g))
			names = append(names, s.path+" mirrored", s.path+" mirrored turned", s.path+" turned")
		}
	}
	rng := rand.New(rand.NewSource(18))
	for i := 0; i < 200; i++ {
		// Random modules of a random size.
		w, h := 20+rng.Intn(200), 20+rng.Intn(200)
		g := image.NewGray(image.Rect(0, 0, w, h))
		cell := 1 + rng.Intn(6)
		white := make([]bool, (w/cell+1)*(h/cell+1))
		for j := range white {
			white[j] = rng.Intn(2) == 0
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if white[(y/cell)*(w/cell+1)+x/cell] {
					g.Pix[y*g.Stride+x] = 255
				}
			}
		}
		grays = append(grays, g)
		names = append(names, "random")
	}

	var read, mirrored, skipped int
	for i, g := range grays {
		for _, inv := range []bool{false, true} {
			src := newGrayLuminance(g)
			if inv {
				src = src.Invert()
			}
			bm, _ := gozxing.NewBinaryBitmap(newHybridBinarizer(src))
			want, wantErr := aztec.NewAztecReader().Decode(bm, nil)
			got, gotErr := aztecReader{}.Decode(bm, nil)
			name := names[i]
			if inv {
				name += " inverted"
			}
			if (wantErr == nil) != (gotErr == nil) || wantErr != nil && errChain(wantErr) != errChain(gotErr) {
				t.Fatalf("%s: error %v, gozxing's %v", name, errChain(gotErr), errChain(wantErr))
			}
			if wantErr != nil {
				if noBullsEye(wantErr) {
					skipped++
				} else {
					mirrored++
				}
				continue
			}
			read++
			if got.GetText() != want.GetText() || !reflect.DeepEqual(got.GetRawBytes(), want.GetRawBytes()) ||
				got.GetNumBits() != want.GetNumBits() || got.GetBarcodeFormat() != want.GetBarcodeFormat() ||
				!reflect.DeepEqual(got.GetResultPoints(), want.GetResultPoints()) ||
				!reflect.DeepEqual(got.GetResultMetadata(), want.GetResultMetadata()) {
				t.Fatalf("%s: read %v, gozxing's %v", name, got, want)
			}
		}
	}
	t.Logf("%d read, %d failed after a bull's eye, %d without one", read, mirrored, skipped)
	if read == 0 || mirrored == 0 || skipped == 0 {
		t.Errorf("the inputs do not cover every path: %d read, %d failed after a bull's eye, %d without one", read, mirrored, skipped)
	}
}

// errChain is the messages of err and the errors it wraps.
func errChain(err error) string {
	var msgs []string
	for ; err != nil; err = errors.Unwrap(err) {
		msgs = append(msgs, err.Error())
	}
	return strings.Join(msgs, " <- ")
}

// mirrorGray returns g flipped left to right.
func mirrorGray(g *image.Gray) *image.Gray {
	b := g.Bounds()
	m := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			m.Pix[y*m.Stride+b.Dx()-1-x] = g.GrayAt(b.Min.X+x, b.Min.Y+y).Y
		}
	}
	return m
}
