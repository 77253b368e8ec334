package scanner

// This file finds PDF417 symbols: the module grid, the start and stop
// patterns, and the columns they form.

import (
	"math"
	"slices"
	"sort"

	"github.com/makiuchi-d/gozxing"
)

// pdfBits is a binarized image packed as gozxing stores it: bit x%32 of
// word y*stride + x/32 is pixel (x, y), true for black (the bits beyond
// the width are not read). Its columns, packed the same way as the rows
// of a transposed image, are made only for the turns on the side.
type pdfBits struct {
	w, h, stride int
	words        []uint32
	// cols holds column x's pixels as row x of the transposed image:
	// bit y%32 of word x*colStride + y/32 is pixel (x, y).
	cols      []uint32
	colStride int
}

// bitsFromMatrix copies m's words, row by row.
func bitsFromMatrix(m *gozxing.BitMatrix) *pdfBits {
	w, h := m.GetWidth(), m.GetHeight()
	stride := (w + 31) / 32
	b := &pdfBits{w: w, h: h, stride: stride, words: make([]uint32, h*stride)}
	var row *gozxing.BitArray
	for y := 0; y < h; y++ {
		row = m.GetRow(y, row)
		copy(b.words[y*stride:(y+1)*stride], row.GetBitArray())
	}
	return b
}

// transpose fills cols (once) from the rows, by blocks of 32 rows and 32
// columns turned about their diagonal.
func (b *pdfBits) transpose() {
	if b.cols != nil {
		return
	}
	b.colStride = (b.h + 31) / 32
	b.cols = make([]uint32, b.w*b.colStride)
	var blk [32]uint32
	for by := 0; by < b.colStride; by++ {
		for bx := 0; bx < b.stride; bx++ {
			for i := range blk {
				blk[i] = 0
				if y := by*32 + i; y < b.h {
					blk[i] = b.words[y*b.stride+bx]
				}
			}
			transpose32(&blk)
			for j, v := range blk {
				x := bx*32 + j
				if x >= b.w {
					break
				}
				b.cols[x*b.colStride+by] = v
			}
		}
	}
}

// transpose32 turns the 32x32 bit matrix a about its diagonal: bit j of
// a[i] becomes bit i of a[j]. It swaps the off-diagonal quarters of
// blocks of 32, 16, ... 2 bits (Hacker's Delight, 7-3).
func transpose32(a *[32]uint32) {
	m := uint32(0x0000ffff)
	for j := 16; j != 0; j, m = j>>1, m^(m<<(j>>1)) {
		for k := 0; k < 32; k = (k + j + 1) &^ j {
			t := (a[k]>>uint(j) ^ a[k+j]) & m
			a[k] ^= t << uint(j)
			a[k+j] ^= t
		}
	}
}

// pdfGrid is a binarized image in one of four quarter turns, true for
// black: a view of pdfBits, whose pixels it maps instead of copying them.
type pdfGrid struct {
	w, h  int
	words []uint32
	// The view's pixel (x, y) is bit off + x*ax + y*ay of words (bit i
	// of the words being bit i%32 of word i/32).
	off, ax, ay int
	// Row y of the view is packed row y (or h-1-y with flip) of rows,
	// of rowStride words; with rev it is read right to left.
	rows      []uint32
	rowStride int
	flip, rev bool
}

// view returns b turned as g0.rot180(), g0.rot90() and
// g0.rot90().rot180() turned a grid g0 of b's pixels for turns 1, 2 and 3:
// rot90 took pixel (x, y) to (y, w-1-x).
func (b *pdfBits) view(turn int) *pdfGrid {
	s := 32 * b.stride
	switch turn {
	case 0:
		return &pdfGrid{w: b.w, h: b.h, words: b.words, off: 0, ax: 1, ay: s,
			rows: b.words, rowStride: b.stride}
	case 1:
		return &pdfGrid{w: b.w, h: b.h, words: b.words, off: (b.h-1)*s + b.w - 1, ax: -1, ay: -s,
			rows: b.words, rowStride: b.stride, flip: true, rev: true}
	case 2:
		b.transpose()
		return &pdfGrid{w: b.h, h: b.w, words: b.words, off: b.w - 1, ax: s, ay: -1,
			rows: b.cols, rowStride: b.colStride, flip: true}
	default:
		b.transpose()
		return &pdfGrid{w: b.h, h: b.w, words: b.words, off: (b.h - 1) * s, ax: -s, ay: 1,
			rows: b.cols, rowStride: b.colStride, rev: true}
	}
}

// at tells whether pixel (x, y) is black; outside the grid it is white.
func (g *pdfGrid) at(x, y int) bool {
	if x < 0 || y < 0 || x >= g.w || y >= g.h {
		return false
	}
	i := uint(g.off + x*g.ax + y*g.ay)
	return g.words[i>>5]>>(i&31)&1 != 0
}

// rowRuns appends to runs the lengths of the runs of equal pixels of row y,
// left to right, and returns them: counted on the packed row a word at a
// time (wordRuns), reversed when the row is read right to left.
func (g *pdfGrid) rowRuns(y int, runs []int) []int {
	r := y
	if g.flip {
		r = g.h - 1 - y
	}
	start := len(runs)
	runs = wordRuns(g.rows[r*g.rowStride:(r+1)*g.rowStride], g.w, runs)
	if g.rev {
		slices.Reverse(runs[start:])
	}
	return runs
}

// runLengths appends to runs the lengths of the runs of equal pixels of
// px (not empty), left to right, and returns them.
func runLengths(px []bool, runs []int) []int {
	cur, start := px[0], 0
	for x, v := range px {
		if v != cur {
			runs = append(runs, x-start)
			cur, start = v, x
		}
	}
	return append(runs, len(px)-start)
}

var (
	pdfStart    = []float64{8, 1, 1, 1, 1, 1, 1, 3}
	pdfStop     = []float64{7, 1, 1, 3, 1, 1, 1, 2, 1}
	pdfStartRev = []float64{3, 1, 1, 1, 1, 1, 1, 8}
	pdfStopRev  = []float64{1, 2, 1, 1, 1, 3, 1, 1, 7}
)

// pdfHit is one row's sighting of a start or stop pattern.
type pdfHit struct {
	x0, x1 float64 // left and right edges
	y      int
	m      float64 // module width
}

// matchPattern tells whether runs (starting with a bar) have the widths
// of pat, and returns the module width.
func matchPattern(runs []int, pat []float64) (float64, bool) {
	total := 0
	for _, r := range runs {
		total += r
	}
	var sum float64
	for _, p := range pat {
		sum += p
	}
	m := float64(total) / sum
	if m < 0.8 {
		return 0, false
	}
	var dev float64
	for i, p := range pat {
		d := math.Abs(float64(runs[i]) - p*m)
		if d > 0.6*m+0.3*p*m {
			return 0, false
		}
		dev += d
	}
	return m, dev/float64(total) < 0.2
}

// pdfBigBar tells whether a wide bar of big pixels may be the first bar
// of a start or stop pattern (8 or 7 modules) followed by a one-module
// run of next pixels, or their mirror image. matchPattern's tolerance
// (0.6 + 0.3p modules off a run of p modules) takes at least 4.3 modules
// for the first and at most 1.9 for the second, 2.26 times less: below
// 2.25 times neither pattern matches, and matchPattern need not be asked.
func pdfBigBar(big, next int) bool {
	return 4*big >= 9*next
}

// pdfOpens tells whether runs (at least 8, the first a bar) may begin a
// start or stop pattern: the bar is at least 2.25 times as wide as each
// of runs 1, 2, 4, 5 and 6 (pdfBigBar), one module wide in both patterns.
func pdfOpens(runs []int) bool {
	big := runs[0]
	return pdfBigBar(big, runs[1]) && pdfBigBar(big, runs[2]) && pdfBigBar(big, runs[4]) &&
		pdfBigBar(big, runs[5]) && pdfBigBar(big, runs[6])
}

// findPatterns scans rows of g for start and stop patterns. Only bars at
// least 2.25 times as wide as the one-module runs after them are matched
// (pdfOpens).
func (g *pdfGrid) findPatterns() (starts, stops []pdfHit) {
	step := max(1, g.h/400)
	runs := make([]int, 0, 64)
	for y := 0; y < g.h; y += step {
		runs = g.rowRuns(y, runs[:0])
		first, pos := 0, 0 // runs[first] is the first bar, at pos
		if !g.at(0, y) {
			first, pos = 1, runs[0]
		}
		for i := first; i+8 <= len(runs); i, pos = i+2, pos+runs[i]+runs[i+1] {
			if !pdfOpens(runs[i : i+8]) {
				continue
			}
			if m, ok := matchPattern(runs[i:i+8], pdfStart); ok && (i == first || float64(runs[i-1]) >= 1.5*m) {
				end := pos
				for _, r := range runs[i : i+8] {
					end += r
				}
				starts = append(starts, pdfHit{float64(pos), float64(end), y, m})
			}
			if i+9 <= len(runs) {
				if m, ok := matchPattern(runs[i:i+9], pdfStop); ok {
					if i+9 == len(runs) || float64(runs[i+9]) >= 0.9*m {
						end := pos
						for _, r := range runs[i : i+9] {
							end += r
						}
						stops = append(stops, pdfHit{float64(pos), float64(end), y, m})
					}
				}
			}
		}
	}
	return starts, stops
}

// pdfColumn is a vertical chain of pattern sightings.
type pdfColumn struct {
	hits []pdfHit
	m    float64
}

func chainHits(hits []pdfHit, step int) []pdfColumn {
	var cols []pdfColumn
	for _, h := range hits {
		best := -1
		for i := range cols {
			last := cols[i].hits[len(cols[i].hits)-1]
			dy := h.y - last.y
			if dy <= 0 || dy > 8*step+int(4*last.m) {
				continue
			}
			if math.Abs(h.x0-last.x0) <= 2*last.m+float64(dy)*0.8 && h.m < 1.6*last.m && h.m > last.m/1.6 {
				best = i
				break
			}
		}
		if best < 0 {
			cols = append(cols, pdfColumn{hits: []pdfHit{h}})
			continue
		}
		cols[best].hits = append(cols[best].hits, h)
	}
	// Join chains broken by a damaged stretch: one below the other, in
	// line, with the same module width.
	for i := 0; i < len(cols); i++ {
		for j := 0; j < len(cols); j++ {
			if i == j || len(cols[i].hits) == 0 || len(cols[j].hits) == 0 {
				continue
			}
			a, b := cols[i].hits[len(cols[i].hits)-1], cols[j].hits[0]
			dy := b.y - a.y
			if dy <= 0 || float64(dy) > 25*a.m || math.Abs(b.x0-a.x0) > 3*a.m+0.3*float64(dy) ||
				b.m > 1.4*a.m || b.m < a.m/1.4 {
				continue
			}
			cols[i].hits = append(cols[i].hits, cols[j].hits...)
			cols[j].hits = nil
		}
	}
	out := cols[:0]
	for _, c := range cols {
		if len(c.hits) < 3 {
			continue
		}
		ms := make([]float64, len(c.hits))
		for i, h := range c.hits {
			ms[i] = h.m
		}
		sort.Float64s(ms)
		c.m = ms[len(ms)/2]
		if float64(c.hits[len(c.hits)-1].y-c.hits[0].y) < 2*c.m {
			continue
		}
		out = append(out, c)
	}
	return out
}

// edge fits x = a + b*y through the hits' left (or right) edges.
func (c pdfColumn) edge(right bool) (a, b float64) {
	var sy, sx, syy, sxy, n float64
	for _, h := range c.hits {
		x := h.x0
		if right {
			x = h.x1
		}
		y := float64(h.y)
		sy += y
		sx += x
		syy += y * y
		sxy += x * y
		n++
	}
	d := n*syy - sy*sy
	if d == 0 {
		return sx / n, 0
	}
	b = (n*sxy - sx*sy) / d
	a = (sx - b*sy) / n
	return a, b
}

// pdfSymbol is a located symbol: the outer corners of the start pattern
// (left) and stop pattern (right), top and bottom.
type pdfSymbol struct {
	tl, bl, tr, br [2]float64
	// startM and stopM are the module widths on the start and stop
	// patterns.
	startM, stopM float64
	// noStop marks a symbol whose stop pattern was not seen (damaged,
	// cut, or compact PDF417): tr and br are only a direction, and the
	// size comes from the left row indicators.
	noStop bool
	// noStart marks a symbol whose start pattern was not seen: tl and
	// bl are only a direction, the codewords are read from the stop
	// pattern leftwards and the size comes from the right row
	// indicators.
	noStart bool
}

func (g *pdfGrid) locate() []pdfSymbol {
	starts, stops := g.findPatterns()
	if len(starts) == 0 && len(stops) == 0 {
		return nil
	}
	step := max(1, g.h/400)
	sc, tc := chainHits(starts, step), chainHits(stops, step)
	var out []pdfSymbol
	paired := make([]bool, len(tc))
	for _, s := range sc {
		sy0, sy1 := s.hits[0].y, s.hits[len(s.hits)-1].y
		best, bestOv := -1, 0
		for j, t := range tc {
			ty0, ty1 := t.hits[0].y, t.hits[len(t.hits)-1].y
			if t.hits[0].x0 <= s.hits[0].x1 || t.m > 1.6*s.m || t.m < s.m/1.6 {
				continue
			}
			ov := min(sy1, ty1) - max(sy0, ty0)
			if ov > bestOv {
				best, bestOv = j, ov
			}
		}
		if best < 0 {
			// No stop pattern: sample rightwards, perpendicular to
			// the start pattern's edge, far enough for any symbol.
			a, b := s.edge(false)
			tl, bl := edgeEnds(a, b, sy0, sy1)
			dx, dy := acrossSymbol(b, s.m)
			out = append(out, pdfSymbol{tl: tl, bl: bl,
				tr: [2]float64{tl[0] + dx, tl[1] + dy}, br: [2]float64{bl[0] + dx, bl[1] + dy},
				startM: s.m, noStop: true})
			continue
		}
		t := tc[best]
		paired[best] = true
		ty0, ty1 := t.hits[0].y, t.hits[len(t.hits)-1].y
		a, b := s.edge(false)
		c, d := t.edge(true)
		tl, bl := edgeEnds(a, b, sy0, sy1)
		tr, br := edgeEnds(c, d, ty0, ty1)
		out = append(out, pdfSymbol{tl: tl, bl: bl, tr: tr, br: br, startM: s.m, stopM: t.m})
	}
	// Stop patterns without a start pattern (damaged, or cut off on
	// the left): sample leftwards, perpendicular to the stop pattern's
	// edge, far enough for any symbol.
	for j, t := range tc {
		if paired[j] {
			continue
		}
		ty0, ty1 := t.hits[0].y, t.hits[len(t.hits)-1].y
		c, d := t.edge(true)
		tr, br := edgeEnds(c, d, ty0, ty1)
		dx, dy := acrossSymbol(d, t.m)
		out = append(out, pdfSymbol{tl: [2]float64{tr[0] - dx, tr[1] - dy}, bl: [2]float64{br[0] - dx, br[1] - dy},
			tr: tr, br: br, stopM: t.m, noStart: true})
	}
	return out
}

// edgeEnds returns the points of the edge x = a + b*y on rows y0 and y1.
func edgeEnds(a, b float64, y0, y1 int) (top, bottom [2]float64) {
	return [2]float64{a + b*float64(y0), float64(y0)}, [2]float64{a + b*float64(y1), float64(y1)}
}

// acrossSymbol returns the step rightwards, perpendicular to an edge of
// slope b (x = a + b*y), as wide as the widest symbol (30 data columns,
// the row indicators and the start and stop patterns) of module m.
func acrossSymbol(b, m float64) (dx, dy float64) {
	far := float64(17*32+35) * m
	n := math.Hypot(1, b)
	return far / n, -far * b / n
}
