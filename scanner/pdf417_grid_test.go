package scanner

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os/exec"
	"reflect"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// The reference versions below are the PDF417 locator's functions as they
// were before they were made faster (commit b5eb29f); the tests assert
// that the new ones give the same results.

// refPDFGrid is pdfGrid as it was: a copy of the image's pixels, one bool
// each, true for black; the turns were copies too.
type refPDFGrid struct {
	w, h int
	px   []bool
}

// at is pdfGrid's at as it was: outside the grid it is white.
func (g *refPDFGrid) at(x, y int) bool {
	if x < 0 || y < 0 || x >= g.w || y >= g.h {
		return false
	}
	return g.px[y*g.w+x]
}

// refGridFromMatrix is gridFromMatrix as it was: one Get per pixel.
func refGridFromMatrix(m *gozxing.BitMatrix) *refPDFGrid {
	g := &refPDFGrid{w: m.GetWidth(), h: m.GetHeight()}
	g.px = make([]bool, g.w*g.h)
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			g.px[y*g.w+x] = m.Get(x, y)
		}
	}
	return g
}

// refRot180 is rot180 as it was.
func refRot180(g *refPDFGrid) *refPDFGrid {
	out := &refPDFGrid{w: g.w, h: g.h, px: make([]bool, len(g.px))}
	for i, v := range g.px {
		out.px[len(g.px)-1-i] = v
	}
	return out
}

// refRot90 is rot90 as it was.
func refRot90(g *refPDFGrid) *refPDFGrid {
	out := &refPDFGrid{w: g.h, h: g.w, px: make([]bool, len(g.px))}
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			out.px[(g.w-1-x)*out.w+y] = g.px[y*g.w+x]
		}
	}
	return out
}

// refFindPatterns is findPatterns as it was: runs pixel by pixel and
// matchPattern at every bar.
func refFindPatterns(g *refPDFGrid) (starts, stops []pdfHit) {
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
			first = 1
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

// refProbePDF417 is probePDF417 as it was: a Get call per pixel and
// matchPattern at every bar.
func refProbePDF417(m *gozxing.BitMatrix) int {
	w, h := m.GetWidth(), m.GetHeight()
	turns := 0
	var runs []int
	look := func(n int, get func(i int) bool, fwd, rev int) {
		runs = runs[:0]
		cur, c := get(0), 0
		for i := 0; i < n; i++ {
			if v := get(i); v != cur {
				runs = append(runs, c)
				cur, c = v, 0
			}
			c++
		}
		runs = append(runs, c)
		first := 1
		if get(0) {
			first = 0
		}
		for i := first; i < len(runs); i += 2 {
			if i+8 <= len(runs) {
				if _, ok := matchPattern(runs[i:i+8], pdfStart); ok {
					turns |= fwd
				}
			}
			if i >= 1 && i+7 <= len(runs) {
				if _, ok := matchPattern(runs[i-1:i+7], pdfStartRev); ok {
					turns |= rev
				}
			}
			if i+9 <= len(runs) {
				if _, ok := matchPattern(runs[i:i+9], pdfStop); ok {
					turns |= fwd
				}
				if _, ok := matchPattern(runs[i:i+9], pdfStopRev); ok {
					turns |= rev
				}
			}
		}
	}
	const lines = 24
	row := gozxing.NewBitArray(w)
	for k := 1; k < lines; k++ {
		y := k * h / lines
		row = m.GetRow(y, row)
		look(w, row.Get, 1, 2)
		x := k * w / lines
		look(h, func(i int) bool { return m.Get(x, i) }, 4, 8)
	}
	return turns
}

// refSampleLine is sampleLine as it was.
func refSampleLine(g *refPDFGrid, p, q [2]float64) []bool {
	dx, dy := q[0]-p[0], q[1]-p[1]
	n := int(math.Ceil(math.Hypot(dx, dy)))
	if n < 2 {
		return nil
	}
	out := make([]bool, n+1)
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		out[i] = g.at(int(p[0]+f*dx+0.5), int(p[1]+f*dy+0.5))
	}
	return out
}

// matrixOf builds a BitMatrix from rows of pixels (all of one length). With
// junk set, the bits of the last word of each row beyond the width are
// set at random, as a matrix built from whole words may have them.
func matrixOf(rows [][]bool, junk *rand.Rand) *gozxing.BitMatrix {
	h, w := len(rows), len(rows[0])
	m, _ := gozxing.NewBitMatrix(w, h)
	words := (w + 31) / 32
	ba := gozxing.NewBitArray(w)
	for y, r := range rows {
		for i := 0; i < words; i++ {
			var v uint32
			for b := 0; b < 32; b++ {
				x := i*32 + b
				if x < w && r[x] || x >= w && junk != nil && junk.IntN(2) == 0 {
					v |= 1 << b
				}
			}
			ba.SetBulk(i*32, v)
		}
		m.SetRow(y, ba)
	}
	return m
}

// pdfTestRows draws a synthetic PDF417-like symbol (start pattern,
// codewords of the row's cluster, stop pattern; rows of rowH pixels) at
// module width mw on a white w x h canvas at (x0, y0).
func pdfTestRows(rng *rand.Rand, w, h, x0, y0, cols, rows, rowH int, mw float64) [][]bool {
	img := make([][]bool, h)
	for y := range img {
		img[y] = make([]bool, w)
	}
	for r := 0; r < rows; r++ {
		vals := make([]int, cols)
		for i := range vals {
			vals[i] = rng.IntN(929)
		}
		line := pdfRenderLine(vals, r%3, mw)
		for dy := 0; dy < rowH; dy++ {
			y := y0 + r*rowH + dy
			if y < 0 || y >= h {
				continue
			}
			for i, v := range line {
				if x := x0 + i; x >= 0 && x < w {
					img[y][x] = v
				}
			}
		}
	}
	return img
}

// turnRows returns rows turned a quarter (counter-clockwise) q times.
func turnRows(rows [][]bool, q int) [][]bool {
	for ; q > 0; q-- {
		h, w := len(rows), len(rows[0])
		out := make([][]bool, w)
		for x := 0; x < w; x++ {
			out[w-1-x] = make([]bool, h)
			for y := 0; y < h; y++ {
				out[w-1-x][y] = rows[y][x]
			}
		}
		rows = out
	}
	return rows
}

// gridTestMatrices returns the inputs of the equivalence tests: random
// noise of several densities, stripes of random widths along rows and
// columns, synthetic PDF417 symbols in each quarter turn, partly off the
// canvas, with noise, and (with zint) rendered PDF417 symbols; sizes are
// tiny, multiples of 32 and not.
func gridTestMatrices(t testing.TB) map[string]*gozxing.BitMatrix {
	rng := rand.New(rand.NewPCG(41, 7))
	out := map[string]*gozxing.BitMatrix{}
	add := func(name string, rows [][]bool) {
		out[name] = matrixOf(rows, nil)
		out[name+"/junk"] = matrixOf(rows, rng)
	}
	sizes := [][2]int{{1, 1}, {2, 1}, {1, 5}, {3, 7}, {9, 4}, {31, 31}, {32, 32}, {33, 17}, {64, 3}, {65, 65}, {97, 40}, {130, 250}, {301, 203}}
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		for _, p := range []float64{0.5, 0.1, 0.9} {
			rows := make([][]bool, h)
			for y := range rows {
				rows[y] = make([]bool, w)
				for x := range rows[y] {
					rows[y][x] = rng.Float64() < p
				}
			}
			add(fmt.Sprintf("noise/%dx%d/%.1f", w, h, p), rows)
		}
		// Stripes: random runs of 1 to 12 pixels (some rows copied
		// from the one above), along rows; turned, along columns.
		rows := make([][]bool, h)
		for y := range rows {
			rows[y] = make([]bool, w)
			if y > 0 && rng.IntN(3) > 0 {
				copy(rows[y], rows[y-1])
				continue
			}
			v := rng.IntN(2) == 0
			for x := 0; x < w; {
				n := 1 + rng.IntN(12)
				for ; n > 0 && x < w; n, x = n-1, x+1 {
					rows[y][x] = v
				}
				v = !v
			}
		}
		add(fmt.Sprintf("stripes/%dx%d", w, h), rows)
		add(fmt.Sprintf("stripes/%dx%d/turned", w, h), turnRows(rows, 1))
	}
	for i, c := range []struct {
		w, h, x0, y0, cols, rows, rowH int
		mw                             float64
	}{
		{400, 200, 20, 20, 3, 10, 6, 2},
		{333, 150, 5, 3, 4, 12, 8, 1.5},
		{260, 260, -30, 40, 5, 20, 4, 1.3},
		{500, 97, 10, 0, 6, 15, 9, 1.0},
		{700, 300, 40, 20, 4, 25, 12, 3.2},
	} {
		rows := pdfTestRows(rng, c.w, c.h, c.x0, c.y0, c.cols, c.rows, c.rowH, c.mw)
		for q := 0; q < 4; q++ {
			add(fmt.Sprintf("pdf%d/turn%d", i, q), turnRows(rows, q))
		}
		noisy := turnRows(rows, 0)
		for y := range noisy {
			for x := range noisy[y] {
				if rng.IntN(40) == 0 {
					noisy[y][x] = !noisy[y][x]
				}
			}
		}
		add(fmt.Sprintf("pdf%d/noisy", i), noisy)
	}
	if _, err := exec.LookPath("zint"); err == nil {
		dir := t.TempDir()
		g := renderZint(t, dir, symbol2D{"grid", []string{"-b", "55", "--scale=2", "--cols=5"}, "Parcel 1Z999AA10123456784, locker #42", SymPDF417})
		g = padNearest(g, 1, 13, 255)
		for q, img := range []*image.Gray{g, rotate90CCW(g), rotate180(g), rotateFill(g, 10, 255)} {
			b := img.Bounds()
			rows := make([][]bool, b.Dy())
			for y := range rows {
				rows[y] = make([]bool, b.Dx())
				for x := range rows[y] {
					rows[y][x] = img.GrayAt(b.Min.X+x, b.Min.Y+y).Y < 128
				}
			}
			add(fmt.Sprintf("zint/%d", q), rows)
		}
	}
	return out
}

// refTurns returns g in the four quarter turns as the reference versions
// made them: upright, rot180, rot90 and rot90 then rot180.
func refTurns(g *refPDFGrid) [4]*refPDFGrid {
	r90 := refRot90(g)
	return [4]*refPDFGrid{g, refRot180(g), r90, refRot180(r90)}
}

// sameGrid tells whether a and b have the same size and pixels, and are
// white around.
func sameGrid(a *pdfGrid, b *refPDFGrid) bool {
	if a.w != b.w || a.h != b.h {
		return false
	}
	for y := -2; y < b.h+2; y++ {
		for x := -2; x < b.w+2; x++ {
			if a.at(x, y) != b.at(x, y) {
				return false
			}
		}
	}
	return true
}

// TestGridViewsMatchReference asserts that the views of bitsFromMatrix's
// pixels in the four quarter turns show the pixels of the reference
// grid and its turned copies, bits beyond the width set or not, and that
// each view's rows have the runs of the reference's rows.
func TestGridViewsMatchReference(t *testing.T) {
	for name, m := range gridTestMatrices(t) {
		b := bitsFromMatrix(m)
		for q, want := range refTurns(refGridFromMatrix(m)) {
			got := b.view(q)
			if !sameGrid(got, want) {
				t.Errorf("%s: view %d differs", name, q)
				continue
			}
			for y := 0; y < want.h; y++ {
				wantRuns := runLengths(want.px[y*want.w:(y+1)*want.w], nil)
				if gotRuns := got.rowRuns(y, []int{7}); gotRuns[0] != 7 || !slices.Equal(gotRuns[1:], wantRuns) {
					t.Errorf("%s: view %d row %d: runs %v, want %v", name, q, y, gotRuns[1:], wantRuns)
					break
				}
			}
		}
	}
}

// TestTranspose32 asserts that transpose32 moves bit j of word i to bit i
// of word j.
func TestTranspose32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 100; k++ {
		var a, want [32]uint32
		for i := range a {
			a[i] = rng.Uint32()
		}
		for i := range a {
			for j := 0; j < 32; j++ {
				want[j] |= (a[i] >> j & 1) << i
			}
		}
		transpose32(&a)
		if a != want {
			t.Fatalf("transpose32 = %x, want %x", a, want)
		}
	}
}

// TestFindPatternsMatchesReference asserts that findPatterns sees the
// same start and stop patterns as the reference version, on every input
// and its turns.
func TestFindPatternsMatchesReference(t *testing.T) {
	n := 0
	for name, m := range gridTestMatrices(t) {
		b := bitsFromMatrix(m)
		for q, g := range refTurns(refGridFromMatrix(m)) {
			s0, t0 := refFindPatterns(g)
			s1, t1 := b.view(q).findPatterns()
			n += len(s0) + len(t0)
			if !reflect.DeepEqual(s0, s1) || !reflect.DeepEqual(t0, t1) {
				t.Errorf("%s turn %d: %d starts, %d stops; want %d, %d", name, q, len(s1), len(t1), len(s0), len(t0))
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d patterns seen: the inputs do not test much", n)
	}
}

// TestProbePDF417MatchesReference asserts that probePDF417 returns the
// same turns as the reference version.
func TestProbePDF417MatchesReference(t *testing.T) {
	seen := 0
	for name, m := range gridTestMatrices(t) {
		want := refProbePDF417(m)
		seen |= want
		if got := probePDF417(m); got != want {
			t.Errorf("%s: probe %04b, want %04b", name, got, want)
		}
	}
	if seen != 15 {
		t.Errorf("the inputs show only turns %04b", seen)
	}
}

// TestRunsMatchesReference asserts that runLengths and wordRuns give the
// runs a pixel-by-pixel count gives, on random rows of every length up to
// 200 and words with bits beyond the length.
func TestRunsMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 200; n++ {
		for k := 0; k < 20; k++ {
			px := make([]bool, n)
			words := make([]uint32, (n+31)/32)
			for i := range words {
				words[i] = rng.Uint32()
			}
			p := rng.Float64()
			for x := range px {
				if k%2 == 0 {
					px[x] = rng.Float64() < p
				} else {
					px[x] = (x/(1+k))%2 == 0
				}
				if px[x] {
					words[x/32] |= 1 << (x % 32)
				} else {
					words[x/32] &^= 1 << (x % 32)
				}
			}
			var want []int
			cur, c := px[0], 0
			for _, v := range px {
				if v != cur {
					want = append(want, c)
					cur, c = v, 0
				}
				c++
			}
			want = append(want, c)
			if got := runLengths(px, nil); !reflect.DeepEqual(got, want) {
				t.Fatalf("runLengths(%v) = %v, want %v", px, got, want)
			}
			if got := wordRuns(words, n, []int{7}); !reflect.DeepEqual(got[1:], want) || got[0] != 7 {
				t.Fatalf("wordRuns(%x, %d) = %v, want %v", words, n, got, want)
			}
		}
	}
}

// TestScanMatchesReference asserts that a pdfScan's pixels, read in a
// random order, a line kept by pdfScans read again, are those the
// reference sampleLine reads, on lines in all directions, partly or
// wholly off the grid, in the four turns.
func TestScanMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	rows := make([][]bool, 57)
	for y := range rows {
		rows[y] = make([]bool, 83)
		for x := range rows[y] {
			rows[y][x] = rng.IntN(2) == 0
		}
	}
	m := matrixOf(rows, rng)
	b := bitsFromMatrix(m)
	for turn, g := range refTurns(refGridFromMatrix(m)) {
		sc := &pdfScans{g: b.view(turn)}
		for k := 0; k < 5000; k++ {
			pt := func() [2]float64 {
				return [2]float64{rng.Float64()*float64(g.w+40) - 20, rng.Float64()*float64(g.h+30) - 15}
			}
			p, q := pt(), pt()
			switch {
			case k%7 == 0:
				q = [2]float64{p[0] + rng.Float64()*3, p[1]}
			case k%5 == 0:
				// Far longer than the grid: several blocks.
				q = [2]float64{p[0] + rng.Float64()*600, p[1] + rng.Float64()*20}
			}
			want := refSampleLine(g, p, q)
			i := rng.IntN(30)
			for pass := 0; pass < 2; pass++ {
				l := sc.line(i, p, q)
				if l == nil {
					if want != nil {
						t.Fatalf("no line from %v to %v, want %d pixels", p, q, len(want))
					}
					break
				}
				if l.n != len(want) {
					t.Fatalf("line from %v to %v: %d pixels, want %d", p, q, l.n, len(want))
				}
				for _, x := range rng.Perm(l.n) {
					if l.at(x) != want[x] {
						t.Fatalf("line from %v to %v: pixel %d differs", p, q, x)
					}
				}
			}
		}
	}
}

// benchMatrix1000 is a 1000x1000 test image: noise, with a synthetic
// PDF417 symbol in the middle.
func benchMatrix1000() *gozxing.BitMatrix {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := pdfTestRows(rng, 1000, 1000, 150, 200, 8, 30, 18, 3)
	for y := range rows {
		for x := range rows[y] {
			if (y < 180 || y > 760) && rng.IntN(3) == 0 {
				rows[y][x] = true
			}
		}
	}
	return matrixOf(rows, nil)
}

// BenchmarkPDFGridFromMatrix measures bitsFromMatrix on 1000x1000,
// against the reference version (a bool a pixel).
func BenchmarkPDFGridFromMatrix(b *testing.B) {
	m := benchMatrix1000()
	b.Run("ref", func(b *testing.B) {
		for b.Loop() {
			refGridFromMatrix(m)
		}
	})
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			bitsFromMatrix(m)
		}
	})
}

// BenchmarkPDFRot90 measures the transposed copy the views on the side
// read their rows from on 1000x1000, against the reference rot90.
func BenchmarkPDFRot90(b *testing.B) {
	m := benchMatrix1000()
	g := refGridFromMatrix(m)
	b.Run("ref", func(b *testing.B) {
		for b.Loop() {
			refRot90(g)
		}
	})
	bits := bitsFromMatrix(m)
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			bits.cols = nil
			bits.transpose()
		}
	})
}

// BenchmarkPDFFindPatterns measures findPatterns on 1000x1000, upright
// and on its side, against the reference version.
func BenchmarkPDFFindPatterns(b *testing.B) {
	m := benchMatrix1000()
	g := refGridFromMatrix(m)
	bits := bitsFromMatrix(m)
	for _, q := range []int{0, 2} {
		ref := refTurns(g)[q]
		b.Run(fmt.Sprintf("ref/turn%d", q), func(b *testing.B) {
			for b.Loop() {
				refFindPatterns(ref)
			}
		})
		v := bits.view(q)
		b.Run(fmt.Sprintf("new/turn%d", q), func(b *testing.B) {
			for b.Loop() {
				v.findPatterns()
			}
		})
	}
}

// BenchmarkPDFProbe measures probePDF417 on 1000x1000, against the
// reference version.
func BenchmarkPDFProbe(b *testing.B) {
	m := benchMatrix1000()
	b.Run("ref", func(b *testing.B) {
		for b.Loop() {
			refProbePDF417(m)
		}
	})
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			probePDF417(m)
		}
	})
}

// BenchmarkPDFSampleLine measures reading all the pixels of 1000 lines
// across the 1000x1000 image (pdfScan), against the reference sampleLine.
func BenchmarkPDFSampleLine(b *testing.B) {
	m := benchMatrix1000()
	g := refGridFromMatrix(m)
	b.Run("ref", func(b *testing.B) {
		for b.Loop() {
			for i := 0; i < 1000; i++ {
				refSampleLine(g, [2]float64{140, float64(i)}, [2]float64{900, float64(i) + 30})
			}
		}
	})
	v := bitsFromMatrix(m).view(0)
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			for i := 0; i < 1000; i++ {
				l := v.scan([2]float64{140, float64(i)}, [2]float64{900, float64(i) + 30})
				for x := 0; x < l.n; x += pdfScanBlock {
					l.at(x)
				}
			}
		}
	})
}

// TestBigBarMatchesReference asserts that pdfBigBar (and pdfOpens) never
// rejects runs that matchPattern takes for a start or stop pattern, either
// way round (pdfOpens: forwards),
// on many runs near the patterns' widths (up to the limits of
// matchPattern's tolerance), so skipping matchPattern where it says no
// changes nothing.
func TestBigBarMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	type form struct {
		pat       []float64
		big, next int
	}
	forms := []form{{pdfStart, 0, 1}, {pdfStop, 0, 1}, {pdfStartRev, 7, 6}, {pdfStopRev, 8, 7}}
	took, least := 0, 10.0
	for k := 0; k < 200000; k++ {
		f := forms[k%4]
		m := 0.8 + rng.Float64()*5
		runs := make([]int, len(f.pat))
		for i, p := range f.pat {
			runs[i] = max(1, int(p*m*(0.3+1.4*rng.Float64())+0.5))
			if k%8 >= 4 {
				// The other runs as wide as they should be, the
				// wide bar narrower and its neighbour wider.
				runs[i] = max(1, int(p*m+0.5))
			}
		}
		next := f.next
		if k%16 >= 12 && f.big == 0 {
			// Another of the one-module runs pdfOpens looks at.
			next = []int{1, 2, 4, 5, 6}[rng.IntN(5)]
		}
		if k%8 >= 4 {
			runs[f.big] = max(1, int(f.pat[f.big]*m*(0.5+0.5*rng.Float64())+0.5))
			runs[next] = max(1, int(m*(1+rng.Float64())+0.5))
		}
		if _, ok := matchPattern(runs, f.pat); ok {
			took++
			least = min(least, float64(runs[f.big])/float64(runs[next]))
			if !pdfBigBar(runs[f.big], runs[f.next]) {
				t.Fatalf("%v matches %v, but pdfBigBar says no", runs, f.pat)
			}
			if f.big == 0 && !pdfOpens(runs) {
				t.Fatalf("%v matches %v, but pdfOpens says no", runs, f.pat)
			}
		}
	}
	if took < 100 || least > 2.9 {
		t.Errorf("%d matches, least ratio %.2f: the runs do not reach the bound", took, least)
	}
	t.Logf("%d matches, least ratio of the wide bar to its neighbour %.3f", took, least)
}
