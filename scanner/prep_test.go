package scanner

import (
	"fmt"
	"image"
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
