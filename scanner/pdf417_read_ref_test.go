package scanner

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The reference versions below are the PDF417 reader's codeword reading as
// it was before the lines were sampled lazily and kept between passes
// (pdfScan): on a slice of all the line's pixels. The tests assert that
// the new ones read the same.

// refReadOne reads the codeword whose first bar starts near want on px,
// with module width m. It returns the value, the cluster index and where
// the codeword starts and how wide it is.
// With fuzzy set, a pattern that is no codeword is read as the closest
// one.
func refReadOne(px []bool, want, m float64, look pdfLookup, fuzzy bool) (v, cl, x0, w int, ok bool) {
	// The nearest white-to-black edge.
	x0 = -1
	for d := 0; d <= int(3*m)+1 && x0 < 0; d++ {
		for _, x := range []int{int(want+0.5) + d, int(want+0.5) - d} {
			if x > 0 && x < len(px) && px[x] && !px[x-1] {
				x0 = x
				break
			}
		}
	}
	if x0 < 0 {
		return 0, 0, 0, 0, false
	}
	// Eight runs from x0.
	var runs [8]int
	x, r := x0, 0
	for r < 8 && x < len(px) {
		c := px[x]
		n := 0
		for x < len(px) && px[x] == c {
			n++
			x++
		}
		runs[r] = n
		r++
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

// refReadCodewords reads the slots (row indicators and data) of one line.
// px runs from the left edge of the start pattern to the right edge of
// the stop pattern (or beyond, when stopM is 0: no stop pattern; or from
// before, when startM is 0: no start pattern); slots is the number of
// codeword columns (data + 2), and startM and stopM the module widths
// measured on the patterns.
func refReadCodewords(px []bool, slots int, startM, stopM float64, look pdfLookup, fuzzy bool) (cw, cl []int) {
	cw, cl = make([]int, slots), make([]int, slots)
	// one reads a codeword near want from its edges. The fuzzy pass
	// first reads on the module grid the two patterns span (when both
	// were seen), and last takes the closest codeword.
	one := func(k int, want, m float64) (v, c, x0, w int, ok bool) {
		if fuzzy && stopM > 0 && startM > 0 {
			if v, c, ok = refReadGrid(px, k, slots, look); ok {
				return v, c, -1, 0, true
			}
		}
		if v, c, x0, w, ok = refReadOne(px, want, m, look, false); ok || !fuzzy {
			return v, c, x0, w, ok
		}
		return refReadOne(px, want, m, look, true)
	}
	next, ml := 17*startM, startM
	last := slots
	if stopM > 0 {
		last = slots - 1
		// The right indicator, anchored on the right end.
		cw[last], cl[last] = -1, -1
		if v, c, _, _, ok := one(last, float64(len(px))-35*stopM, stopM); ok {
			cw[last], cl[last] = v, c
		}
	}
	if startM == 0 {
		// No start pattern: from the right indicator leftwards, each
		// codeword ending where the one on its right begins.
		right, ml := float64(len(px))-35*stopM, stopM
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

// refReadGrid reads codeword column k of slots on the module grid that the
// start pattern's left edge (px[0]) and the stop pattern's right edge (the
// end of px) span: each module is sampled at its centre, from where the
// grid puts the codeword's left edge and, failing that, from the bar edge
// nearest to it. It reads symbols whose edges blur or alias by a pixel,
// where the widths of single bars cannot be trusted but the grid can.
func refReadGrid(px []bool, k, slots int, look pdfLookup) (v, cl int, ok bool) {
	m := float64(len(px)-1) / float64(17*slots+35)
	at := func(x0 float64) (int, int, bool) {
		var pat uint32
		for i := 0; i < 17; i++ {
			x := int(x0 + (float64(i)+0.5)*m)
			if x < 0 || x >= len(px) {
				return 0, 0, false
			}
			if px[x] {
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
			if x > 0 && x < len(px) && px[x] && !px[x-1] && float64(x) != g {
				return at(float64(x))
			}
		}
	}
	return 0, 0, false
}

// TestReadCodewordsMatchesReference asserts that readCodewords on a
// pdfScan, whether all its pixels are given (scanOf) or sampled from a
// grid as they are read, reads what the reference version reads on all
// the line's pixels: rendered rows of codewords of several module widths,
// with noise, a margin on either side, cut short, with either pattern's
// module width unknown, for the indicators only and all the columns,
// fuzzy or not.
func TestReadCodewordsMatchesReference(t *testing.T) {
	look := newPDFLookup()
	rng := rand.New(rand.NewPCG(12, 13))
	read := 0
	for trial := 0; trial < 5000; trial++ {
		m := 0.9 + 3*rng.Float64()
		vals := make([]int, 1+rng.IntN(8))
		for i := range vals {
			vals[i] = rng.IntN(929)
		}
		line := pdfRenderLine(vals, trial%3, m)
		px := make([]bool, rng.IntN(20), len(line)+40)
		px = append(px, line...)
		px = append(px, make([]bool, rng.IntN(20))...)
		if trial%4 == 1 {
			px = px[:rng.IntN(len(px)-2)+3]
		}
		switch trial % 6 {
		case 2, 5:
			// A stretch wiped white or black (a pattern's closing
			// space running into white, runs wider than any
			// codeword), and a wide margin.
			a := rng.IntN(len(px))
			b := a + rng.IntN(len(px)-a+1)
			if trial%6 == 5 {
				b = len(px)
			}
			for i := a; i < b; i++ {
				px[i] = trial%12 == 2
			}
			px = append(px, make([]bool, rng.IntN(int(40*m)))...)
		}
		noise := rng.IntN(4) * 10
		for i := range px {
			if noise > 0 && rng.IntN(noise*3) == 0 {
				px[i] = !px[i]
			}
		}
		// The same pixels on a grid, read along its row 1.
		row := make([][]bool, 3)
		for y := range row {
			row[y] = px
		}
		g := bitsFromMatrix(matrixOf(row, rng)).view(0)
		startM, stopM := m*(0.9+0.2*rng.Float64()), m*(0.9+0.2*rng.Float64())
		switch trial % 5 {
		case 3:
			startM = 0
		case 4:
			stopM = 0
		}
		for _, slots := range []int{1, 2, len(vals)} {
			for _, fuzzy := range []bool{false, true} {
				wantCW, wantCL := refReadCodewords(px, slots, startM, stopM, look, fuzzy)
				gotCW, gotCL := readCodewords(scanOf(px), slots, startM, stopM, look, fuzzy)
				if !slices.Equal(gotCW, wantCW) || !slices.Equal(gotCL, wantCL) {
					t.Fatalf("trial %d, %d slots, fuzzy %v: read %v %v, want %v %v", trial, slots, fuzzy, gotCW, gotCL, wantCW, wantCL)
				}
				l := g.scan([2]float64{0, 1}, [2]float64{float64(len(px) - 1), 1})
				if l == nil || l.n != len(px) {
					t.Fatalf("trial %d: the line across the grid is not the row", trial)
				}
				gotCW, gotCL = readCodewords(l, slots, startM, stopM, look, fuzzy)
				if !slices.Equal(gotCW, wantCW) || !slices.Equal(gotCL, wantCL) {
					t.Fatalf("trial %d, %d slots, fuzzy %v, sampled: read %v %v, want %v %v", trial, slots, fuzzy, gotCW, gotCL, wantCW, wantCL)
				}
				for _, v := range wantCW {
					if v >= 0 {
						read++
					}
				}
			}
		}
	}
	if read < 10000 {
		t.Errorf("only %d codewords read: the inputs do not test much", read)
	}
}

// refEval is gf929Tables.eval as it was: Horner's rule with the log
// tables.
func refEval(t *gf929Tables, p gfPoly, x int) int {
	if x == 0 {
		return p.coef(0)
	}
	r := 0
	for _, c := range p {
		r = gfAdd(t.mul(x, r), c)
	}
	return r
}

// TestEvalMatchesReference asserts that eval gives what the reference
// version gives for every x of the field on random polynomials, with
// coefficients in the field and beyond it (a count of codewords in the
// first), and that mul is the integers' product modulo 929.
func TestEvalMatchesReference(t *testing.T) {
	gf := newGF929()
	for a := 0; a < gf929; a++ {
		for b := 0; b < gf929; b++ {
			if gf.mul(a, b) != a*b%gf929 {
				t.Fatalf("mul(%d, %d) = %d, want %d", a, b, gf.mul(a, b), a*b%gf929)
			}
		}
	}
	rng := rand.New(rand.NewPCG(14, 15))
	for k := 0; k < 300; k++ {
		p := make(gfPoly, 1+rng.IntN(60))
		for i := range p {
			p[i] = rng.IntN(gf929)
			if k%3 == 0 && rng.IntN(10) == 0 {
				p[i] = rng.IntN(3000)
			}
		}
		for x := 0; x < gf929; x++ {
			if got, want := gf.eval(p, x), refEval(gf, p, x); got != want {
				t.Fatalf("eval(%v, %d) = %d, want %d", p, x, got, want)
			}
		}
	}
}

// TestRunEnd asserts that pdfScan.runEnd finds the first pixel unlike c
// as a pixel-by-pixel search does, on random lines of runs of every
// length, from every start and up to random stops.
func TestRunEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 17))
	for k := 0; k < 300; k++ {
		px := make([]bool, 1+rng.IntN(300))
		v := rng.IntN(2) == 0
		for i := range px {
			if rng.IntN(1+k%70) == 0 {
				v = !v
			}
			px[i] = v
		}
		l := scanOf(px)
		for x := 0; x < len(px); x++ {
			stop := x + rng.IntN(len(px)-x+1)
			for _, c := range []bool{false, true} {
				want := x
				for want < stop && px[want] == c {
					want++
				}
				if got := l.runEnd(x, c, stop); got != want {
					t.Fatalf("runEnd(%d, %v, %d) on %v = %d, want %d", x, c, stop, px, got, want)
				}
			}
		}
	}
}
