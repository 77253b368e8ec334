package scanner

// This file finds PDF417 symbols: the module grid, the start and stop
// patterns, and the columns they form.

import (
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
)

// pdfGrid is a binarized image, true for black.
type pdfGrid struct {
	w, h int
	px   []bool
}

func gridFromMatrix(m *gozxing.BitMatrix) *pdfGrid {
	g := &pdfGrid{w: m.GetWidth(), h: m.GetHeight()}
	g.px = make([]bool, g.w*g.h)
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			g.px[y*g.w+x] = m.Get(x, y)
		}
	}
	return g
}

func (g *pdfGrid) at(x, y int) bool {
	if x < 0 || y < 0 || x >= g.w || y >= g.h {
		return false
	}
	return g.px[y*g.w+x]
}

// rot180 and rot90 return turned copies.
func (g *pdfGrid) rot180() *pdfGrid {
	out := &pdfGrid{w: g.w, h: g.h, px: make([]bool, len(g.px))}
	for i, v := range g.px {
		out.px[len(g.px)-1-i] = v
	}
	return out
}

func (g *pdfGrid) rot90() *pdfGrid {
	out := &pdfGrid{w: g.h, h: g.w, px: make([]bool, len(g.px))}
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			// (x, y) -> (y, w-1-x): counter-clockwise.
			out.px[(g.w-1-x)*out.w+y] = g.px[y*g.w+x]
		}
	}
	return out
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

// findPatterns scans rows of g for start and stop patterns.
func (g *pdfGrid) findPatterns() (starts, stops []pdfHit) {
	step := max(1, g.h/400)
	runs := make([]int, 0, 64)
	pos := make([]int, 0, 64)
	for y := 0; y < g.h; y += step {
		runs, pos = runs[:0], pos[:0]
		row := g.px[y*g.w : (y+1)*g.w]
		cur, n := row[0], 0
		for x, v := range row {
			if v != cur {
				runs = append(runs, n)
				pos = append(pos, x-n)
				cur, n = v, 0
			}
			n++
		}
		runs = append(runs, n)
		pos = append(pos, g.w-n)
		first := 0
		if !row[0] {
			first = 1 // runs[first] is the first bar
		}
		for i := first; i < len(runs); i += 2 {
			quietL := i == 0 || i == 1 && !row[0]
			if i+8 <= len(runs) {
				if m, ok := matchPattern(runs[i:i+8], pdfStart); ok && (quietL || float64(runs[i-1]) >= 1.5*m) {
					starts = append(starts, pdfHit{float64(pos[i]), float64(pos[i+7] + runs[i+7]), y, m})
				}
			}
			if i+9 <= len(runs) {
				if m, ok := matchPattern(runs[i:i+9], pdfStop); ok {
					end := pos[i+8] + runs[i+8]
					if i+9 == len(runs) || float64(runs[i+9]) >= 0.9*m {
						stops = append(stops, pdfHit{float64(pos[i]), float64(end), y, m})
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
