package scanner

import (
	"math"
	"math/bits"

	"github.com/makiuchi-d/gozxing"
)

// A PDF417 reader (ISO/IEC 15438): the start and stop patterns are found
// on the rows of the binarized image, the symbol is sampled along lines
// from the start pattern to the stop pattern, each codeword is read on its
// own (cluster and value from its 17-module pattern), the row indicators
// give each line its row and the symbol's size, and votes over all lines
// fill the codeword matrix, which Reed-Solomon over GF(929) corrects.

// pdfLookup maps a 17-module pattern to its codeword value and cluster
// index (0, 1, 2 for clusters 0, 3, 6), and holds the eight bar and space
// widths of every codeword, as fractions of 17, for the closest match.
type pdfLookup struct {
	byPattern map[uint32]int32
	ratios    [][8]float32
	vals      []int32 // cluster<<16 | value, by ratios' index
	// byLead lists ratios' indexes (ascending) by the modules of their
	// first bar and space, less one: closest skips the groups whose two
	// first widths alone are further off than the best match so far.
	byLead [6][6][]int32
}

func newPDFLookup() pdfLookup {
	l := pdfLookup{byPattern: make(map[uint32]int32, 3*929)}
	for k := 0; k < 3; k++ {
		for v, p := range pdf417Patterns[k] {
			val := int32(k<<16 | v)
			l.byPattern[p] = val
			var r [8]float32
			var mods [8]int
			run, prev := 0, true
			for i := 16; i >= 0; i-- {
				bit := p>>i&1 == 1
				if bit != prev {
					run++
					prev = bit
				}
				r[run] += 1.0 / 17
				mods[run]++
			}
			l.byLead[mods[0]-1][mods[1]-1] = append(l.byLead[mods[0]-1][mods[1]-1], int32(len(l.ratios)))
			l.ratios = append(l.ratios, r)
			l.vals = append(l.vals, val)
		}
	}
	return l
}

// closest returns the codeword whose bar and space widths are nearest to
// runs (least squares on the fractions of the total), as zxing's
// PDF417CodewordDecoder.getClosestDecodedValue does (Apache-2.0). It is
// the fallback when blur or aliasing moved an edge by a pixel.
func (l pdfLookup) closest(runs [8]int) (int32, float32) {
	total := 0
	for _, r := range runs {
		total += r
	}
	var q [8]float32
	for i, r := range runs {
		q[i] = float32(r) / float32(total)
	}
	// The groups of codewords by their first two widths, nearest first.
	// The members of a group share those widths' fractions, so the error
	// of the two (the first terms of each member's sum) bounds the
	// group's errors from below.
	type group struct {
		bound float32
		idx   []int32
	}
	var groups [36]group
	n := 0
	for a := range l.byLead {
		for _, idx := range l.byLead[a] {
			if len(idx) == 0 {
				continue
			}
			row := &l.ratios[idx[0]]
			d0, d1 := row[0]-q[0], row[1]-q[1]
			g := group{bound: d0*d0 + d1*d1, idx: idx}
			i := n
			for ; i > 0 && groups[i-1].bound > g.bound; i-- {
				groups[i] = groups[i-1]
			}
			groups[i] = g
			n++
		}
	}
	// The least error, and of equal ones the first codeword in ratios'
	// order (as a scan of all of them in that order finds it).
	best, bestJ, bestErr := int32(-1), int32(math.MaxInt32), float32(math.MaxFloat32)
	for _, g := range groups[:n] {
		if g.bound > bestErr {
			break
		}
		for _, j := range g.idx {
			row := &l.ratios[j]
			var e float32
			for k := 0; k < 8 && e <= bestErr; k++ {
				d := row[k] - q[k]
				e += d * d
			}
			if e < bestErr || e == bestErr && j < bestJ {
				best, bestJ, bestErr = l.vals[j], j, e
			}
		}
	}
	return best, bestErr
}

// pdfLine is one sampled line across the symbol.
type pdfLine struct {
	t       float64
	cluster int   // majority cluster, -1 if none
	cw      []int // value per slot, -1 if unread
	cl      []int // cluster per slot
	row     int   // symbol row, -1 if unknown
}

// pdfScan is the pixels of one line across a symbol, n+1 samples from p
// to q, each read from the grid only when first asked for, by blocks of
// pdfScanBlock: the row indicators, read first for the symbol's size,
// need only the line's ends. The later reads of the same line (all the
// columns, then fuzzy) take the pixels already read.
type pdfScan struct {
	g      *pdfGrid
	p, q   [2]float64
	dx, dy float64
	fn     float64
	n      int // the number of pixels, n+1 above
	// px holds a block's pixels a word, bit i%64 of px[i/64] being
	// pixel i (1 for black; 0 beyond n).
	px   []uint64
	have []bool // by block: its pixels are in px
}

// pdfScanBlock is how many pixels of a line pdfScan reads at once: a
// word of px.
const pdfScanBlock = 64

// scan returns the line from p to q, nil when p and q are less than 2
// pixels apart.
func (g *pdfGrid) scan(p, q [2]float64) *pdfScan {
	dx, dy := q[0]-p[0], q[1]-p[1]
	n := int(math.Ceil(math.Hypot(dx, dy)))
	if n < 2 {
		return nil
	}
	return &pdfScan{g: g, p: p, q: q, dx: dx, dy: dy, fn: float64(n), n: n + 1,
		px: make([]uint64, n/pdfScanBlock+1), have: make([]bool, n/pdfScanBlock+1)}
}

// scanOf returns a line of the pixels px, all read.
func scanOf(px []bool) *pdfScan {
	blocks := len(px)/pdfScanBlock + 1
	l := &pdfScan{n: len(px), px: make([]uint64, blocks), have: make([]bool, blocks)}
	for i := range l.have {
		l.have[i] = true
	}
	for i, v := range px {
		if v {
			l.px[i/pdfScanBlock] |= 1 << uint(i%pdfScanBlock)
		}
	}
	return l
}

// at tells whether pixel x (0 <= x < l.n) of the line is black.
func (l *pdfScan) at(x int) bool {
	if b := x / pdfScanBlock; !l.have[b] {
		l.read(b)
	}
	return l.px[x/pdfScanBlock]>>uint(x%pdfScanBlock)&1 != 0
}

// runEnd returns the first pixel from x on, before stop (at most l.n),
// unlike c, or stop if there is none (x if x >= stop). It looks a word
// at a time: the first one of the block's word (inverted for black) from
// bit x%64 on.
func (l *pdfScan) runEnd(x int, c bool, stop int) int {
	if x >= stop {
		return x
	}
	for x < stop {
		b := x / pdfScanBlock
		if !l.have[b] {
			l.read(b)
		}
		v := l.px[b]
		if c {
			v = ^v
		}
		if v >>= uint(x % pdfScanBlock); v != 0 {
			return min(stop, x+bits.TrailingZeros64(v))
		}
		x = (b + 1) * pdfScanBlock
	}
	return stop
}

// point returns the grid's pixel nearest to p + (q-p)*i/n, pixel i of
// the line.
func (l *pdfScan) point(i int) (x, y int) {
	f := float64(i) / l.fn
	return int(l.p[0] + f*l.dx + 0.5), int(l.p[1] + f*l.dy + 0.5)
}

// read samples block b of the line. point's coordinates are monotonic in
// i (each step of their arithmetic is), so when the block's first and last
// pixels are on the grid all of it is, and its pixels are read without
// at's bounds checks.
func (l *pdfScan) read(b int) {
	l.have[b] = true
	i0, i1 := b*pdfScanBlock, min(l.n, (b+1)*pdfScanBlock)
	g := l.g
	xa, ya := l.point(i0)
	xb, yb := l.point(i1 - 1)
	var v uint64
	if min(xa, xb, ya, yb) < 0 || max(xa, xb) >= g.w || max(ya, yb) >= g.h {
		for i := i0; i < i1; i++ {
			if g.at(l.point(i)) {
				v |= 1 << uint(i-i0)
			}
		}
	} else {
		for i := i0; i < i1; i++ {
			x, y := l.point(i)
			k := uint(g.off + x*g.ax + y*g.ay)
			v |= uint64(g.words[k>>5]>>(k&31)&1) << uint(i-i0)
		}
	}
	l.px[b] = v
}

// pdfScans keeps the lines read of one symbol, by their index in
// pdfLines, for the next pass over the same lines.
type pdfScans struct {
	g     *pdfGrid
	lines []*pdfScan
}

// line returns line i, from p to q: the one kept when it runs between
// the same points, else a new one (nil when p and q are less than 2
// pixels apart).
func (sc *pdfScans) line(i int, p, q [2]float64) *pdfScan {
	if i < len(sc.lines) {
		if l := sc.lines[i]; l != nil && l.p == p && l.q == q {
			return l
		}
	}
	l := sc.g.scan(p, q)
	if l == nil {
		return nil
	}
	for len(sc.lines) <= i {
		sc.lines = append(sc.lines, nil)
	}
	sc.lines[i] = l
	return l
}

// readOne reads the codeword whose first bar starts near want on px,
// with module width m. It returns the value, the cluster index and where
// the codeword starts and how wide it is.
// With fuzzy set, a pattern that is no codeword is read as the closest
// one.
func readOne(px *pdfScan, want, m float64, look pdfLookup, fuzzy bool) (v, cl, x0, w int, ok bool) {
	// The nearest white-to-black edge.
	x0 = -1
	for d := 0; d <= int(3*m)+1 && x0 < 0; d++ {
		for _, x := range []int{int(want+0.5) + d, int(want+0.5) - d} {
			if x > 0 && x < px.n && px.at(x) && !px.at(x-1) {
				x0 = x
				break
			}
		}
	}
	if x0 < 0 {
		return 0, 0, 0, 0, false
	}
	// Eight runs from x0. They are followed only as far as they decide
	// anything: the first seven no further than 21 modules, the widest
	// codeword, and a closing space after 11 to 16.5 modules no further
	// than 6.5 modules, where it is taken to run into white (below).
	far := px.n
	if f := 21 * m; m > 0 && f < float64(px.n) {
		far = min(px.n, x0+int(f)+1)
	}
	var runs [8]int
	x, r := x0, 0
	for r < 8 && x < px.n {
		stop := far
		if s7 := float64(x - x0); r == 7 && m > 0 && s7 >= 11*m && s7 < 16.5*m {
			stop = min(px.n, x+int(6.5*m)+1)
		}
		end := px.runEnd(x, px.at(x), stop)
		runs[r] = end - x
		x = end
		r++
		if r < 8 && x >= far && far < px.n {
			// Wider than 21 modules: no codeword.
			return 0, 0, 0, 0, false
		}
	}
	if r < 8 {
		return 0, 0, 0, 0, false
	}
	if s7 := x - x0 - runs[7]; float64(runs[7]) > 6.5*m && float64(s7) >= 11*m && float64(s7) < 16.5*m {
		// The closing space runs into white (a wiped or missing
		// pattern, the end of the image): it ends at 17 modules.
		runs[7] = max(1, int(17*m-float64(s7)+0.5))
		x = x0 + s7 + runs[7]
	}
	w = x - x0
	if float64(w) < 13*m || float64(w) > 21*m {
		return 0, 0, 0, 0, false
	}
	var pat uint32
	for i := 0; i < 17; i++ {
		c := (float64(i) + 0.5) * float64(w) / 17
		acc := 0
		for e := 0; e < 8; e++ {
			acc += runs[e]
			if float64(acc) > c {
				if e%2 == 0 {
					pat |= 1 << (16 - i)
				}
				break
			}
		}
	}
	val, found := look.byPattern[pat]
	if !found && fuzzy {
		// A codeword's widths are 1 to 6 modules, and 17 in all: a
		// fraction error beyond about half a module on two of them
		// is not this codeword.
		var e float32
		val, e = look.closest(runs)
		found = val >= 0 && e < 2*(0.6/17)*(0.6/17)
	}
	if !found {
		return 0, 0, 0, 0, false
	}
	return int(val & 0xffff), int(val >> 16), x0, w, true
}

// readCodewords reads the slots (row indicators and data) of one line.
// px runs from the left edge of the start pattern to the right edge of
// the stop pattern (or beyond, when stopM is 0: no stop pattern; or from
// before, when startM is 0: no start pattern); slots is the number of
// codeword columns (data + 2), and startM and stopM the module widths
// measured on the patterns.
func readCodewords(px *pdfScan, slots int, startM, stopM float64, look pdfLookup, fuzzy bool) (cw, cl []int) {
	cw, cl = make([]int, slots), make([]int, slots)
	// one reads a codeword near want from its edges. The fuzzy pass
	// first reads on the module grid the two patterns span (when both
	// were seen), and last takes the closest codeword.
	one := func(k int, want, m float64) (v, c, x0, w int, ok bool) {
		if fuzzy && stopM > 0 && startM > 0 {
			if v, c, ok = readGrid(px, k, slots, look); ok {
				return v, c, -1, 0, true
			}
		}
		if v, c, x0, w, ok = readOne(px, want, m, look, false); ok || !fuzzy {
			return v, c, x0, w, ok
		}
		return readOne(px, want, m, look, true)
	}
	next, ml := 17*startM, startM
	last := slots
	if stopM > 0 {
		last = slots - 1
		// The right indicator, anchored on the right end.
		cw[last], cl[last] = -1, -1
		if v, c, _, _, ok := one(last, float64(px.n)-35*stopM, stopM); ok {
			cw[last], cl[last] = v, c
		}
	}
	if startM == 0 {
		// No start pattern: from the right indicator leftwards, each
		// codeword ending where the one on its right begins.
		right, ml := float64(px.n)-35*stopM, stopM
		for k := last - 1; k >= 0; k-- {
			cw[k], cl[k] = -1, -1
			v, c, x0, w, ok := one(k, right-17*ml, ml)
			if !ok || math.Abs(float64(x0+w)-right) > 2*ml {
				right -= 17 * ml
				continue
			}
			cw[k], cl[k] = v, c
			right = float64(x0)
			ml = 0.5*ml + 0.5*float64(w)/17
		}
		return cw, cl
	}
	for k := 0; k < last; k++ {
		cw[k], cl[k] = -1, -1
		v, c, x0, w, ok := one(k, next, ml)
		if !ok {
			next += 17 * ml
			continue
		}
		cw[k], cl[k] = v, c
		if x0 < 0 {
			// Read on the grid: the next one is a codeword further.
			next += 17 * ml
			continue
		}
		next = float64(x0 + w)
		ml = 0.5*ml + 0.5*float64(w)/17
	}
	return cw, cl
}

// readGrid reads codeword column k of slots on the module grid that the
// start pattern's left edge (px[0]) and the stop pattern's right edge (the
// end of px) span: each module is sampled at its centre, from where the
// grid puts the codeword's left edge and, failing that, from the bar edge
// nearest to it. It reads symbols whose edges blur or alias by a pixel,
// where the widths of single bars cannot be trusted but the grid can.
func readGrid(px *pdfScan, k, slots int, look pdfLookup) (v, cl int, ok bool) {
	m := float64(px.n-1) / float64(17*slots+35)
	at := func(x0 float64) (int, int, bool) {
		var pat uint32
		for i := 0; i < 17; i++ {
			x := int(x0 + (float64(i)+0.5)*m)
			if x < 0 || x >= px.n {
				return 0, 0, false
			}
			if px.at(x) {
				pat |= 1 << (16 - i)
			}
		}
		val, found := look.byPattern[pat]
		return int(val & 0xffff), int(val >> 16), found
	}
	g := float64(17+17*k) * m
	if v, cl, ok = at(g); ok {
		return v, cl, true
	}
	for d := 0; d <= int(m+1); d++ {
		for _, x := range []int{int(g) + d, int(g) - d} {
			if x > 0 && x < px.n && px.at(x) && !px.at(x-1) && float64(x) != g {
				return at(float64(x))
			}
		}
	}
	return 0, 0, false
}

// pdfMeta is the symbol size read from the row indicators.
type pdfMeta struct {
	rows, cols, ecLevel int
}

// decodePDF417 finds and decodes PDF417 symbols in a binarized image, in
// the quarter turns where a cheap probe of a few rows and columns sees a
// start or stop pattern. found tells whether start and stop patterns
// were seen at all, read or not.
func (s *session) decodePDF417(m *gozxing.BitMatrix) (hits []hit, found bool) {
	turns := probePDF417(m)
	if turns == 0 {
		return nil, false
	}
	if s.cheap {
		s.sh.pdfFinder.Store(true)
	}
	b := bitsFromMatrix(m)
	for turn := 0; turn < 4; turn++ {
		if turns&(1<<turn) == 0 {
			continue
		}
		g := b.view(turn)
		for _, sym := range g.locate() {
			text, ok, meta := s.readPDF417(g, sym)
			if ok {
				return []hit{{text: text, sym: SymPDF417}}, true
			}
			found = found || meta
		}
	}
	return nil, found
}

// probePDF417 looks for start or stop patterns on a few rows and columns
// of m and returns a bit per quarter turn worth a full search: 1 upright,
// 2 upside down, 4 and 8 on its side (columns read downwards, upwards).
// The rows' runs are counted on their 32-pixel words; a column is read
// into a buffer first. Patterns are matched only at bars that may start
// (or end, mirrored) one (pdfBigBar), and no more on a line once both of
// its turns are seen.
func probePDF417(m *gozxing.BitMatrix) int {
	w, h := m.GetWidth(), m.GetHeight()
	turns := 0
	var runs []int
	// look matches the runs of one line, the first black when black0.
	look := func(black0 bool, fwd, rev int) {
		// runs[i] is black for i of the parity of the first black run.
		first := 1
		if black0 {
			first = 0
		}
		for i := first; i < len(runs) && turns&(fwd|rev) != fwd|rev; i += 2 {
			if i+8 <= len(runs) && pdfBigBar(runs[i], runs[i+1]) {
				if _, ok := matchPattern(runs[i:i+8], pdfStart); ok {
					turns |= fwd
				}
			}
			if i >= 1 && i+7 <= len(runs) && pdfBigBar(runs[i+6], runs[i+5]) {
				// Reversed, the start pattern begins with its space.
				if _, ok := matchPattern(runs[i-1:i+7], pdfStartRev); ok {
					turns |= rev
				}
			}
			if i+9 <= len(runs) {
				if pdfBigBar(runs[i], runs[i+1]) {
					if _, ok := matchPattern(runs[i:i+9], pdfStop); ok {
						turns |= fwd
					}
				}
				if pdfBigBar(runs[i+8], runs[i+7]) {
					if _, ok := matchPattern(runs[i:i+9], pdfStopRev); ok {
						turns |= rev
					}
				}
			}
		}
	}
	const lines = 24
	row := gozxing.NewBitArray(w)
	col := make([]bool, h)
	for k := 1; k < lines; k++ {
		y := k * h / lines
		row = m.GetRow(y, row)
		words := row.GetBitArray()
		runs = wordRuns(words, w, runs[:0])
		look(words[0]&1 != 0, 1, 2)
		x := k * w / lines
		for i := range col {
			col[i] = m.Get(x, i)
		}
		runs = runLengths(col, runs[:0])
		look(col[0], 4, 8)
	}
	return turns
}

// readPDF417 samples and decodes one located symbol. meta tells whether
// its row indicators were read, which makes it surely a PDF417 symbol.
func (s *session) readPDF417(g *pdfGrid, sym pdfSymbol) (text string, ok, meta bool) {
	n := int(math.Max(sym.bl[1]-sym.tl[1], sym.br[1]-sym.tr[1])) + 1
	// Lines from t0 to t1, 0 and 1 being the found ends of the
	// patterns; a little outside them for the first and last rows.
	t0, t1 := -0.02, 1.02
	lineAt := func(i int) (p, q [2]float64, t float64) {
		t = t0 + (t1-t0)*float64(i)/float64(max(1, n-1))
		p = [2]float64{sym.tl[0] + t*(sym.bl[0]-sym.tl[0]), sym.tl[1] + t*(sym.bl[1]-sym.tl[1])}
		q = [2]float64{sym.tr[0] + t*(sym.br[0]-sym.tr[0]), sym.tr[1] + t*(sym.br[1]-sym.tr[1])}
		return p, q, t
	}
	// First the row indicators only (the left one when there is no
	// stop pattern, the right one when there is no start pattern), for
	// the symbol's size.
	slots := 2
	if sym.noStop || sym.noStart {
		slots = 1
	}
	sc := &pdfScans{g: g}
	lines, votes := s.pdfLines(sc, sym, n, lineAt, slots, false)
	md, ok := pickMeta(votes)
	if !ok {
		return "", false, false
	}
	if lo, hi, ok := rowSpan(lines, md.rows); ok && (lo < t0 || hi > t1) {
		// The indicators tell of rows above or below the patterns
		// (their ends damaged, cut or shorter than the symbol):
		// sample those too, along the patterns' edges.
		lo, hi = math.Max(lo, t0-2*(t1-t0)), math.Min(hi, t1+2*(t1-t0))
		n = int(float64(n)*(math.Max(hi, t1)-math.Min(lo, t0))/(t1-t0)) + 1
		t0, t1 = math.Min(lo, t0), math.Max(hi, t1)
	}
	if md.cols+2 != slots {
		// Only the indicators were read: read again with all the
		// columns they give.
		lines, _ = s.pdfLines(sc, sym, n, lineAt, md.cols+2, false)
	}
	// Metadata from many lines' indicators: surely PDF417.
	meta = votes[[2]int{2, md.cols - 1}] >= 3
	text, ok = s.assemble(lines, md)
	if !ok {
		// Again, reading the patterns that are no codeword as the
		// nearest one: Reed-Solomon corrects those it gets wrong.
		lines, _ = s.pdfLines(sc, sym, n, lineAt, md.cols+2, true)
		text, ok = s.assemble(lines, md)
	}
	return text, ok, meta
}

// rowSpan fits the lines' t to their rows read from the row indicators
// (t = a + b*row) and returns the t of the top edge of row 0 and of the
// bottom edge of the last row. ok is false with fewer than two rows seen.
func rowSpan(lines []pdfLine, rows int) (lo, hi float64, ok bool) {
	var sr, st, srr, srt, n float64
	seen := map[int]bool{}
	for _, ln := range lines {
		if ln.row < 0 || ln.row >= rows {
			continue
		}
		r := float64(ln.row)
		sr += r
		st += ln.t
		srr += r * r
		srt += r * ln.t
		n++
		seen[ln.row] = true
	}
	d := n*srr - sr*sr
	if len(seen) < 2 || d == 0 {
		return 0, 0, false
	}
	b := (n*srt - sr*st) / d
	a := (st - b*sr) / n
	if b <= 0 {
		return 0, 0, false
	}
	return a - 0.5*b, a + (float64(rows)-0.5)*b, true
}

// pdfLines samples the n lines of sym (or takes those sc kept) and reads
// slots codewords on each. It returns the lines with a cluster and the votes of the row
// indicators for the symbol's size, keyed by (field, value).
func (s *session) pdfLines(sc *pdfScans, sym pdfSymbol, n int, lineAt func(int) (p, q [2]float64, t float64), slots int, fuzzy bool) ([]pdfLine, map[[2]int]int) {
	lines := make([]pdfLine, 0, n)
	votes := map[[2]int]int{}
	for i := 0; i < n; i++ {
		p, q, t := lineAt(i)
		px := sc.line(i, p, q)
		if px == nil {
			continue
		}
		cw, cl := readCodewords(px, slots, sym.startM, sym.stopM, s.d.pdfLook, fuzzy)
		ln := pdfLine{t: t, cw: cw, cl: cl, cluster: -1, row: -1}
		var cc [3]int
		for _, c := range cl {
			if c >= 0 {
				cc[c]++
			}
		}
		bestC := 0
		for c := 1; c < 3; c++ {
			if cc[c] > cc[bestC] {
				bestC = c
			}
		}
		if cc[bestC] == 0 || cc[bestC]*2 < cc[0]+cc[1]+cc[2] {
			continue
		}
		ln.cluster = bestC
		indicators := []int{0, slots - 1} // by side: left, right
		sides := []int{0, 1}
		if sym.noStop {
			// No right indicator to trust (cut, or compact PDF417).
			indicators, sides = indicators[:1], sides[:1]
		}
		if sym.noStart {
			// Nor a left one.
			indicators, sides = indicators[1:], sides[1:]
		}
		for i, k := range indicators {
			side := sides[i]
			if cw[k] < 0 || cl[k] != bestC {
				continue
			}
			r, info := cw[k]/30*3+bestC, cw[k]%30
			if ln.row == -1 {
				ln.row = r
			} else if ln.row != r {
				ln.row = -2
			}
			// What the indicator holds: 0 (rows-1)/3, 1 ecLevel*3 +
			// (rows-1)%3, 2 cols-1; the left and right indicators of a
			// row hold different ones.
			kind := bestC
			if side == 1 {
				kind = (bestC + 2) % 3
			}
			votes[[2]int{kind, info}]++
		}
		if ln.row == -2 {
			ln.row = -1
		}
		lines = append(lines, ln)
	}
	return lines, votes
}

// pickMeta takes the most voted value of each row indicator field.
func pickMeta(votes map[[2]int]int) (pdfMeta, bool) {
	best := [3]int{-1, -1, -1}
	cnt := [3]int{}
	for k, c := range votes {
		if c > cnt[k[0]] {
			best[k[0]], cnt[k[0]] = k[1], c
		}
	}
	if best[0] < 0 || best[1] < 0 || best[2] < 0 {
		return pdfMeta{}, false
	}
	m := pdfMeta{rows: best[0]*3 + best[1]%3 + 1, cols: best[2] + 1, ecLevel: best[1] / 3}
	if m.rows < 3 || m.rows > 90 || m.cols < 1 || m.cols > 30 {
		return pdfMeta{}, false
	}
	return m, true
}

// assemble gives rows to the lines without a readable indicator, votes
// the codeword matrix, corrects it and decodes the message.
func (s *session) assemble(lines []pdfLine, meta pdfMeta) (string, bool) {
	// Lines between two of known row take the row of their cluster
	// next to them.
	lastKnown := -1
	for i := range lines {
		if lines[i].row >= meta.rows {
			lines[i].row = -1
		}
		if lines[i].row >= 0 {
			lastKnown = i
			continue
		}
		if lastKnown < 0 {
			continue
		}
		r := lines[lastKnown].row
		for d := 0; d <= 2; d++ {
			if (r+d)%3 == lines[i].cluster {
				if r+d < meta.rows {
					lines[i].row = r + d
				}
				break
			}
		}
	}
	total := meta.rows * meta.cols
	votes := make([]map[int]int, total)
	for _, ln := range lines {
		if ln.row < 0 || len(ln.cw) != meta.cols+2 {
			continue
		}
		for c := 0; c < meta.cols; c++ {
			v, k := ln.cw[c+1], ln.cl[c+1]
			if v < 0 || k != ln.row%3 {
				continue
			}
			i := ln.row*meta.cols + c
			if votes[i] == nil {
				votes[i] = map[int]int{}
			}
			votes[i][v]++
		}
	}
	cw := make([]int, total)
	missing := 0
	var erasures []int
	for i, vs := range votes {
		best, bc := 0, 0
		for v, c := range vs {
			if c > bc || c == bc && v < best {
				best, bc = v, c
			}
		}
		if bc == 0 {
			missing++
			erasures = append(erasures, i)
		}
		cw[i] = best
	}
	numEC := 1 << (meta.ecLevel + 1)
	if total <= numEC || missing > numEC {
		return "", false
	}
	if cw[0] == 0 || cw[0] > total-numEC {
		cw[0] = total - numEC
	}
	if _, err := correctPDF417(s.d.gf, cw, numEC, erasures); err != nil {
		return "", false
	}
	// Check: the corrected codewords must have zero syndromes.
	p := mkPoly(cw)
	for i := 1; i <= numEC; i++ {
		if s.d.gf.eval(p, s.d.gf.exp[i]) != 0 {
			return "", false
		}
	}
	if cw[0] < 1 || cw[0] > total-numEC {
		return "", false
	}
	text, err := decodePDF417Data(cw[:cw[0]])
	if err != nil {
		return "", false
	}
	return text, true
}
