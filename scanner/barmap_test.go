package scanner

import (
	"image"
	"testing"
)

// TestBarMap checks that the rows across a bar code's bars are in the
// map (its columns when it is turned a quarter), and that a flat image
// and sensor noise map nothing.
func TestBarMap(t *testing.T) {
	code := writerFixture(t, SymCode128, "1Z999AA10123456784", 2)
	noise := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(170 + (i*7919)%40)
	}
	placed := image.NewGray(image.Rect(0, 0, 640, 480))
	copy(placed.Pix, noise.Pix) // noise at the top, flat below
	for i := 400 * 300; i < len(placed.Pix); i++ {
		placed.Pix[i] = 200
	}
	cw, ch := code.Bounds().Dx(), code.Bounds().Dy()
	x0, y0 := (640-cw)/2, 300
	for y := 0; y < min(ch, 480-y0); y++ {
		copy(placed.Pix[(y0+y)*placed.Stride+x0:], code.Pix[y*code.Stride:y*code.Stride+cw])
	}
	count := func(bs []bool) int {
		n := 0
		for _, b := range bs {
			if b {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name               string
		img                *image.Gray
		wantRows, wantCols bool
		row, col           int // a row (column) that must be in the map, or -1
	}{
		{"flat", image.NewGray(image.Rect(0, 0, 320, 240)), false, false, -1, -1},
		{"noise", noise, false, false, -1, -1},
		{"code", placed, true, false, y0 + min(ch, 480-y0)/2, -1},
		{"code turned", rotate90CCW(placed), false, true, -1, y0 + min(ch, 480-y0)/2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newBarMap(tt.img)
			if got := count(m.rows) > 0; got != tt.wantRows {
				t.Errorf("rows mapped: %v, want %v (%d rows)", got, tt.wantRows, count(m.rows))
			}
			if got := count(m.cols) > 0; got != tt.wantCols {
				t.Errorf("columns mapped: %v, want %v (%d columns)", got, tt.wantCols, count(m.cols))
			}
			if tt.row >= 0 && !m.rows[tt.row] {
				t.Errorf("row %d across the code not mapped", tt.row)
			}
			if tt.col >= 0 && !m.cols[tt.col] {
				t.Errorf("column %d across the code not mapped", tt.col)
			}
			if tt.row >= 0 && !m.turned().cols[tt.row] {
				t.Errorf("turned map lost row %d", tt.row)
			}
		})
	}
}
