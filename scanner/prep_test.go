package scanner

import (
	"bytes"
	"fmt"
	"image"
	"math/rand"
	"testing"
)

// TestShrinkArea compares the one-pass shrink with the average over each
// output pixel's box computed directly.
func TestShrinkArea(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 96, 60))
	for i := range src.Pix {
		src.Pix[i] = uint8(i*7919%251 + i%3)
	}
	for _, size := range [][2]int{{48, 30}, {50, 31}, {47, 30}, {95, 59}, {13, 7}, {1, 1}, {32, 59}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			w, h := size[0], size[1]
			got := resize(src, w, h)
			for oy := 0; oy < h; oy++ {
				y0, y1 := oy*60/h, max((oy+1)*60/h, oy*60/h+1)
				for ox := 0; ox < w; ox++ {
					x0, x1 := ox*96/w, max((ox+1)*96/w, ox*96/w+1)
					s := 0
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							s += int(src.Pix[y*src.Stride+x])
						}
					}
					if want := uint8(s / ((y1 - y0) * (x1 - x0))); got.Pix[oy*got.Stride+ox] != want {
						t.Fatalf("pixel (%d,%d) = %d, want %d", ox, oy, got.Pix[oy*got.Stride+ox], want)
					}
				}
			}
		})
	}
}

// TestBoxBlur3 compares the blur with the mean over each pixel's 3x3
// neighbourhood inside the image, computed directly.
func TestBoxBlur3(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {1, 5}, {5, 1}, {2, 2}, {17, 9}, {64, 33}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			w, h := size[0], size[1]
			src := image.NewGray(image.Rect(0, 0, w+3, h)).SubImage(image.Rect(2, 0, w+2, h)).(*image.Gray)
			for i := range src.Pix {
				src.Pix[i] = uint8(i*7919%251 + i%3)
			}
			got := boxBlur3(src)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					s, n := 0, 0
					for yy := max(0, y-1); yy <= min(h-1, y+1); yy++ {
						for xx := max(0, x-1); xx <= min(w-1, x+1); xx++ {
							s += int(src.GrayAt(xx+2, yy).Y)
							n++
						}
					}
					if v := got.Pix[y*got.Stride+x]; v != uint8(s/n) {
						t.Fatalf("(%d,%d) = %d, want %d", x, y, v, s/n)
					}
				}
			}
		})
	}
}

// opaqueImage hides an image's type, so that lumaRows takes its generic
// path (At per pixel) on it.
type opaqueImage struct{ image.Image }

// TestLumaNYCbCrAMatchesGeneric asserts that lumaRows's path for WebP's
// images with alpha (*image.NYCbCrA) gives the generic path's gray for
// every subsampling, on random planes and on a sub-image.
func TestLumaNYCbCrAMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		m := image.NewNYCbCrA(image.Rect(0, 0, 37, 23), ratio)
		for _, p := range [][]uint8{m.Y, m.Cb, m.Cr, m.A} {
			for i := range p {
				p[i] = uint8(rng.Intn(256))
			}
		}
		for _, img := range []image.Image{m, m.SubImage(image.Rect(3, 5, 30, 20))} {
			b := img.Bounds()
			got := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
			want := image.NewGray(got.Rect)
			lumaRows(img, got, 0, 0, b.Dx(), b.Dy())
			lumaRows(opaqueImage{img}, want, 0, 0, b.Dx(), b.Dy())
			if !bytes.Equal(got.Pix, want.Pix) {
				t.Fatalf("ratio %v, bounds %v: the NYCbCrA path's gray differs from the generic one", ratio, b)
			}
		}
	}
}
