package scanner

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
)

// TestRowPrefiltersKeepReadableRows renders 1D codes with gozxing's
// writers into rows at random scales and offsets (some between bars of
// random widths, some replaced by such bars), flips random pixels, and
// asserts that every row one of gozxing's readers decodes, forwards
// or backwards, passes that reader's prefilter in that direction: the
// prefilters may only skip rows the reader would fail on.
func TestRowPrefiltersKeepReadableRows(t *testing.T) {
	type code struct {
		f    gozxing.BarcodeFormat
		w    gozxing.Writer
		text string
		r    rowDecoder
		// filter is the prefilter on the runs (led by lead white
		// pixels) of the direction read, back those of the other.
		filter func(runs []int, lead int, back []int, backLead int) bool
		// other marks a reader of another symbology, which may read
		// none of the rows.
		other bool
	}
	// Each EAN/UPC code against each of the readers decodeUPC runs, and
	// the bit of upcFormats that lets it run.
	var codes []code
	upcReaders := []struct {
		r     rowDecoder
		bit   int
		reads []gozxing.BarcodeFormat
	}{
		{oned.NewEAN13Reader().(rowDecoder), upcEAN13, []gozxing.BarcodeFormat{gozxing.BarcodeFormat_EAN_13, gozxing.BarcodeFormat_UPC_A}},
		{oned.NewEAN8Reader().(rowDecoder), upcEAN8, []gozxing.BarcodeFormat{gozxing.BarcodeFormat_EAN_8}},
		{oned.NewUPCEReader().(rowDecoder), upcUPCE, []gozxing.BarcodeFormat{gozxing.BarcodeFormat_UPC_E}},
	}
	for _, u := range []struct {
		f    gozxing.BarcodeFormat
		w    gozxing.Writer
		text string
	}{
		{gozxing.BarcodeFormat_EAN_13, oned.NewEAN13Writer(), "5901234123457"},
		{gozxing.BarcodeFormat_EAN_8, oned.NewEAN8Writer(), "96385074"},
		{gozxing.BarcodeFormat_UPC_E, oned.NewUPCEWriter(), "01234565"},
		{gozxing.BarcodeFormat_UPC_A, oned.NewUPCAWriter(), "036000291452"},
	} {
		for _, r := range upcReaders {
			bit := r.bit
			codes = append(codes, code{u.f, u.w, u.text, r.r, func(runs []int, lead int, _ []int, _ int) bool { return upcFormats(runs, lead)&bit != 0 }, !slices.Contains(r.reads, u.f)})
		}
	}
	codes = append(codes, []code{
		{gozxing.BarcodeFormat_CODE_39, oned.NewCode39Writer(), "PARCEL42", oned.NewCode39Reader().(rowDecoder),
			oneWay(code39Could), false},
		{gozxing.BarcodeFormat_CODE_128, oned.NewCode128Writer(), "1Z999AA10123456784", oned.NewCode128Reader().(rowDecoder),
			oneWay(code128Could), false},
		{gozxing.BarcodeFormat_ITF, oned.NewITFWriter(), "00012345678905", oned.NewITFReader().(rowDecoder), itfCould, false},
		{gozxing.BarcodeFormat_ITF, oned.NewITFWriter(), "123456", oned.NewITFReader().(rowDecoder), itfCould, false},
	}...)
	rows := 6000
	if testing.Short() {
		rows = 1500
	}
	rng := rand.New(rand.NewSource(1))
	for _, c := range codes {
		t.Run(c.f.String(), func(t *testing.T) {
			m, err := c.w.Encode(c.text, c.f, 0, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			decoded, skipped := 0, 0
			for n := 0; n < rows; n++ {
				var row *gozxing.BitArray
				if n%3 == 0 {
					// Bars of random widths instead: rows the
					// prefilters should mostly skip.
					row = randomBarsRow(rng, int(float64(m.GetWidth())*(1+rng.Float64()*3))+rng.Intn(70), 5)
				} else {
					// The code alone, or (n%3 == 1) between random
					// bars: false starts and guards before it, a
					// ragged end after it.
					row = renderedRow(rng, m, n%3 == 1)
				}
				for k := rng.Intn(8); k > 0; k-- {
					row.Flip(rng.Intn(row.GetSize()))
				}
				runs, lead := barRuns(row, nil), row.GetNextSet(0)
				rev, trail := reversedRuns(runs, lead, nil)
				for dir := 0; dir < 2; dir++ {
					pass := c.filter(runs, lead, rev, trail)
					if dir == 1 {
						row.Reverse()
						pass = c.filter(rev, trail, runs, lead)
					}
					if !pass {
						skipped++
					}
					if _, err := c.r.DecodeRow(0, row, nil); err == nil && !pass {
						t.Fatalf("row decodes (read %s) but the prefilter skips it: %v", [2]string{"forwards", "backwards"}[dir], row)
					} else if err == nil {
						decoded++
					}
				}
			}
			if decoded == 0 && !c.other || skipped == 0 {
				// Both must happen for the test to mean anything.
				t.Fatalf("decoded %d rows, skipped %d: the test rows are not varied enough", decoded, skipped)
			}
		})
	}
}

// oneWay adapts a prefilter that looks at the runs of one direction only.
func oneWay(f func(runs []int, lead int) bool) func([]int, int, []int, int) bool {
	return func(runs []int, lead int, _ []int, _ int) bool { return f(runs, lead) }
}

// withJunk returns row (its code at [off, off+w)) with bars of random
// widths before and after the code, separated from it by white of random
// width (sometimes too little for a quiet zone).
func withJunk(rng *rand.Rand, row *gozxing.BitArray, off, w int) *gozxing.BitArray {
	pre, post := 10+rng.Intn(60), 10+rng.Intn(60)
	gap1, gap2 := rng.Intn(30), rng.Intn(30)
	out := gozxing.NewBitArray(pre + gap1 + w + gap2 + post)
	junk := func(from, to int) {
		for x, black := from, true; x < to; black = !black {
			l := 1 + rng.Intn(5)
			for i := x; i < min(x+l, to) && black; i++ {
				out.Set(i)
			}
			x += l
		}
	}
	junk(0, pre)
	for x := 0; x < w; x++ {
		if row.Get(off + x) {
			out.Set(pre + gap1 + x)
		}
	}
	junk(pre+gap1+w+gap2, out.GetSize())
	return out
}

// TestFitsNeverRejectsAMatch asserts that fits, the integer pre-test of
// the prefilters, never rejects runs that gozxing's variance accepts (its
// individual limit not exceeded), on random runs against every pattern the
// prefilters test (guards, Code 128's characters, EAN/UPC's digits).
func TestFitsNeverRejectsAMatch(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	patterns := prefilterPatterns([]int{1, 1, 1}, []int{1, 1, 1, 1}, []int{1, 1, 1, 1, 1})
	rejected := 0
	for n := 0; n < 200000; n++ {
		p := patterns[rng.Intn(len(patterns))]
		runs := runsNear(rng, p, 6)
		for _, ind := range []int{50, 70} {
			v := oned.PatternMatchVariance(runs, p, float64(ind)/100)
			if !fits(runs, p, ind) {
				rejected++
				if !math.IsInf(v, 1) {
					t.Fatalf("fits(%v, %v, %d) rejects runs the variance accepts (%v)", runs, p, ind, v)
				}
			}
		}
	}
	if rejected == 0 {
		t.Fatal("fits rejected nothing: the test runs are not varied enough")
	}
	// The searches give fitsSums the patterns' widths as constants.
	for k, p := range code128Patterns {
		if sum(p[:]) != 11 {
			t.Errorf("Code 128 pattern %d is %d modules wide, want 11", k, sum(p[:]))
		}
	}
	for k := 103; k <= 105; k++ {
		if [3]int(code128Patterns[k][:3]) != code128StartLead {
			t.Errorf("Code 128 start %d begins %v, not code128StartLead %v", k, code128Patterns[k][:3], code128StartLead)
		}
	}
	for k, p := range oned.UPCEANReader_L_AND_G_PATTERNS {
		if sum(p) != 7 {
			t.Errorf("EAN/UPC digit pattern %d is %d modules wide, want 7", k, sum(p))
		}
		for i, m := range p {
			for mm := 1; mm <= 4; mm++ {
				if in := upcDigitModules[i][mm]>>k&1 == 1; in != (m == mm) {
					t.Errorf("upcDigitModules[%d][%d] has pattern %d: %v, but its run %d is %d modules", i, mm, k, in, i, m)
				}
			}
		}
	}
	// upcDigitFits is fits against each digit pattern at once.
	for n := 0; n < 200000; n++ {
		scale := 1 + rng.Intn(6)
		var c [4]int
		for i := range c {
			c[i] = max(1, (1+rng.Intn(4))*scale+rng.Intn(2*scale+1)-scale)
		}
		var want uint32
		for k, p := range oned.UPCEANReader_L_AND_G_PATTERNS {
			if fits(c[:], p, 70) {
				want |= 1 << k
			}
		}
		if got := upcDigitFits(c[:]); got != want {
			t.Fatalf("upcDigitFits(%v) = %#x, want %#x", c, got, want)
		}
	}
}

// TestMatchesIsTheVarianceTest checks that matches answers as
// oned.PatternMatchVariance compared with its limit, and that near never
// rejects what it accepts, on random runs near
// every pattern the prefilters test it with, many of them exactly on a
// limit, for the limits they use.
func TestMatchesIsTheVarianceTest(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	patterns := prefilterPatterns([]int{1, 1, 1}, []int{1, 1, 1, 1}, []int{1, 1, 1, 1, 1}, []int{1, 1, 1, 1, 1, 1}, []int{1, 1, 2}, []int{1, 1, 3})
	limits := [][2]int{{70, 250}, {50, 380}, {70, 480}}
	yes := 0
	for n := 0; n < 400000; n++ {
		p := patterns[rng.Intn(len(patterns))]
		runs := runsNear(rng, p, 8)
		lim := limits[rng.Intn(len(limits))]
		want := oned.PatternMatchVariance(runs, p, float64(lim[0])/100) < float64(lim[1])/1000
		if got := matches(runs, sum(runs), p, sum(p), lim[0], lim[1]); got != want {
			t.Fatalf("matches(%v, %v, %d, %d) = %v, the variance says %v", runs, p, lim[0], lim[1], got, want)
		}
		if want && !near(runs, sum(runs), p, sum(p), lim[1]) {
			t.Fatalf("near(%v, %v, %d) rejects runs the variance accepts", runs, p, lim[1])
		}
		if want {
			yes++
		}
	}
	if yes < 1000 || yes > 390000 {
		t.Fatalf("%d of the runs match: the test runs are not varied enough", yes)
	}
}

// prefilterPatterns returns guards (the guards and end patterns a test
// needs) followed by the character patterns the prefilters test: Code
// 128's and EAN/UPC's digits.
func prefilterPatterns(guards ...[]int) [][]int {
	patterns := guards
	for k := range code128Patterns {
		patterns = append(patterns, code128Patterns[k][:])
	}
	return append(patterns, oned.UPCEANReader_L_AND_G_PATTERNS...)
}

// runsNear returns runs of pattern p at a random scale of 1 to maxScale
// pixels a module, each up to a module off (at least 1).
func runsNear(rng *rand.Rand, p []int, maxScale int) []int {
	runs := make([]int, len(p))
	scale := 1 + rng.Intn(maxScale)
	for i, m := range p {
		runs[i] = max(1, m*scale+rng.Intn(2*scale+1)-scale)
	}
	return runs
}
