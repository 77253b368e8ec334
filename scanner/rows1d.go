package scanner

// This file holds the checks a 1D read must pass before it is reported:
// enough bars in the row, quiet zones, a band of agreeing rows, and the
// guards against rows of stacked symbols.

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
)

// barsEnough tells whether row has at least minBars bars.
func barsEnough(row *gozxing.BitArray) bool {
	n, x, w := 0, 0, row.GetSize()
	for x < w {
		x = row.GetNextSet(x)
		if x >= w {
			break
		}
		n++
		if n >= minBars {
			return true
		}
		x = row.GetNextUnset(x)
	}
	return false
}

// barRuns returns the widths of row's runs from its first bar on,
// alternately bar and space, in runs (reused).
func barRuns(row *gozxing.BitArray, runs []int) []int {
	// rowRuns's first run is the white before the first bar (0 when the
	// row starts dark).
	runs = rowRuns(row.GetBitArray(), row.GetSize(), runs[:0])
	if len(runs) == 0 {
		return runs
	}
	copy(runs, runs[1:])
	return runs[:len(runs)-1]
}

// The prefilters below each follow one of gozxing's 1D readers through
// a row's runs (from barRuns, led by lead white pixels) in one reading
// direction, up to the first check the reader fails on: its start pattern,
// the quiet zone before it and its first characters. A row none passes
// either way is not handed to that reader, which would fail on it slowly
// (every failure builds an error with a stack trace). They may pass rows
// the reader fails on, never skip one it reads
// (TestRowPrefiltersKeepReadableRows).

// reversedRuns returns runs read from the row's other end: from its last
// bar backwards, led by the white after it, in buf (reused).
func reversedRuns(runs []int, lead int, buf []int) ([]int, int) {
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

// code39Could tells whether gozxing's Code 39 reader could read runs: it
// takes the first '*' (nine runs from a bar whose three widest, and only
// those, are the 2nd, 5th and 7th) with white of half its width before
// it, then reads characters after the gap that follows until the next
// '*', and fails on the first run of nine that is no character.
func code39Could(runs []int, lead int) bool {
	i := firstStart(runs, 9, func(c []int, _ int) bool { return star(c, 1, 4, 6) && code39NarrowWide(c) == code39Asterisk })
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

// firstStart returns where the reader of a 1D code whose start pattern is
// n runs from a bar (isStart tells one) begins: at the first start, tested
// when the run after it begins, with white of half its width before it
// (or only white up to the row's start). It returns -1 when there is none.
// gozxing's Code 39 and Code 128 readers search so, and read on from the
// first such start only. isStart is given the window's width t too, and
// asked only about windows with that white before them: that test is
// cheap and rejects most.
func firstStart(runs []int, n int, isStart func(c []int, t int) bool) int {
	if n >= len(runs) {
		return -1
	}
	t := sum(runs[:n])
	for i := 0; i+n < len(runs); i += 2 {
		if i > 0 {
			// Slide the window's width on by two runs.
			t += runs[i+n-2] + runs[i+n-1] - runs[i-2] - runs[i-1]
			if runs[i-1] < t/2 {
				continue
			}
		}
		if isStart(runs[i:i+n], t) {
			return i
		}
	}
	return -1
}

// code39Asterisk and code39Encodings are Code 39's '*' and its 43 other
// characters as narrow (0) and wide (1) runs, first run in the high bit.
const code39Asterisk = 0x094

var code39Encodings = [43]int{
	0x034, 0x121, 0x061, 0x160, 0x031, 0x130, 0x070, 0x025, 0x124, 0x064,
	0x109, 0x049, 0x148, 0x019, 0x118, 0x058, 0x00D, 0x10C, 0x04C, 0x01C,
	0x103, 0x043, 0x142, 0x013, 0x112, 0x052, 0x007, 0x106, 0x046, 0x016,
	0x181, 0x0C1, 0x1C0, 0x091, 0x190, 0x0D0, 0x085, 0x184, 0x0C4, 0x0A8,
	0x0A2, 0x08A, 0x02A,
}

// code39NarrowWide classifies nine runs as gozxing's Code 39 reader does:
// the narrowest width that leaves exactly three runs wider marks them
// wide, unless one of those is half the three's total or more. It returns
// -1 when no width does.
func code39NarrowWide(c []int) int {
	maxNarrow := 0
	for {
		minRun := math.MaxInt
		for _, v := range c {
			if v < minRun && v > maxNarrow {
				minRun = v
			}
		}
		maxNarrow = minRun
		wide, wideWidth, pattern := 0, 0, 0
		for i, v := range c {
			if v > maxNarrow {
				pattern |= 1 << (len(c) - 1 - i)
				wide++
				wideWidth += v
			}
		}
		if wide == 3 {
			for _, v := range c {
				if v > maxNarrow && 2*v >= wideWidth {
					return -1
				}
			}
			return pattern
		}
		if wide < 3 {
			return -1
		}
	}
}

// code128Could tells whether gozxing's Code 128 reader could read runs:
// it takes the first start character (six runs from a bar matching START
// A, B or C with an average variance under 0.25, none over 0.7, when the
// run after them begins) with white of half its width before it, then
// reads characters of six runs until STOP, and fails on the first that
// matches no pattern as closely or is another start.
func code128Could(runs []int, lead int) bool {
	i := firstStart(runs, 6, func(c []int, t int) bool {
		// START A, B and C all begin with bars and space of 2, 1 and 1
		// modules: runs that cannot fit those fit none of them.
		return fitsSums(c[:3], t, code128StartLead[:], 11, 70) && code128Start(c, t)
	})
	if i < 0 {
		return false
	}
	// Three characters after the start, or STOP.
	for j, n := i+6, 0; n < 3; j, n = j+6, n+1 {
		if j+6 > len(runs) {
			return false
		}
		switch m := code128Match(runs[j:j+6], 0, len(code128Patterns)); {
		case m < 0, m >= 103 && m <= 105:
			return false
		case m == 106:
			return true
		}
	}
	return true
}

// code128Start tells whether c's six runs (t wide, their first three
// fitting code128StartLead) match one of START A, B and C as gozxing's
// reader matches them: code128Match(c, 103, 106) >= 0, without testing
// the shared first three runs again.
func code128Start(c []int, t int) bool {
	for k := 103; k <= 105; k++ {
		p := code128Patterns[k][:]
		if fitsSums(c[3:], t, p[3:], 11, 70) && matches(c, t, p, 11, 70, 250) {
			return true
		}
	}
	return false
}

// code128Match returns the pattern of code128Patterns[from:to] that c's
// six runs match best, as gozxing's reader matches them, or -1.
func code128Match(c []int, from, to int) int {
	best, bestVar := -1, 0.25
	t := sum(c)
	for k := from; k < to; k++ {
		// Every pattern is 11 modules wide.
		if !fitsSums(c, t, code128Patterns[k][:], 11, 70) || !near(c, t, code128Patterns[k][:], 11, 250) {
			continue
		}
		if v := oned.PatternMatchVariance(c, code128Patterns[k][:], 0.7); v < bestVar {
			best, bestVar = k, v
		}
	}
	return best
}

// code128StartLead is the first three runs of Code 128's three start
// characters.
var code128StartLead = [3]int{2, 1, 1}

// code128Patterns are Code 128's 103 characters, START A, B and C (103-105)
// and the first six runs of STOP (106), in modules.
var code128Patterns = [107][6]int{
	{2, 1, 2, 2, 2, 2}, {2, 2, 2, 1, 2, 2}, {2, 2, 2, 2, 2, 1}, {1, 2, 1, 2, 2, 3}, {1, 2, 1, 3, 2, 2}, {1, 3, 1, 2, 2, 2},
	{1, 2, 2, 2, 1, 3}, {1, 2, 2, 3, 1, 2}, {1, 3, 2, 2, 1, 2}, {2, 2, 1, 2, 1, 3}, {2, 2, 1, 3, 1, 2}, {2, 3, 1, 2, 1, 2},
	{1, 1, 2, 2, 3, 2}, {1, 2, 2, 1, 3, 2}, {1, 2, 2, 2, 3, 1}, {1, 1, 3, 2, 2, 2}, {1, 2, 3, 1, 2, 2}, {1, 2, 3, 2, 2, 1},
	{2, 2, 3, 2, 1, 1}, {2, 2, 1, 1, 3, 2}, {2, 2, 1, 2, 3, 1}, {2, 1, 3, 2, 1, 2}, {2, 2, 3, 1, 1, 2}, {3, 1, 2, 1, 3, 1},
	{3, 1, 1, 2, 2, 2}, {3, 2, 1, 1, 2, 2}, {3, 2, 1, 2, 2, 1}, {3, 1, 2, 2, 1, 2}, {3, 2, 2, 1, 1, 2}, {3, 2, 2, 2, 1, 1},
	{2, 1, 2, 1, 2, 3}, {2, 1, 2, 3, 2, 1}, {2, 3, 2, 1, 2, 1}, {1, 1, 1, 3, 2, 3}, {1, 3, 1, 1, 2, 3}, {1, 3, 1, 3, 2, 1},
	{1, 1, 2, 3, 1, 3}, {1, 3, 2, 1, 1, 3}, {1, 3, 2, 3, 1, 1}, {2, 1, 1, 3, 1, 3}, {2, 3, 1, 1, 1, 3}, {2, 3, 1, 3, 1, 1},
	{1, 1, 2, 1, 3, 3}, {1, 1, 2, 3, 3, 1}, {1, 3, 2, 1, 3, 1}, {1, 1, 3, 1, 2, 3}, {1, 1, 3, 3, 2, 1}, {1, 3, 3, 1, 2, 1},
	{3, 1, 3, 1, 2, 1}, {2, 1, 1, 3, 3, 1}, {2, 3, 1, 1, 3, 1}, {2, 1, 3, 1, 1, 3}, {2, 1, 3, 3, 1, 1}, {2, 1, 3, 1, 3, 1},
	{3, 1, 1, 1, 2, 3}, {3, 1, 1, 3, 2, 1}, {3, 3, 1, 1, 2, 1}, {3, 1, 2, 1, 1, 3}, {3, 1, 2, 3, 1, 1}, {3, 3, 2, 1, 1, 1},
	{3, 1, 4, 1, 1, 1}, {2, 2, 1, 4, 1, 1}, {4, 3, 1, 1, 1, 1}, {1, 1, 1, 2, 2, 4}, {1, 1, 1, 4, 2, 2}, {1, 2, 1, 1, 2, 4},
	{1, 2, 1, 4, 2, 1}, {1, 4, 1, 1, 2, 2}, {1, 4, 1, 2, 2, 1}, {1, 1, 2, 2, 1, 4}, {1, 1, 2, 4, 1, 2}, {1, 2, 2, 1, 1, 4},
	{1, 2, 2, 4, 1, 1}, {1, 4, 2, 1, 1, 2}, {1, 4, 2, 2, 1, 1}, {2, 4, 1, 2, 1, 1}, {2, 2, 1, 1, 1, 4}, {4, 1, 3, 1, 1, 1},
	{2, 4, 1, 1, 1, 2}, {1, 3, 4, 1, 1, 1}, {1, 1, 1, 2, 4, 2}, {1, 2, 1, 1, 4, 2}, {1, 2, 1, 2, 4, 1}, {1, 1, 4, 2, 1, 2},
	{1, 2, 4, 1, 1, 2}, {1, 2, 4, 2, 1, 1}, {4, 1, 1, 2, 1, 2}, {4, 2, 1, 1, 1, 2}, {4, 2, 1, 2, 1, 1}, {2, 1, 2, 1, 4, 1},
	{2, 1, 4, 1, 2, 1}, {4, 1, 2, 1, 2, 1}, {1, 1, 1, 1, 4, 3}, {1, 1, 1, 3, 4, 1}, {1, 3, 1, 1, 4, 1}, {1, 1, 4, 1, 1, 3},
	{1, 1, 4, 3, 1, 1}, {4, 1, 1, 1, 1, 3}, {4, 1, 1, 3, 1, 1}, {1, 1, 3, 1, 4, 1}, {1, 1, 4, 1, 3, 1}, {3, 1, 1, 1, 4, 1},
	{4, 1, 1, 1, 3, 1}, {2, 1, 1, 4, 1, 2}, {2, 1, 1, 2, 1, 4}, {2, 1, 1, 2, 3, 2}, {2, 3, 3, 1, 1, 1},
}

// itfCould tells whether gozxing's ITF reader could read runs (back are
// the same row's runs read from its other end, led by backLead white
// pixels, as reversedRuns gives them). It follows the reader: the first
// four runs from a bar that match four narrow lines (average variance
// under 0.38, none over 0.5), white of ten narrow widths (or up to the
// row's start) before them; the end pattern sought from the row's other
// end (narrow, narrow, wide: twice a narrow width first, then three
// times), with the same quiet zone; then pairs of digits, ten runs each,
// from the start up to the end pattern. Only the lengths the reader allows
// are not checked.
func itfCould(runs []int, lead int, back []int, backLead int) bool {
	narrow := []int{1, 1, 1, 1}
	start := lead
	// The reader tests four runs when the run after them begins.
	i := 0
	for ; i+4 < len(runs); i += 2 {
		if i > 0 {
			start += runs[i-2] + runs[i-1]
		}
		c := runs[i : i+4]
		t := c[0] + c[1] + c[2] + c[3]
		if matches(c, t, narrow, 4, 50, 380) {
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
	j, endStart := itfEnd(back, backLead, []int{1, 1, 2})
	if j < 0 {
		j, endStart = itfEnd(back, backLead, []int{1, 1, 3})
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

// itfEnd returns the first window of runs (from a bar, stepping two runs,
// tested when the run after it begins) matching pattern as gozxing's ITF
// reader seeks its reversed end pattern, and the pixel it begins at (lead
// white pixels come first); -1 when there is none.
func itfEnd(runs []int, lead int, pattern []int) (int, int) {
	at, n := lead, sum(pattern)
	for j := 0; j+3 < len(runs); j += 2 {
		c := runs[j : j+3]
		t := c[0] + c[1] + c[2]
		if matches(c, t, pattern, n, 50, 380) {
			return j, at
		}
		at += runs[j] + runs[j+1]
	}
	return -1, 0
}

// itfDigit tells whether five runs (the bars or the spaces of a pair of
// digits) decode as a digit in gozxing's ITF reader: one pattern of its
// twenty (narrow, and wide of two or of three narrow widths) matches
// best, with an average variance under 0.38 that no other pattern ties.
func itfDigit(c []int) bool {
	best, match := 0.38, false
	for _, p := range itfPatterns {
		v := oned.PatternMatchVariance(c, p[:], 0.5)
		switch {
		case v < best:
			best, match = v, true
		case v == best:
			match = false
		}
	}
	return match
}

// itfPatterns are gozxing's ITF digit patterns: 0-9 with wide lines of
// two narrow widths, then of three.
var itfPatterns = [20][5]int{
	{1, 1, 2, 2, 1}, {2, 1, 1, 1, 2}, {1, 2, 1, 1, 2}, {2, 2, 1, 1, 1}, {1, 1, 2, 1, 2},
	{2, 1, 2, 1, 1}, {1, 2, 2, 1, 1}, {1, 1, 1, 2, 2}, {2, 1, 1, 2, 1}, {1, 2, 1, 2, 1},
	{1, 1, 3, 3, 1}, {3, 1, 1, 1, 3}, {1, 3, 1, 1, 3}, {3, 3, 1, 1, 1}, {1, 1, 3, 1, 3},
	{3, 1, 3, 1, 1}, {1, 3, 3, 1, 1}, {1, 1, 1, 3, 3}, {3, 1, 1, 3, 1}, {1, 3, 1, 3, 1},
}

// EAN/UPC symbologies a row could hold, as upcFormats tells them.
const (
	upcEAN13 = 1 << iota // and UPC-A, which gozxing's EAN-13 reader reads
	upcEAN8
	upcUPCE
)

// upcFormats tells which of gozxing's EAN/UPC readers could read runs: it
// takes the first start guard (bar, space, bar of about one width: average
// variance under 0.48, none over 0.7, tested when the run after them
// begins; after a guard without white as wide as itself before it, the
// search goes on from the bar after it), then follows each symbology's
// reader from it. EAN-13 (and UPC-A) and UPC-E begin with six digits
// (four runs each) whose odd and even parities must spell a first digit
// (EAN-13) or a number system and check digit (UPC-E); EAN-13 goes on with
// the middle guard, six digits and the end guard, UPC-E with its end
// guard; EAN-8 has four digits, the middle guard, four digits and the end
// guard. Each ends in white as wide as the end guard that the row goes on
// after. Only the check digit is not checked.
func upcFormats(runs []int, lead int) int {
	guard := []int{1, 1, 1}
	for i := 0; i+3 < len(runs); {
		c := runs[i : i+3]
		t := c[0] + c[1] + c[2]
		if !matches(c, t, guard, 3, 70, 480) {
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
		f, ean8 := upcSix(runs, i+3)
		if f&upcEAN13 != 0 {
			m := upcGuard(runs, i+3+24, upcMiddleGuard)
			if m < 0 || !upcDigits(runs, m+5, 6) || !upcEnd(runs, m+5+24, guard) {
				f &^= upcEAN13
			}
		}
		if f&upcUPCE != 0 && !upcEnd(runs, i+3+24, upcEEndGuard) {
			f &^= upcUPCE
		}
		if ean8 {
			m := upcGuard(runs, i+3+16, upcMiddleGuard)
			if m >= 0 && upcDigits(runs, m+5, 4) && upcEnd(runs, m+5+16, guard) {
				f |= upcEAN8
			}
		}
		return f
	}
	return 0
}

// upcMiddleGuard and upcEEndGuard are EAN's middle guard and UPC-E's end
// guard, from a space.
var (
	upcMiddleGuard = []int{1, 1, 1, 1, 1}
	upcEEndGuard   = []int{1, 1, 1, 1, 1, 1}
)

// upcGuard returns where gozxing's EAN/UPC readers find guard when they
// seek it from runs[at]: the first window of its length there or an even
// number of runs further (tested when the run after it begins) with an
// average variance under 0.48 and none over 0.7; -1 when there is none.
func upcGuard(runs []int, at int, guard []int) int {
	n, width := len(guard), sum(guard)
	for j := at; j+n < len(runs); j += 2 {
		c := runs[j : j+n]
		t := sum(c)
		if matches(c, t, guard, width, 70, 480) {
			return j
		}
	}
	return -1
}

// upcEnd tells whether the end guard sought from runs[at] is there and
// followed by white as wide as itself that ends before the row does, as
// gozxing's EAN/UPC readers require.
func upcEnd(runs []int, at int, guard []int) bool {
	j := upcGuard(runs, at, guard)
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

// upcSix tells whether six digits from runs[at] on decode as EAN-13's or
// UPC-E's first half (upcEAN13, upcUPCE): each group of four runs matches a
// digit (the closest pattern of the twenty, odd or even parity, as the
// reader picks it) and the parities are those of a first digit (EAN-13)
// or of a number system and check digit (UPC-E). A row that ends first
// could be either. It also tells whether the first four digits could be
// EAN-8's (upcDigits(runs, at, 4)), from the variances it computes anyway:
// each matches an odd parity (L) pattern, the first ten, under 0.48.
func upcSix(runs []int, at int) (int, bool) {
	parities := 0
	ean8 := true // until a digit of the first four matches no L pattern
	for d := 0; d < 6; d++ {
		j := at + 4*d
		if j+4 > len(runs) {
			return upcEAN13 | upcUPCE, ean8
		}
		best, bestVar := -1, 0.48
		odd := false // an L pattern matches
		c := runs[j : j+4]
		t := c[0] + c[1] + c[2] + c[3]
		// The patterns in the reader's order, those the runs fit only.
		for set := upcDigitFits(c); set != 0; set &= set - 1 {
			k := bits.TrailingZeros32(set)
			p := oned.UPCEANReader_L_AND_G_PATTERNS[k]
			if !near(c, t, p, 7, 480) {
				continue
			}
			v := oned.PatternMatchVariance(c, p, 0.7)
			if v < bestVar {
				best, bestVar = k, v
			}
			odd = odd || k < 10 && v < 0.48
		}
		if d < 4 && !odd {
			ean8 = false
		}
		if best < 0 {
			return 0, ean8
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
	return f, ean8
}

// upcParities are the digit parities (a bit per digit, first digit
// highest, 1 for even) that EAN-13's first half spells its first digit
// with (the first ten) and that UPC-E spells its number system and check
// digit with (the rest).
var upcParities = [30]int{
	0x00, 0x0B, 0x0D, 0x0E, 0x13, 0x19, 0x1C, 0x15, 0x16, 0x1A,
	0x38, 0x34, 0x32, 0x31, 0x2C, 0x26, 0x23, 0x2A, 0x29, 0x25,
	0x07, 0x0B, 0x0D, 0x0E, 0x13, 0x19, 0x1C, 0x15, 0x16, 0x1A,
}

// upcDigits tells whether the n groups of four runs from runs[at] on each
// match one of the odd parity (L) digit patterns; runs missing at the
// row's end count as matching (the reader's last run may end there).
func upcDigits(runs []int, at, n int) bool {
	for d := 0; d < n; d++ {
		j := at + 4*d
		if j+4 > len(runs) {
			return true
		}
		c := runs[j : j+4]
		t := c[0] + c[1] + c[2] + c[3]
		ok := false
		// The L patterns are the first ten of the twenty.
		for set := upcDigitFits(c) & (1<<10 - 1); set != 0 && !ok; set &= set - 1 {
			p := oned.UPCEANReader_L_AND_G_PATTERNS[bits.TrailingZeros32(set)]
			ok = matches(c, t, p, 7, 70, 480)
		}
		if !ok {
			return false
		}
	}
	return true
}

// upcDigitFits returns the set of oned.UPCEANReader_L_AND_G_PATTERNS (bit
// k for pattern k) that the four runs of c fit as fitsSums tells (with 70
// hundredths of a module; every digit is 7 modules wide). It finds the
// widths in modules that each run fits, the same for all patterns, and
// intersects the patterns with those widths (upcDigitModules) instead of
// testing the twenty patterns one by one.
func upcDigitFits(c []int) uint32 {
	t := c[0] + c[1] + c[2] + c[3]
	set := uint32(1<<20 - 1)
	for i, r := range c[:4] {
		// Run i fits m modules when 100*|7r - m*t| <= 70*t: when
		// 70r-7t <= 10m*t <= 70r+7t. in is all ones then, else zero,
		// without a branch (a photo's runs fall either way at random).
		lo, hi := 70*r-7*t, 70*r+7*t
		var fit uint32
		for m := 1; m <= 4; m++ {
			mt := 10 * m * t
			in := uint32(^(int64(mt-lo) | int64(hi-mt)) >> 63)
			fit |= upcDigitModules[i][m] & in
		}
		set &= fit
	}
	return set
}

// upcDigitModules[i][m] is the set of oned.UPCEANReader_L_AND_G_PATTERNS
// (bit k for pattern k) whose run i is m modules wide (none is wider than
// 4).
var upcDigitModules = [4][5]uint32{
	{0, 0x0adf8, 0xa5006, 0x40201, 0x10000},
	{0, 0xf2654, 0x01923, 0x0c080, 0x00008},
	{0, 0x953c9, 0x48c06, 0x20030, 0x02000},
	{0, 0x7e02b, 0x01a94, 0x80500, 0x00040},
}

// star tells whether a, b and c are the three runs of c9 wider than all
// the others.
func star(c9 []int, a, b, c int) bool {
	wide := min(c9[a], c9[b], c9[c])
	for i, v := range c9 {
		if i != a && i != b && i != c && v >= wide {
			return false
		}
	}
	return true
}

// fits tells whether runs could match pattern in oned.PatternMatchVariance
// with maxIndividual hundredths of a module: false only when a run is
// surely further off (exact integers, no rounding), so that it rejects
// most windows of a row before the float test.
func fits(runs, pattern []int, maxIndividual int) bool {
	return fitsSums(runs, sum(runs), pattern, sum(pattern), maxIndividual)
}

// fitsSums is fits with the sums of runs (t) and of pattern (n) given,
// for a search of many patterns of one length on the same runs.
func fitsSums(runs []int, t int, pattern []int, n, maxIndividual int) bool {
	limit := maxIndividual * t
	// The sign bit of over: set when some run is off by more than limit
	// (one branch for all the runs, which fall either way at random).
	over := 0
	for i, r := range runs {
		d := n*r - pattern[i]*t
		over |= limit - 100*max(d, -d)
	}
	return over >= 0
}

// near tells whether runs (t wide) could match pattern (n modules wide)
// in oned.PatternMatchVariance with an average variance under maxTotal
// thousandths of a module: false only when the exact variance, in
// integers, is over maxTotal+1 thousandths, a margin far wider than the
// float computation's rounding, so that it rejects windows before the
// float test only when that would reject them too.
func near(runs []int, t int, pattern []int, n, maxTotal int) bool {
	// The variance is sum(|n*r - p*t|) / (n*t).
	s := 0
	for i, r := range runs {
		d := n*r - pattern[i]*t
		s += max(d, -d)
	}
	return 1000*s <= (maxTotal+1)*n*t
}

// matches tells whether oned.PatternMatchVariance(runs, pattern,
// maxIndividual/100) < maxTotal/1000, runs being t wide and pattern n
// modules: it computes the variances exactly in integers and asks the
// float function only when one is within a thousandth of a module of its
// limit, a margin far wider than the float computation's rounding (the
// windows a search tests are mostly far off or close matches).
func matches(runs []int, t int, pattern []int, n, maxIndividual, maxTotal int) bool {
	// A run's variance is |n*r - p*t|/n modules' worth of pixels,
	// against a limit of maxIndividual/100 * t/n; their sum over n*t
	// is the average variance.
	sure, s := true, 0
	for i, r := range runs {
		d := n*r - pattern[i]*t
		d = max(d, -d)
		if 1000*d > (10*maxIndividual+1)*t {
			return false
		}
		sure = sure && 1000*d < (10*maxIndividual-1)*t
		s += d
	}
	switch {
	case 1000*s > (maxTotal+1)*n*t:
		return false
	case sure && 1000*s < (maxTotal-1)*n*t:
		return true
	}
	return oned.PatternMatchVariance(runs, pattern, float64(maxIndividual)/100) < float64(maxTotal)/1000
}

// sum returns the sum of runs.
func sum(runs []int) int {
	t := 0
	for _, v := range runs {
		t += v
	}
	return t
}

// span1D returns the horizontal extent of a 1D result in row coordinates
// (not reversed), from its result points.
func span1D(res *gozxing.Result, w int, reversed bool) (x0, x1 float64, ok bool) {
	pts := res.GetResultPoints()
	if len(pts) < 2 || pts[0] == nil || pts[len(pts)-1] == nil {
		return 0, 0, false
	}
	a, b := pts[0].GetX(), pts[len(pts)-1].GetX()
	if reversed {
		a, b = float64(w-1)-a, float64(w-1)-b
	}
	if a > b {
		a, b = b, a
	}
	return a, b, b > a
}

// quietZones checks the white margins that EAN-8 and UPC-E need (as
// zxing-cpp does: their few digits and one check digit are spelt by
// pieces of other codes' bars, which have no quiet zone). x0 and x1 are
// the centres of the start and end guards in row coordinates; row is in
// the orientation it was decoded in.
func quietZones(h hit, row *gozxing.BitArray, x0, x1 float64, w int, reversed bool) bool {
	var span float64 // modules between the guard centres
	switch h.sym {
	case SymEAN8:
		span = 64
	case SymUPCE:
		span = 46.5
	default:
		return true
	}
	const quiet = 5 // modules, the standard asks 7 (9 left of UPC-E)
	m := (x1 - x0) / span
	white := func(from, to float64) bool {
		a, b := int(from), int(to)
		a, b = max(a, 0), min(b, w-1)
		for x := a; x <= b; x++ {
			xx := x
			if reversed {
				xx = w - 1 - x
			}
			if row.Get(xx) {
				return false
			}
		}
		return true
	}
	// Guard centres are 1.5 modules inside the symbol's edges.
	left := x0 - 1.5*m
	right := x1 + 1.5*m
	if h.sym == SymUPCE {
		right = x1 + 3*m // the end guard is 6 modules
	}
	return white(left-quiet*m, left-m) && white(right+m, right+quiet*m)
}

// needsTall tells the symbologies that rows of stacked or 2D symbols
// spell: Code 128 (Codablock-F, Code 16K rows) and the short codes
// (EAN-8, UPC-E, ITF from PDF417 rows). EAN-13, UPC-A and Code 39 are not
// checked: their long patterns with guards are not found in such rows,
// and their photos are often too blurred for many rows to agree.
func needsTall(h hit) bool {
	switch h.sym {
	case SymCode128, SymEAN8, SymUPCE, SymITF:
		return true
	}
	return false
}

// minTall is how tall, as a fraction of its width, a 1D code must be:
// a row of PDF417 is a few percent of its width, real bar codes are 10%
// and more.
const minTall = 0.045

// tall walks rows up and down from y while they read as hh and tells
// whether hh is a bar code of its own: read over a band at least minTall
// of its width high, and not one row of a stacked symbol (Codablock-F,
// Code 16K), whose neighbour rows read as other codes of the same kind.
// yScale is how many source rows one row of bm stands for.
func (s *session) tall(bm *gozxing.BinaryBitmap, hh hit, y int, x0, x1, yScale float64) bool {
	h := bm.GetHeight()
	width := (x1 - x0) / yScale // in rows of bm
	need := minTall * width
	step := max(1, int(width/100))
	reach := int(0.3 * width)
	row := gozxing.NewBitArray(bm.GetWidth())
	lo, hi := y, y
	others := map[string]int{}
	for _, dir := range []int{-1, 1} {
		misses := 0
		for yy := y + dir*step; yy >= 0 && yy < h && abs(yy-y) <= reach; yy += dir * step {
			same, other := s.rowReads(bm, row, yy, hh)
			if other != "" {
				// Two rows reading another code of the same kind
				// next to this one: a stacked symbol (one such row
				// can be a part read of a turned code).
				if others[other]++; others[other] >= 2 {
					return false
				}
			}
			if same {
				lo, hi = min(lo, yy), max(hi, yy)
				misses = 0
				continue
			}
			if misses++; misses > 8 {
				break
			}
		}
	}
	if float64(h) < 3*need {
		// The image is hardly taller than the code is thin: a tight
		// crop, nothing to tell from.
		return true
	}
	return float64(hi-lo) >= need
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// rowReads decodes row y of bm with the reader of hh's symbology only,
// forwards and (unless that read hh) backwards, and tells whether it
// reads as hh, and which other code of hh's symbology it reads, if any.
func (s *session) rowReads(bm *gozxing.BinaryBitmap, row *gozxing.BitArray, y int, hh hit) (same bool, other string) {
	row, err := bm.GetBlackRow(y, row)
	if err != nil || !barsEnough(row) {
		return false, ""
	}
	r := s.oneBySym[hh.sym]
	if r == nil {
		// UPC-A reported as EAN-13 or the reverse.
		r = s.oneBySym[SymEAN13]
	}
	for pass := 0; pass < 2 && r != nil; pass++ {
		if pass == 1 {
			row.Reverse()
		}
		res, err := r.(rowDecoder).DecodeRow(y, row, s.oneHints)
		if err != nil || res == nil {
			continue
		}
		got, ok := s.accept1D(res)
		switch {
		case !ok:
		case got == hh:
			// Read as hh: the other direction has nothing to add.
			return true, other
		case got.sym == hh.sym:
			other = got.text
		}
	}
	return false, other
}

// shortITF tells a 4-digit ITF read, which other bar codes' bars often
// also spell.
func shortITF(h hit) bool { return h.sym == SymITF && len(h.text) < 6 }

// dropShortITF removes short ITF reads when anything else was read.
func dropShortITF(hs []hit) []hit {
	other := false
	for _, h := range hs {
		other = other || !shortITF(h)
	}
	if !other {
		return hs
	}
	out := hs[:0]
	for _, h := range hs {
		if !shortITF(h) {
			out = append(out, h)
		}
	}
	return out
}

// weakOnly tells whether all hits are short codes that a longer code's
// bars can also spell.
func weakOnly(hs []hit) bool {
	for _, h := range hs {
		if !shortITF(h) && h.sym != SymEAN8 && h.sym != SymUPCE {
			return false
		}
	}
	return true
}

// extraRows is how many rows the scan goes on after confirming only a
// short code (EAN-8, UPC-E, 4-digit ITF), which can be a misread part of a
// longer one.
const extraRows = 64

// pickRetail keeps, among confirmed EAN/UPC reads, only the best supported
// one (and prefers 13/12 digits over 8), since one label yields one
// number; other symbologies pass through.
func pickRetail(hs []hit, counts map[hit]int) []hit {
	var out []hit
	best := -1
	for _, h := range hs {
		switch h.sym {
		case SymEAN13, SymUPCA, SymEAN8, SymUPCE:
			score := counts[h]
			if h.sym == SymEAN13 || h.sym == SymUPCA {
				score += 1000
			}
			if best < 0 || score > counts[out[best]]+bonus(out[best]) {
				if best >= 0 {
					out = append(out[:best], out[best+1:]...)
				}
				out = append(out, h)
				best = len(out) - 1
			}
		default:
			out = append(out, h)
		}
	}
	return out
}

func bonus(h hit) int {
	if h.sym == SymEAN13 || h.sym == SymUPCA {
		return 1000
	}
	return 0
}

// latin1 turns text that gozxing built from ISO-8859-1 bytes (Code 128
// and Code 39 extended characters) into valid UTF-8.
func latin1(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, 0, len(s))
	for i := 0; i < len(s); i++ {
		r = append(r, rune(s[i]))
	}
	return string(r)
}

// accept1D converts a 1D result to a hit if it is wanted and plausible.
func (s *session) accept1D(res *gozxing.Result) (hit, bool) {
	h := hit{text: latin1(res.GetText()), sym: symbologyOf(res.GetBarcodeFormat())}
	if h.sym == SymEAN13 && len(h.text) == 13 && h.text[0] == '0' && s.d.want[SymUPCA] {
		// gozxing reports UPC-A as EAN-13 with a leading zero.
		h = hit{text: h.text[1:], sym: SymUPCA}
	}
	if !s.d.want[h.sym] {
		// UPC-A is EAN-13 with a leading zero: report it as EAN-13
		// when only that is wanted.
		if h.sym == SymUPCA && s.d.want[SymEAN13] {
			h = hit{text: "0" + h.text, sym: SymEAN13}
		} else {
			return hit{}, false
		}
	}
	return h, plausible1D(h)
}

// rowsNeeded is how many distinct image rows must agree on a 1D text.
func rowsNeeded(h hit) int {
	if shortITF(h) {
		return 6
	}
	switch h.sym {
	case SymCode128:
		return 2
	case SymEAN13, SymUPCA:
		return 2
	case SymEAN8, SymUPCE:
		return 5 // short codes with one check digit: misreads agree on a few rows
	}
	return 3
}

// stripLeadingFNC1 drops the GS that gozxing emits for an FNC1 in first
// position: that FNC1 only marks GS1 data (the symbology identifier
// carries it) and is not part of the message, unlike later separators.
func stripLeadingFNC1(t string) string {
	return strings.TrimPrefix(t, "\x1d")
}

// plausible2D rejects 2D reads that are almost surely noise.
func plausible2D(h hit) bool {
	return strings.TrimSpace(h.text) != ""
}

// plausible1D applies length and content rules to 1D reads, whose
// checksums are weak (Code 39, ITF) or short.
func plausible1D(h hit) bool {
	switch h.sym {
	case SymCode39:
		return len(strings.TrimSpace(h.text)) >= 3
	case SymITF:
		return len(h.text) >= 4
	case SymCode128:
		return len(h.text) >= 3
	}
	return true
}
