package scanner

// This file holds the checks a 1D read must pass before it is reported:
// enough bars in the row, quiet zones, a band of agreeing rows, and the
// guards against rows of stacked symbols.

import (
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

// code39Start tells whether runs (from barRuns) hold a Code 39 start or
// stop character '*' read either way: nine runs from a bar whose three
// widest, and only those, are the 2nd, 5th and 7th (or, reversed, the
// 3rd, 5th and 8th). gozxing's Code 39 reader looks for nothing else
// before failing, so a row without one is not handed to it.
func code39Start(runs []int) bool {
	for i := 0; i+9 <= len(runs); i += 2 {
		c := runs[i : i+9]
		if star(c, 1, 4, 6) || star(c, 2, 4, 7) {
			return true
		}
	}
	return false
}

// code128Starts are Code 128's START A, B and C patterns, in modules.
var code128Starts = [3][6]int{{2, 1, 1, 4, 1, 2}, {2, 1, 1, 2, 1, 4}, {2, 1, 1, 2, 3, 2}}

// code128Start tells whether runs (from barRuns) hold a Code 128 start
// character read either way, matched as gozxing's reader matches it
// (average variance under 0.25, none over 0.7): six runs from a bar, or
// six runs ending on a bar read backwards. The reader looks for nothing
// else before failing.
func code128Start(runs []int) bool {
	var c [6]int
	for i := 0; i+6 <= len(runs); i++ {
		if i%2 == 0 {
			copy(c[:], runs[i:i+6])
		} else {
			for k := 0; k < 6; k++ {
				c[k] = runs[i+5-k]
			}
		}
		for _, p := range code128Starts {
			if oned.PatternMatchVariance(c[:], p[:], 0.7) < 0.25 {
				return true
			}
		}
	}
	return false
}

// itfStart tells whether runs (from barRuns, lead white pixels before the
// first) can begin an ITF code read either way, as gozxing's reader
// checks it: it takes the first four runs from a bar that match four
// narrow lines (average variance under 0.38, none over 0.5) and fails
// unless white of ten narrow widths (or up to the row's start) comes
// before them. Read backwards the same holds from the row's other end.
func itfStart(runs []int, lead int) bool {
	if itfFirstGuard(runs, lead, false) {
		return true
	}
	// The row reversed: its runs from the last bar backwards, led by the
	// white after it.
	n := len(runs)
	trail := 0
	if n%2 == 0 && n > 0 {
		trail, n = runs[n-1], n-1
	}
	return itfFirstGuard(runs[:n], trail, true)
}

// itfFirstGuard is itfStart in one direction: runs read from the end
// when back is set.
func itfFirstGuard(runs []int, lead int, back bool) bool {
	at := func(i int) int {
		if back {
			return runs[len(runs)-1-i]
		}
		return runs[i]
	}
	narrow := []int{1, 1, 1, 1}
	var c [4]int
	start := lead
	// The reader tests four runs when the run after them begins.
	for i := 0; i+4 < len(runs); i += 2 {
		if i > 0 {
			start += at(i-2) + at(i-1)
		}
		for k := range c {
			c[k] = at(i + k)
		}
		if oned.PatternMatchVariance(c[:], narrow, 0.5) >= 0.38 {
			continue
		}
		if i == 0 {
			// White up to the row's start is quiet enough.
			return true
		}
		width := c[0] + c[1] + c[2] + c[3]
		return at(i-1) >= min(width/4*10, start)
	}
	return false
}

// upcStart tells whether runs (from barRuns, lead white pixels before
// the first) hold the start of an EAN/UPC code read either way as
// gozxing's reader decodes it: a guard (bar, space, bar of about one
// width: average variance under 0.48, none over 0.7) with white as wide
// as the guard before it, then four digits (four runs each) that match
// digit patterns as closely; read backwards, the white after the guard and
// the digits before it. Every EAN/UPC symbology has at least four digits
// after its start guard, and the reader fails on a row without them.
func upcStart(runs []int, lead int) bool {
	guard := []int{1, 1, 1}
	for i := 0; i+3 <= len(runs); i += 2 {
		c := runs[i : i+3]
		width := c[0] + c[1] + c[2]
		before := lead
		if i > 0 {
			before = runs[i-1]
		}
		after := 0
		if i+3 < len(runs) {
			after = runs[i+3]
		}
		if before < width && after < width || oned.PatternMatchVariance(c, guard, 0.7) >= 0.48 {
			continue
		}
		if before >= width && upcDigits(runs, i+3, 1) || after >= width && upcDigits(runs, i-1, -1) {
			return true
		}
	}
	return false
}

// upcDigits tells whether the four groups of four runs from runs[at] on
// (dir 1) or down (dir -1) each match an EAN/UPC digit; runs missing at
// the row's end count as matching (the reader's last run may end there).
func upcDigits(runs []int, at, dir int) bool {
	var c [4]int
	for d := 0; d < 4; d++ {
		for k := 0; k < 4; k++ {
			j := at + dir*(4*d+k)
			if j < 0 || j >= len(runs) {
				return true
			}
			c[k] = runs[j]
		}
		ok := false
		for _, p := range oned.UPCEANReader_L_AND_G_PATTERNS {
			if oned.PatternMatchVariance(c[:], p, 0.7) < 0.48 {
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
