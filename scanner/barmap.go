package scanner

import (
	"encoding/binary"
	"image"
)

// A bar code's bars are straight: across them the gray level swings at
// every edge, along them it hardly changes. barMap finds the tiles of an
// image where that holds, so the 1D scan reads only the rows (and, turned,
// the columns) that cross such tiles instead of every row of a photo,
// where gozxing's readers fail slowly (each failure builds a stack trace).

// barTile is the side of a bar map's tiles, in pixels of the image read.
const barTile = 16

// Bar tile thresholds: the mean gray change per pixel across the bars
// (a printed code gives 2 x its contrast per bar-and-space pair, blurred
// or not: 4 is a 20-level contrast at 5-pixel modules) and how much more
// it must be than along them (1.5: bars turned up to about 33 degrees
// from the scan direction; the turned preparations cover the rest).
const (
	barMinChange = 6
	barAniso     = 2
)

// barMap tells which rows and columns of an image cross bar-like tiles.
type barMap struct {
	// rows[y] is set when row y (or a row of the tile rows next to it)
	// crosses tiles whose bars stand across it; cols[x] likewise for
	// column x and bars lying along the rows.
	rows, cols []bool
}

// newBarMap maps g. An image too small to tile gets every row and column.
func newBarMap(g *image.Gray) *barMap {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	m := &barMap{rows: make([]bool, h), cols: make([]bool, w)}
	tw, th := (w+barTile-1)/barTile, (h+barTile-1)/barTile
	if tw < 3 || th < 3 {
		for i := range m.rows {
			m.rows[i] = true
		}
		for i := range m.cols {
			m.cols[i] = true
		}
		return m
	}
	// Sums of |dx| and |dy| per tile.
	ex := make([]int, tw*th)
	ey := make([]int, tw*th)
	// The tiles whose 16 pixels and the one after them are all in a
	// row are summed 8 pixels to a word, their bytes' differences added
	// up in 16-bit lanes over a tile row (at most 8 row pairs of 4
	// bytes a lane: 8160); the others pixel by pixel.
	full := (w - 1) / barTile
	lx, ly := make([]uint64, full), make([]uint64, full)
	for ty := 0; ty < th; ty++ {
		clear(lx)
		clear(ly)
		t := ty * tw
		// Every other row: bars run on; half the work.
		for y := ty * barTile; y < min((ty+1)*barTile, h-1); y += 2 {
			r0 := g.Pix[y*g.Stride : y*g.Stride+w]
			r1 := g.Pix[(y+1)*g.Stride : (y+1)*g.Stride+w]
			for tx := range lx {
				x0 := tx * barTile
				a, next, below := r0[x0:x0+barTile], r0[x0+1:x0+barTile+1], r1[x0:x0+barTile]
				a0, a1 := binary.LittleEndian.Uint64(a), binary.LittleEndian.Uint64(a[8:])
				dx0 := absBytes(a0, binary.LittleEndian.Uint64(next))
				dx1 := absBytes(a1, binary.LittleEndian.Uint64(next[8:]))
				dy0 := absBytes(a0, binary.LittleEndian.Uint64(below))
				dy1 := absBytes(a1, binary.LittleEndian.Uint64(below[8:]))
				lx[tx] += dx0&shorts00 + (dx0>>8)&shorts00 + dx1&shorts00 + (dx1>>8)&shorts00
				ly[tx] += dy0&shorts00 + (dy0>>8)&shorts00 + dy1&shorts00 + (dy1>>8)&shorts00
			}
			for tx := full; tx < tw; tx++ {
				x0, x1 := tx*barTile, min((tx+1)*barTile, w-1)
				sx, sy := 0, 0
				a, next, below := r0[x0:x1], r0[x0+1:x1+1], r1[x0:x1]
				next, below = next[:len(a)], below[:len(a)]
				for x, v := range a {
					dx := int(next[x]) - int(v)
					dy := int(below[x]) - int(v)
					sx += max(dx, -dx)
					sy += max(dy, -dy)
				}
				ex[t+tx] += sx
				ey[t+tx] += sy
			}
		}
		for tx := range lx {
			ex[t+tx] += sumLanes(lx[tx])
			ey[t+tx] += sumLanes(ly[tx])
		}
	}
	// horiz[i]: bars across the rows (edges met along x); vert[i]: bars
	// across the columns.
	horiz := make([]bool, tw*th)
	vert := make([]bool, tw*th)
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			i := ty*tw + tx
			n := min(barTile, w-tx*barTile) * (min(barTile, h-ty*barTile) + 1) / 2
			a, b := float64(ex[i]), float64(ey[i])
			horiz[i] = a >= barMinChange*float64(n) && a >= barAniso*b
			vert[i] = b >= barMinChange*float64(n) && b >= barAniso*a
		}
	}
	// A row is read when its tile row, or one next to it, holds two bar
	// tiles side by side (a code is wider than one tile); a column
	// likewise.
	rowTiles := make([]bool, th)
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx+1 < tw; tx++ {
			if horiz[ty*tw+tx] && horiz[ty*tw+tx+1] {
				rowTiles[ty] = true
				break
			}
		}
	}
	colTiles := make([]bool, tw)
	for tx := 0; tx < tw; tx++ {
		for ty := 0; ty+1 < th; ty++ {
			if vert[ty*tw+tx] && vert[(ty+1)*tw+tx] {
				colTiles[tx] = true
				break
			}
		}
	}
	for y := range m.rows {
		t := y / barTile
		m.rows[y] = rowTiles[t] || t > 0 && rowTiles[t-1] || t+1 < th && rowTiles[t+1]
	}
	for x := range m.cols {
		t := x / barTile
		m.cols[x] = colTiles[t] || t > 0 && colTiles[t-1] || t+1 < tw && colTiles[t+1]
	}
	return m
}

// absBytes returns the bytewise absolute differences of a and b.
func absBytes(a, b uint64) uint64 {
	// Where a <= b, b - a, else a - b: the larger less the smaller
	// borrows from no byte.
	x := (a ^ b) & byteMask(leBytes(a, b))
	return (a ^ x) - (b ^ x)
}

// sumLanes returns the sum of v's four 16-bit lanes (their sum below
// 65536).
func sumLanes(v uint64) int {
	return int((v * 0x0001000100010001) >> 48)
}

// turned returns the map of the image turned a quarter counter-clockwise
// (as gozxing's RotateCounterClockwise): its row r is column w-1-r.
func (m *barMap) turned() *barMap {
	w := len(m.cols)
	t := &barMap{rows: make([]bool, w), cols: make([]bool, len(m.rows))}
	for r := range t.rows {
		t.rows[r] = m.cols[w-1-r]
	}
	for c := range t.cols {
		t.cols[c] = m.rows[c]
	}
	return t
}
