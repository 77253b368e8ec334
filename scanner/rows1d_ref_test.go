package scanner

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
)

// The reference versions below are the 1D row prefilters (and the runs
// they read) as they were before they were made faster (commit 51da927);
// TestPrefiltersMatchReference checks that the fast versions give the
// same answers on every row.

// refBarRuns is barRuns as of 51da927.
func refBarRuns(row *gozxing.BitArray, runs []int) []int {
	runs = runs[:0]
	w := row.GetSize()
	x := row.GetNextSet(0)
	black := true
	for x < w {
		next := row.GetNextUnset(x)
		if !black {
			next = row.GetNextSet(x)
		}
		runs = append(runs, next-x)
		x, black = next, !black
	}
	return runs
}

// refReversedRuns is reversedRuns as of 51da927.
func refReversedRuns(runs []int, lead int, buf []int) ([]int, int) {
	n := len(runs)
	trail := 0
	if n%2 == 0 && n > 0 {
		// The row ends in white: the lead of the reversed row.
		trail, n = runs[n-1], n-1
	}
	buf = buf[:0]
	for i := n - 1; i >= 0; i-- {
		buf = append(buf, runs[i])
	}
	if lead > 0 {
		buf = append(buf, lead)
	}
	return buf, trail
}

// refFirstStart is firstStart as of 51da927.
func refFirstStart(runs []int, n int, isStart func(c []int) bool) int {
	for i := 0; i+n < len(runs); i += 2 {
		c := runs[i : i+n]
		if !isStart(c) || i > 0 && runs[i-1] < sum(c)/2 {
			continue
		}
		return i
	}
	return -1
}

// refCode39Could is code39Could as of 51da927.
func refCode39Could(runs []int, lead int) bool {
	i := refFirstStart(runs, 9, func(c []int) bool { return star(c, 1, 4, 6) && code39NarrowWide(c) == code39Asterisk })
	if i < 0 {
		return false
	}
	// Two characters after the start and the gap that follows it, or
	// the '*' that ends the code.
	for j, n := i+10, 0; n < 2; j, n = j+10, n+1 {
		if j+9 > len(runs) {
			return false
		}
		p := code39NarrowWide(runs[j : j+9])
		if p == code39Asterisk {
			return true
		}
		if !slices.Contains(code39Encodings[:], p) {
			return false
		}
	}
	return true
}

// refCode128Could is code128Could as of 51da927.
func refCode128Could(runs []int, lead int) bool {
	i := refFirstStart(runs, 6, func(c []int) bool {
		// START A, B and C all begin with bars and space of 2, 1 and 1
		// modules: runs that cannot fit those fit none of them.
		return fitsSums(c[:3], sum(c), code128StartLead[:], 11, 70) && refCode128Match(c, 103, 106) >= 0
	})
	if i < 0 {
		return false
	}
	// Three characters after the start, or STOP.
	for j, n := i+6, 0; n < 3; j, n = j+6, n+1 {
		if j+6 > len(runs) {
			return false
		}
		switch m := refCode128Match(runs[j:j+6], 0, len(code128Patterns)); {
		case m < 0, m >= 103 && m <= 105:
			return false
		case m == 106:
			return true
		}
	}
	return true
}

// refCode128Match is code128Match as of 51da927.
func refCode128Match(c []int, from, to int) int {
	best, bestVar := -1, 0.25
	t := sum(c)
	for k := from; k < to; k++ {
		// Every pattern is 11 modules wide.
		if !fitsSums(c, t, code128Patterns[k][:], 11, 70) {
			continue
		}
		if v := oned.PatternMatchVariance(c, code128Patterns[k][:], 0.7); v < bestVar {
			best, bestVar = k, v
		}
	}
	return best
}

// refItfCould is itfCould as of 51da927.
func refItfCould(runs []int, lead int, back []int, backLead int) bool {
	narrow := []int{1, 1, 1, 1}
	start := lead
	// The reader tests four runs when the run after them begins.
	i := 0
	for ; i+4 < len(runs); i += 2 {
		if i > 0 {
			start += runs[i-2] + runs[i-1]
		}
		if refFits(runs[i:i+4], narrow, 50) && oned.PatternMatchVariance(runs[i:i+4], narrow, 0.5) < 0.38 {
			break
		}
	}
	if i+4 >= len(runs) {
		return false
	}
	width := sum(runs[i:i+4]) / 4 // the reader's narrow line width
	if i > 0 && runs[i-1] < min(width*10, start) {
		return false
	}
	j, endStart := refItfEnd(back, backLead, []int{1, 1, 2})
	if j < 0 {
		j, endStart = refItfEnd(back, backLead, []int{1, 1, 3})
	}
	if j < 0 || j > 0 && back[j-1] < min(width*10, endStart) {
		return false
	}
	// The digits run from the start pattern's end up to the end
	// pattern's start (counted from the row's end); the last pair may
	// run past it.
	size := lead + sum(runs)
	payloadEnd := size - (endStart + sum(back[j:j+3]))
	at := lead + sum(runs[:i+4])
	var black, white [5]int
	for k := i + 4; at < payloadEnd; k += 10 {
		if k+10 > len(runs) {
			return false
		}
		for d := 0; d < 5; d++ {
			black[d], white[d] = runs[k+2*d], runs[k+2*d+1]
		}
		if !itfDigit(black[:]) || !itfDigit(white[:]) {
			return false
		}
		at += sum(runs[k : k+10])
	}
	return true
}

// refItfEnd is itfEnd as of 51da927.
func refItfEnd(runs []int, lead int, pattern []int) (int, int) {
	at := lead
	for j := 0; j+3 < len(runs); j += 2 {
		if refFits(runs[j:j+3], pattern, 50) && oned.PatternMatchVariance(runs[j:j+3], pattern, 0.5) < 0.38 {
			return j, at
		}
		at += runs[j] + runs[j+1]
	}
	return -1, 0
}

// refUpcFormats is upcFormats as of 51da927.
func refUpcFormats(runs []int, lead int) int {
	guard := []int{1, 1, 1}
	for i := 0; i+3 < len(runs); {
		c := runs[i : i+3]
		if !refFits(c, guard, 70) || oned.PatternMatchVariance(c, guard, 0.7) >= 0.48 {
			i += 2
			continue
		}
		before := lead
		if i > 0 {
			before = runs[i-1]
		}
		if before < sum(c) {
			i += 4
			continue
		}
		f := refUpcSix(runs, i+3)
		if f&upcEAN13 != 0 {
			m := refUpcGuard(runs, i+3+24, upcMiddleGuard)
			if m < 0 || !refUpcDigits(runs, m+5, 6, oned.UPCEANReader_L_PATTERNS) || !refUpcEnd(runs, m+5+24, guard) {
				f &^= upcEAN13
			}
		}
		if f&upcUPCE != 0 && !refUpcEnd(runs, i+3+24, upcEEndGuard) {
			f &^= upcUPCE
		}
		if refUpcDigits(runs, i+3, 4, oned.UPCEANReader_L_PATTERNS) {
			m := refUpcGuard(runs, i+3+16, upcMiddleGuard)
			if m >= 0 && refUpcDigits(runs, m+5, 4, oned.UPCEANReader_L_PATTERNS) && refUpcEnd(runs, m+5+16, guard) {
				f |= upcEAN8
			}
		}
		return f
	}
	return 0
}

// refUpcGuard is upcGuard as of 51da927.
func refUpcGuard(runs []int, at int, guard []int) int {
	n := len(guard)
	for j := at; j+n < len(runs); j += 2 {
		if refFits(runs[j:j+n], guard, 70) && oned.PatternMatchVariance(runs[j:j+n], guard, 0.7) < 0.48 {
			return j
		}
	}
	return -1
}

// refUpcEnd is upcEnd as of 51da927.
func refUpcEnd(runs []int, at int, guard []int) bool {
	j := refUpcGuard(runs, at, guard)
	if j < 0 {
		return false
	}
	width, quiet := sum(runs[j:j+len(guard)]), runs[j+len(guard)]
	if j+len(guard) == len(runs)-1 {
		// The white runs to the row's end, which must come after the
		// quiet zone's.
		return quiet > width
	}
	return quiet >= width
}

// refUpcSix is upcSix as of 51da927.
func refUpcSix(runs []int, at int) int {
	parities := 0
	for d := 0; d < 6; d++ {
		j := at + 4*d
		if j+4 > len(runs) {
			return upcEAN13 | upcUPCE
		}
		best, bestVar := -1, 0.48
		t := sum(runs[j : j+4])
		for k, p := range oned.UPCEANReader_L_AND_G_PATTERNS {
			// Every digit is 7 modules wide.
			if !fitsSums(runs[j:j+4], t, p, 7, 70) {
				continue
			}
			if v := oned.PatternMatchVariance(runs[j:j+4], p, 0.7); v < bestVar {
				best, bestVar = k, v
			}
		}
		if best < 0 {
			return 0
		}
		if best >= 10 {
			parities |= 1 << (5 - d)
		}
	}
	f := 0
	if slices.Contains(upcParities[:10], parities) {
		f |= upcEAN13
	}
	if slices.Contains(upcParities[10:], parities) {
		f |= upcUPCE
	}
	return f
}

// refUpcDigits is upcDigits as of 51da927.
func refUpcDigits(runs []int, at, n int, patterns [][]int) bool {
	for d := 0; d < n; d++ {
		j := at + 4*d
		if j+4 > len(runs) {
			return true
		}
		ok := false
		for _, p := range patterns {
			if refFits(runs[j:j+4], p, 70) && oned.PatternMatchVariance(runs[j:j+4], p, 0.7) < 0.48 {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// refFits is fits as of 51da927.
func refFits(runs, pattern []int, maxIndividual int) bool {
	return fitsSums(runs, sum(runs), pattern, sum(pattern), maxIndividual)
}

// TestPrefiltersMatchReference checks that the row prefilters, and the
// runs they read, answer as the reference versions on rows of rendered
// codes of every symbology (at random scales, between random bars, with
// flipped pixels), rows of random bars and runs of random widths near
// the patterns' own, both ways.
func TestPrefiltersMatchReference(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var ms []*gozxing.BitMatrix
	for _, c := range []struct {
		f    gozxing.BarcodeFormat
		w    gozxing.Writer
		text string
	}{
		{gozxing.BarcodeFormat_EAN_13, oned.NewEAN13Writer(), "5901234123457"},
		{gozxing.BarcodeFormat_EAN_8, oned.NewEAN8Writer(), "96385074"},
		{gozxing.BarcodeFormat_UPC_E, oned.NewUPCEWriter(), "01234565"},
		{gozxing.BarcodeFormat_UPC_A, oned.NewUPCAWriter(), "036000291452"},
		{gozxing.BarcodeFormat_CODE_39, oned.NewCode39Writer(), "PARCEL42"},
		{gozxing.BarcodeFormat_CODE_128, oned.NewCode128Writer(), "1Z999AA10123456784"},
		{gozxing.BarcodeFormat_ITF, oned.NewITFWriter(), "00012345678905"},
	} {
		m, err := c.w.Encode(c.text, c.f, 0, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	n := 30000
	if testing.Short() {
		n = 6000
	}
	var runs, rev []int
	passed := map[string]int{}
	for k := 0; k < n; k++ {
		var row *gozxing.BitArray
		switch m := ms[k%len(ms)]; k % 4 {
		case 0, 1:
			row = renderedRow(rng, m, k%4 == 1)
		case 2:
			row = randomBarsRow(rng, 60+rng.Intn(600), 1+rng.Intn(6))
		default:
			row = nearPatternRow(rng)
		}
		for f := rng.Intn(8); f > 0; f-- {
			row.Flip(rng.Intn(row.GetSize()))
		}
		runs = barRuns(row, runs)
		if want := refBarRuns(row, nil); !slices.Equal(runs, want) {
			t.Fatalf("barRuns(%v) = %v, want %v", row, runs, want)
		}
		lead := row.GetNextSet(0)
		var trail int
		rev, trail = reversedRuns(runs, lead, rev)
		wantRev, wantTrail := refReversedRuns(runs, lead, nil)
		if !slices.Equal(rev, wantRev) || trail != wantTrail {
			t.Fatalf("reversedRuns(%v, %d) = %v, %d, want %v, %d", runs, lead, rev, trail, wantRev, wantTrail)
		}
		for dir := 0; dir < 2; dir++ {
			rs, l, back, bl := runs, lead, rev, trail
			if dir == 1 {
				rs, l, back, bl = rev, trail, runs, lead
			}
			check := func(what string, got, want any) {
				t.Helper()
				if got != want {
					t.Fatalf("%s(%v, %d) = %v, reference %v", what, rs, l, got, want)
				}
				if got != false && got != 0 {
					passed[what]++
				}
			}
			check("code39Could", code39Could(rs, l), refCode39Could(rs, l))
			check("code128Could", code128Could(rs, l), refCode128Could(rs, l))
			check("itfCould", itfCould(rs, l, back, bl), refItfCould(rs, l, back, bl))
			check("upcFormats", upcFormats(rs, l), refUpcFormats(rs, l))
			for at := 0; at < len(rs) && k%20 == 0; at++ {
				// The searches' parts too, from every run of some rows.
				f, ean8 := upcSix(rs, at)
				if wf, w8 := refUpcSix(rs, at), refUpcDigits(rs, at, 4, oned.UPCEANReader_L_PATTERNS); f != wf || ean8 != w8 {
					t.Fatalf("upcSix(%v, %d) = %v, %v, reference %v, %v", rs, at, f, ean8, wf, w8)
				}
				for _, n := range []int{4, 6} {
					if got, want := upcDigits(rs, at, n), refUpcDigits(rs, at, n, oned.UPCEANReader_L_PATTERNS); got != want {
						t.Fatalf("upcDigits(%v, %d, %d) = %v, reference %v", rs, at, n, got, want)
					}
				}
				for _, g := range [][]int{{1, 1, 1}, upcMiddleGuard, upcEEndGuard} {
					if got, want := upcGuard(rs, at, g), refUpcGuard(rs, at, g); got != want {
						t.Fatalf("upcGuard(%v, %d, %v) = %v, reference %v", rs, at, g, got, want)
					}
				}
				if at%2 == 0 && at+6 <= len(rs) {
					c := rs[at : at+6]
					if got, want := code128Match(c, 0, len(code128Patterns)), refCode128Match(c, 0, len(code128Patterns)); got != want {
						t.Fatalf("code128Match(%v) = %d, reference %d", c, got, want)
					}
				}
			}
		}
	}
	for _, what := range []string{"code39Could", "code128Could", "itfCould", "upcFormats"} {
		if passed[what] < 100 {
			t.Errorf("%s passed only %d rows: the test rows are not varied enough", what, passed[what])
		}
	}
}

// renderedRow returns the code of m (one row high) at a random scale and
// offset, sometimes between random bars.
func renderedRow(rng *rand.Rand, m *gozxing.BitMatrix, junk bool) *gozxing.BitArray {
	base := m.GetWidth()
	scale := 1 + rng.Float64()*3
	w := int(float64(base)*scale) + rng.Intn(40)
	off := rng.Intn(30)
	row := gozxing.NewBitArray(w + off)
	for x := 0; x < w; x++ {
		if sx := int(float64(x) / scale); sx < base && m.Get(sx, 0) {
			row.Set(x + off)
		}
	}
	if junk {
		row = withJunk(rng, row, off, w)
	}
	return row
}

// randomBarsRow returns a row of w pixels of bars and spaces of random
// widths up to maxRun, from a random offset.
func randomBarsRow(rng *rand.Rand, w, maxRun int) *gozxing.BitArray {
	row := gozxing.NewBitArray(w)
	for x, black := rng.Intn(20), rng.Intn(2) == 0; x < w; black = !black {
		l := 1 + rng.Intn(maxRun)
		for i := x; i < min(x+l, w) && black; i++ {
			row.Set(i)
		}
		x += l
	}
	return row
}

// nearPatternRow returns a row of runs of one to four modules of a random
// width, each a pixel or so off: runs that fit many patterns, and miss
// some by a hair.
func nearPatternRow(rng *rand.Rand) *gozxing.BitArray {
	scale := 1 + rng.Intn(5)
	var widths []int
	total := rng.Intn(30)
	for total < 400 {
		v := max(1, (1+rng.Intn(4))*scale+rng.Intn(3)-1)
		widths = append(widths, v)
		total += v
	}
	row := gozxing.NewBitArray(total + rng.Intn(30))
	x := total
	for i := len(widths) - 1; i >= 0; i-- {
		x -= widths[i]
		if i%2 == 0 {
			for j := x; j < x+widths[i]; j++ {
				row.Set(j)
			}
		}
	}
	return row
}

// BenchmarkPrefilters measures the prefilters (and barRuns) on rows of
// random bars, rendered codes and runs near the patterns, both ways, next
// to the reference versions (ref).
func BenchmarkPrefilters(b *testing.B) {
	rng := rand.New(rand.NewSource(3))
	m, err := oned.NewEAN13Writer().Encode("5901234123457", gozxing.BarcodeFormat_EAN_13, 0, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	var rows []*gozxing.BitArray
	for k := 0; k < 600; k++ {
		switch k % 6 {
		case 0:
			rows = append(rows, renderedRow(rng, m, true))
		case 1:
			rows = append(rows, nearPatternRow(rng))
		default:
			rows = append(rows, randomBarsRow(rng, 1000, 1+rng.Intn(8)))
		}
	}
	for _, f := range []struct {
		name            string
		runs            func(*gozxing.BitArray, []int) []int
		rev             func([]int, int, []int) ([]int, int)
		code39, code128 func([]int, int) bool
		itf             func([]int, int, []int, int) bool
		upc             func([]int, int) int
	}{
		{"ours", barRuns, reversedRuns, code39Could, code128Could, itfCould, upcFormats},
		{"ref", refBarRuns, refReversedRuns, refCode39Could, refCode128Could, refItfCould, refUpcFormats},
	} {
		b.Run(f.name, func(b *testing.B) {
			var runs, rev []int
			for b.Loop() {
				for _, row := range rows {
					runs = f.runs(row, runs)
					lead := row.GetNextSet(0)
					var trail int
					rev, trail = f.rev(runs, lead, rev)
					for dir := 0; dir < 2; dir++ {
						rs, l, back, bl := runs, lead, rev, trail
						if dir == 1 {
							rs, l, back, bl = rev, trail, runs, lead
						}
						f.code39(rs, l)
						f.code128(rs, l)
						f.itf(rs, l, back, bl)
						f.upc(rs, l)
					}
				}
			}
		})
	}
}
