package scanner

import (
	"context"
	"image"
	"math/rand/v2"
	"testing"
)

// TestVariantOrder checks the cascade's order: the pyramid's top first
// for large images, the cheap variants before all others.
func TestVariantOrder(t *testing.T) {
	tests := []struct {
		name   string
		w, h   int
		effort Effort
		cheap  []string
	}{
		{"small photo", 640, 480, EffortThorough, []string{"base"}},
		{"camera frame", 1280, 720, EffortThorough, []string{"scale640", "base"}},
		{"large photo", 2400, 1600, EffortThorough, []string{"scale640", "scale1000", "base"}},
		// The camera: 2D dark on light (on the top), then bars on the
		// frame, then the rest of each image.
		{"fast frame", 1280, 720, EffortFast, []string{"scale640", "base", "scale640", "base"}},
		{"fast small", 640, 480, EffortFast, []string{"base", "base", "base"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(DecodeOptions{Effort: tc.effort})
			vs, _ := d.variants(image.NewGray(image.Rect(0, 0, tc.w, tc.h)))
			var cheap []string
			seenRest := false
			for _, v := range vs {
				if v.cheap {
					if seenRest {
						t.Errorf("cheap variant %s after a try-harder one", v.name)
					}
					cheap = append(cheap, v.name)
				} else {
					seenRest = true
				}
			}
			if len(cheap) != len(tc.cheap) {
				t.Fatalf("cheap variants %v, want %v", cheap, tc.cheap)
			}
			for i := range cheap {
				if cheap[i] != tc.cheap[i] {
					t.Fatalf("cheap variants %v, want %v", cheap, tc.cheap)
				}
			}
			if tc.effort == EffortFast && len(vs) != len(cheap) {
				t.Errorf("fast decoder has %d try-harder variants", len(vs)-len(cheap))
			}
		})
	}
}

// TestStructure checks the cascade's gate: nothing is tried on flat or
// noisy images, everything on images with a code.
func TestStructure(t *testing.T) {
	flat := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range flat.Pix {
		flat.Pix[i] = 128
	}
	noisy := image.NewGray(image.Rect(0, 0, 1280, 720))
	for i := range noisy.Pix {
		noisy.Pix[i] = uint8(170 + (i*7919)%40) // as BenchmarkDecodeFrame's empty frame
	}
	withQR := image.NewGray(image.Rect(0, 0, 1280, 720))
	copy(withQR.Pix, noisy.Pix)
	qr := qrFixture(t, "PK1.structure", 120)
	for y := 0; y < 120; y++ {
		copy(withQR.Pix[(300+y)*withQR.Stride+600:], qr.Pix[y*qr.Stride:y*qr.Stride+120])
	}
	tests := []struct {
		name     string
		img      *image.Gray
		min, max int
	}{
		{"flat", flat, 0, minStructure - 1},
		{"sensor noise", noisy, 0, minStructure - 1},
		{"small QR in a frame", withQR, tryHarderStructure, 1 << 20},
		{"Code128", writerFixture(t, SymCode128, "1Z999AA10123456784", 2), tryHarderStructure, 1 << 20},
		{"low contrast EAN-13", lowContrast(writerFixture(t, SymEAN13, "4006381333931", 3)), tryHarderStructure, 1 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := structure(tc.img); got < tc.min || got > tc.max {
				t.Errorf("structure = %d, want %d..%d", got, tc.min, tc.max)
			}
		})
	}
}

// TestVariantReaders checks which readers the try-harder preparations
// run: the preparations that only turn or crop skip the searches that
// read at any angle over the whole image, and only the cheap pass and the
// resolution preparations read both polarities.
func TestVariantReaders(t *testing.T) {
	d := NewDecoder(DecodeOptions{})
	vs, _ := d.variants(image.NewGray(image.Rect(0, 0, 480, 480)))
	// A white quiet zone for dark codes, a black one for light codes.
	// Only quiet zone and resolution read 2D codes in any image.
	anyImage := map[string]bool{"base": true, "padwhite": true, "padblack": true, "up2": true, "up4": true}
	pols := map[string]polarity{"base": polBoth, "up2": polBoth, "up4": polBoth, "padwhite": polNormal, "padblack": polInverted}
	for _, v := range vs {
		pol, ok := pols[v.name]
		if !ok {
			pol = polNormal
		}
		if v.pol != pol {
			t.Errorf("%s reads polarity %d, want %d", v.name, v.pol, pol)
		}
		var want readers
		switch v.name {
		case "rotpad", "rot180":
			want = readAztec | readPDF417 | readMaxiCode
		case "crop":
			want = readPDF417 | readMaxiCode
		case "rot", "mirror":
			want = readMaxiCode
		}
		if v.skip != want {
			t.Errorf("%s skips %b, want %b", v.name, v.skip, want)
		}
		if v.twoD && v.rect == anyImage[v.name] {
			t.Errorf("%s: 2D only in images with a rectangle = %v", v.name, v.rect)
		}
	}
}

// TestDecodeTinyAndThin checks the sizes no code fits in are refused at
// once, and that a single scan line across a bar code still reads (with
// the 1D readers only).
func TestDecodeTinyAndThin(t *testing.T) {
	d := NewDecoder(DecodeOptions{})
	for _, side := range []int{1, 5, minCodeSide - 1} {
		g := image.NewGray(image.Rect(0, 0, side, side))
		for i := range g.Pix {
			g.Pix[i] = uint8(i * 97)
		}
		if got, name := d.decodeGray(context.Background(), g); got != nil || name != "" {
			t.Errorf("%dx%d: read %v by %q", side, side, got, name)
		}
	}
	ean := writerFixture(t, SymEAN13, "5901234123457", 3)
	b := ean.Bounds()
	y := b.Min.Y + b.Dy()/2
	line := ean.SubImage(image.Rect(b.Min.X, y, b.Max.X, y+1)).(*image.Gray)
	if vs, _ := d.variants(line); len(without2D(vs, func(variant) bool { return true })) == 0 {
		t.Fatal("no preparation reads bars on a scan line")
	}
	got, _ := d.decodeGray(context.Background(), line)
	if len(got) != 1 || got[0].Text != "5901234123457" {
		t.Errorf("scan line read %v, want the EAN-13", got)
	}
}

// TestHasRectangle checks the gate of the try-harder pass's 2D
// preparations: codes and labels show a rectangle's corner, textures do
// not.
func TestHasRectangle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Stripes a few pixels wide with jitter, as a carpet or a fabric.
	stripes := func() *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 480, 480))
		for y := 0; y < 480; y++ {
			for x := 0; x < 480; x++ {
				v := 90
				if (x+rng.IntN(2))/3%2 == 0 {
					v = 170
				}
				g.Pix[y*g.Stride+x] = uint8(v + rng.IntN(30))
			}
		}
		return g
	}
	mesh := image.NewGray(image.Rect(0, 0, 480, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 480; x++ {
			v := 200
			if (x/4+y/4)%2 == 0 {
				v = 60
			}
			mesh.Pix[y*mesh.Stride+x] = uint8(v + rng.IntN(20))
		}
	}
	paste := func(dst, src *image.Gray, x0, y0 int) *image.Gray {
		b := src.Bounds()
		for y := 0; y < b.Dy(); y++ {
			copy(dst.Pix[(y0+y)*dst.Stride+x0:], src.Pix[y*src.Stride:y*src.Stride+b.Dx()])
		}
		return dst
	}
	label := image.NewGray(image.Rect(0, 0, 200, 150))
	for i := range label.Pix {
		label.Pix[i] = 235
	}
	dm := writerFixture(t, SymDataMatrix, "PK-DM-RECT", 8)
	dmTight := rebase(dm.SubImage(dm.Bounds().Inset(8 * 10)).(*image.Gray))
	tests := []struct {
		name string
		img  *image.Gray
		want bool
	}{
		{"stripes", stripes(), false},
		{"mesh", mesh, false},
		{"white label on stripes", paste(stripes(), label, 140, 160), true},
		{"small QR on stripes", paste(stripes(), qrFixture(t, "PK1.rect", 100), 190, 190), true},
		{"Data Matrix cropped tight", dmTight, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hasRectangle(tc.img); got != tc.want {
				t.Errorf("hasRectangle = %v, want %v", got, tc.want)
			}
		})
	}
}
