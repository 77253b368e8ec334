package scanner

// The MaxiCode reader's earlier implementations, kept to check that the
// faster ones give the same results.

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common/reedsolomon"
)

// refMaxiRS is the earlier corrector, on gozxing's Reed-Solomon decoder.
type refMaxiRS struct {
	dec   *reedsolomon.ReedSolomonDecoder
	field *reedsolomon.GenericGF
}

// newRefMaxiRS returns the earlier corrector.
func newRefMaxiRS() *refMaxiRS {
	f := reedsolomon.GenericGF_MAXICODE_FIELD_64
	return &refMaxiRS{dec: reedsolomon.NewReedSolomonDecoder(f), field: f}
}

// correct is the earlier maxiRS.correct.
func (r *refMaxiRS) correct(cw []byte, start, n, ec, parity int) error {
	step, first := 1, 0
	if parity >= 0 {
		step, first = 2, parity
		ec /= 2
	}
	words := make([]int, 0, n/step)
	for i := first; i < n; i += step {
		words = append(words, int(cw[start+i]))
	}
	if err := r.dec.Decode(words, ec); err != nil {
		return errMaxiChecksum
	}
	if !r.isCodeword(words, ec) {
		return errMaxiChecksum
	}
	for i, k := first, 0; i < n; i, k = i+step, k+1 {
		cw[start+i] = byte(words[k])
	}
	return nil
}

// isCodeword is the earlier maxiRS.isCodeword.
func (r *refMaxiRS) isCodeword(words []int, ec int) bool {
	base := r.field.GetGeneratorBase()
	for i := range ec {
		x := r.field.Exp(i + base)
		s := 0
		for _, w := range words {
			if w < 0 || w >= 64 {
				return false
			}
			s = r.field.Multiply(s, x) ^ w
		}
		if s != 0 {
			return false
		}
	}
	return true
}

// refMaxiCodewordsOf is the earlier maxiCodewordsOf, walking the grid.
func refMaxiCodewordsOf(dark func(x, y int) bool, n int) [maxiCodewords]byte {
	var cw [maxiCodewords]byte
	for y := range maxiRows {
		for x := range maxiCols {
			if b := maxiBitNr[y][x]; b >= 0 && int(b) < 6*n && dark(x, y) {
				cw[b/6] |= 1 << (5 - b%6)
			}
		}
	}
	return cw
}

// TestMaxiCorrectMatchesGozxing corrects blocks of MaxiCode's shapes
// (and others) with 0 to well beyond the correctable number of errors,
// and random words, with both correctors: they must agree on success
// and on the corrected words.
func TestMaxiCorrectMatchesGozxing(t *testing.T) {
	rng := rand.New(rand.NewSource(16023))
	enc := reedsolomon.NewReedSolomonEncoder(reedsolomon.GenericGF_MAXICODE_FIELD_64)
	ref, rs := newRefMaxiRS(), newMaxiRS()
	shapes := [][2]int{{20, 10}, {62, 20}, {62, 28}, {10, 4}, {30, 6}, {63, 2}, {40, 30}, {5, 2}}
	ok, fail := 0, 0
	for _, sh := range shapes {
		n, ec := sh[0], sh[1]
		for trial := range 3000 {
			block := make([]int, n)
			for i := range n - ec {
				block[i] = rng.Intn(64)
			}
			if err := enc.Encode(block, ec); err != nil {
				t.Fatal(err)
			}
			words := make([]byte, n)
			for i, v := range block {
				words[i] = byte(v)
			}
			switch {
			case trial%10 == 0:
				for i := range words {
					words[i] = byte(rng.Intn(64))
				}
			case trial%10 == 1:
				// A few words slightly off a codeword.
				for range 1 + rng.Intn(2) {
					words[rng.Intn(n)] ^= 1 << rng.Intn(6)
				}
			default:
				errs := rng.Intn(ec/2 + 4)
				for range errs {
					words[rng.Intn(n)] = byte(rng.Intn(64))
				}
			}
			a := append([]byte(nil), words...)
			b := append([]byte(nil), words...)
			errA := ref.correct(a, 0, n, ec, -1)
			errB := rs.correct(b, 0, n, ec, -1)
			if (errA == nil) != (errB == nil) || string(a) != string(b) {
				t.Fatalf("n %d ec %d words %v: gozxing %v %v, ours %v %v", n, ec, words, errA, a, errB, b)
			}
			if errA == nil {
				ok++
			} else {
				fail++
			}
		}
	}
	// Whole symbols, interleaved secondary blocks and all.
	for trial := range 2000 {
		var cw [maxiCodewords]byte
		for i := range cw {
			cw[i] = byte(rng.Intn(64))
		}
		if trial%2 == 0 {
			cw = maxiEncode(t, cw[:10+84])
			for range rng.Intn(30) {
				cw[rng.Intn(maxiCodewords)] = byte(rng.Intn(64))
			}
		}
		for parity := -1; parity < 2; parity++ {
			a, b := cw, cw
			errA := ref.correct(a[:], 20, 124, 40, parity)
			errB := rs.correct(b[:], 20, 124, 40, parity)
			if (errA == nil) != (errB == nil) || a != b {
				t.Fatalf("symbol %v parity %d: gozxing %v, ours %v", cw, parity, errA, errB)
			}
		}
	}
	if ok < 1000 || fail < 1000 {
		t.Fatalf("%d corrected, %d failed: the cases do not cover both", ok, fail)
	}
}

// TestMaxiCodewordsOfMatchesGrid samples random module patterns with
// the bit table and by walking the grid.
func TestMaxiCodewordsOfMatchesGrid(t *testing.T) {
	rng := rand.New(rand.NewSource(33))
	for range 200 {
		var dark [maxiRows][maxiCols]bool
		p := rng.Float64()
		for y := range dark {
			for x := range dark[y] {
				dark[y][x] = rng.Float64() < p
			}
		}
		f := func(x, y int) bool { return dark[y][x] }
		for _, n := range []int{0, 1, maxiPrimaryWords, 77, maxiCodewords} {
			if got, want := maxiCodewordsOf(f, n), refMaxiCodewordsOf(f, n); got != want {
				t.Fatalf("n %d: got %v, want %v", n, got, want)
			}
		}
	}
}

// refRowRuns is the earlier rowRuns, on BitArray's searches.
func refRowRuns(row *gozxing.BitArray, w int, runs []int) []int {
	x, dark := 0, false
	for x < w {
		var next int
		if dark {
			next = row.GetNextUnset(x)
		} else {
			next = row.GetNextSet(x)
		}
		if next > w {
			next = w
		}
		runs = append(runs, next-x)
		x, dark = next, !dark
	}
	return runs
}

// refBullseyeRuns is the earlier bullseyeRuns, in floats.
func refBullseyeRuns(r []int) (float64, bool) {
	if r[5]+1 < max(r[3], r[7]) {
		return 0, false
	}
	sum := 0
	for i, n := range r[1:10] {
		if i != 4 {
			sum += n
		}
	}
	mean := float64(sum) / 8
	if mean < 1.5 {
		return 0, false
	}
	for i, n := range r {
		f := float64(n) / mean
		switch i {
		case 0, 10:
			if f < 0.45 || f > 4 {
				return 0, false
			}
		case 5:
			if f < 0.6 || f > 4.5 {
				return 0, false
			}
		default:
			if f < 0.45 || f > 1.8 {
				return 0, false
			}
		}
	}
	left := r[1] + r[2] + r[3] + r[4]
	right := r[6] + r[7] + r[8] + r[9]
	if f := float64(left) / float64(right); f < 0.7 || f > 1.43 {
		return 0, false
	}
	return mean, true
}

// TestRowRunsMatchesBitArray compares the run lengths of random rows
// (runs of random lengths, bits set past the width too) with the
// earlier BitArray walk.
func TestRowRunsMatchesBitArray(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for trial := range 5000 {
		w := rng.Intn(200)
		if trial%50 == 0 {
			w = 32 * rng.Intn(5)
		}
		size := w + rng.Intn(40)
		row := gozxing.NewBitArray(size)
		mean := 1 + rng.Intn(12)
		for x, dark := 0, rng.Intn(2) == 0; x < size; dark = !dark {
			n := 1 + rng.Intn(2*mean)
			for ; n > 0 && x < size; n, x = n-1, x+1 {
				if dark {
					row.Set(x)
				}
			}
		}
		got := rowRuns(row.GetBitArray(), w, nil)
		want := refRowRuns(row, w, nil)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("w %d row %v: got %v, want %v", w, row, got, want)
		}
	}
}

// TestBullseyeRunsMatchesFloat compares the integer bounds with the
// earlier float ones on random runs, many of them at a bound exactly.
func TestBullseyeRunsMatchesFloat(t *testing.T) {
	// The left/right bounds exactly, and a step either side.
	for _, r := range [][11]int{
		{30, 36, 36, 36, 35, 40, 25, 25, 25, 25, 30},
		{30, 36, 36, 36, 36, 40, 25, 25, 25, 25, 30},
		{30, 72, 72, 71, 71, 80, 50, 50, 50, 50, 30},
		{30, 18, 18, 17, 17, 30, 25, 25, 25, 25, 30},
		{30, 18, 18, 17, 16, 30, 25, 25, 25, 25, 30},
	} {
		gotM, gotOK := bullseyeRuns(r[:])
		wantM, wantOK := refBullseyeRuns(r[:])
		if gotM != wantM || gotOK != wantOK {
			t.Fatalf("runs %v: got %v %v, want %v %v", r, gotM, gotOK, wantM, wantOK)
		}
	}
	rng := rand.New(rand.NewSource(11))
	pass := 0
	for trial := range 2000000 {
		ring := 1 + rng.Intn(40)
		if trial%3 == 0 {
			ring = 1 + rng.Intn(4)
		}
		var r [11]int
		for i := range r {
			r[i] = max(0, ring+rng.Intn(2*ring+1)-ring)
		}
		switch trial % 4 {
		case 1:
			r[5] = rng.Intn(5 * ring)
		case 2:
			r[0], r[10] = rng.Intn(5*ring), rng.Intn(5*ring)
		}
		gotM, gotOK := bullseyeRuns(r[:])
		wantM, wantOK := refBullseyeRuns(r[:])
		if gotM != wantM || gotOK != wantOK {
			t.Fatalf("runs %v: got %v %v, want %v %v", r, gotM, gotOK, wantM, wantOK)
		}
		if gotOK {
			pass++
		}
	}
	if pass < 1000 {
		t.Fatalf("only %d of the random runs pass", pass)
	}
}

// TestMaxiScorePointsMatchGrid checks the fit's table of points against
// the grid walk that computed them at each score before.
func TestMaxiScorePointsMatchGrid(t *testing.T) {
	k := 0
	for y := range maxiRows {
		for x := range maxiCols {
			if maxiBitNr[y][x] == -3 {
				continue
			}
			u, v := maxiUV(x, y)
			want := [5][2]float64{{u, v}}
			for i, d := range [4][2]float64{{0.33, 0}, {-0.33, 0}, {0, 0.29}, {0, -0.29}} {
				want[i+1] = [2]float64{u + d[0], v + d[1]}
			}
			if k >= len(maxiScorePoints) || maxiScorePoints[k] != want {
				t.Fatalf("module %d (%d, %d): table differs from %v", k, x, y, want)
			}
			k++
		}
	}
	if k != len(maxiScorePoints) {
		t.Fatalf("table has %d modules, the grid %d", len(maxiScorePoints), k)
	}
}

// refMaxiTurns is the earlier orientation search, counting every
// module at every turn.
func refMaxiTurns(m *gozxing.BitMatrix, grid func(maxiParams) maxiGrid) []maxiTurn {
	var turns []maxiTurn
	const thetaSteps = 240
	scores := make([]int, thetaSteps)
	for i := range thetaSteps {
		g := grid(maxiParams{mpTheta: 2 * math.Pi * float64(i) / thetaSteps, mpK: maxiRingPitch})
		for _, o := range maxiOrient {
			px, py := g.at(o[1], o[0])
			if maxiDark(m, px, py) == (o[2] == 1) {
				scores[i]++
			}
		}
	}
	for i, sc := range scores {
		if sc < len(maxiOrient)-4 || scores[(i+thetaSteps-1)%thetaSteps] >= sc {
			continue
		}
		j := i
		for j < i+thetaSteps-1 && scores[(j+1)%thetaSteps] == sc {
			j++
		}
		if scores[(j+1)%thetaSteps] < sc {
			mid := float64(i+j) / 2
			turns = append(turns, maxiTurn{2 * math.Pi * mid / thetaSteps, sc})
		}
	}
	sort.SliceStable(turns, func(i, j int) bool { return turns[i].score > turns[j].score })
	if len(turns) > 6 {
		turns = turns[:6]
	}
	return turns
}

// TestMaxiTurnsMatchesFullCount compares the orientation search with the
// earlier full count on zint's UPS symbol turned to several angles (at
// scales around the true one, so that real turns are found) and on
// random dots.
func TestMaxiTurnsMatchesFullCount(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	check := func(m *gozxing.BitMatrix, cx, cy, r float64) int {
		e := [2][2]float64{{r, rng.Float64() * r / 10}, {0, r * (0.9 + rng.Float64()/5)}}
		// The grid as readBullseye placed it before maxiPlace.
		grid := func(p maxiParams) maxiGrid {
			c, s := math.Cos(p[mpTheta]), math.Sin(p[mpTheta])
			g := maxiGrid{cx: cx + p[mpDX], cy: cy + p[mpDY], pu: p[mpPU], pv: p[mpPV]}
			rot := [2][2]float64{{c, -s}, {s, c}}
			for i := range 2 {
				for j := range 2 {
					g.m[i][j] = (e[i][0]*rot[0][j] + e[i][1]*rot[1][j]) / p[mpK]
				}
				g.m[i][1] *= 1 + p[mpRows]
			}
			return g
		}
		got, want := maxiTurns(m, &maxiPlace{cx: cx, cy: cy, e: e}), refMaxiTurns(m, grid)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("centre (%.1f, %.1f) radius %.1f: got %v, want %v", cx, cy, r, got, want)
		}
		return len(got)
	}
	found := 0
	ups := renderUPSMaxiCode(t, t.TempDir(), "2")
	for _, deg := range []float64{0, 13, 30, 47, 90, 200} {
		g := rotateFill(ups, deg, 255)
		bm, _ := gozxing.NewBinaryBitmap(newHybridBinarizer(newGrayLuminance(g)))
		m, err := bm.GetBlackMatrix()
		if err != nil {
			t.Fatal(err)
		}
		bs := findBullseyes(m)
		if len(bs) == 0 {
			t.Fatalf("no bullseye at %v°", deg)
		}
		for _, b := range bs {
			for k := 0.85; k < 1.15; k += 0.01 {
				found += check(m, b.x+rng.Float64()-0.5, b.y+rng.Float64()-0.5, k*b.ring*2*maxiRingPitch)
			}
		}
	}
	for range 100 {
		w, h := 60+rng.Intn(100), 60+rng.Intn(100)
		m, _ := gozxing.NewBitMatrix(w, h)
		p := rng.Float64()
		for y := range h {
			for x := range w {
				if rng.Float64() < p {
					m.Set(x, y)
				}
			}
		}
		for range 20 {
			found += check(m, rng.Float64()*float64(w), rng.Float64()*float64(h), 5+rng.Float64()*40)
		}
	}
	if found < 50 {
		t.Fatalf("only %d turns found: the cases do not test the plateaus", found)
	}
}

// TestGridCodewordsMatchesModules samples random grids on random dots
// from the table of the bits' places and module by module as before.
func TestGridCodewordsMatchesModules(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	m, _ := gozxing.NewBitMatrix(300, 200)
	for y := range 200 {
		for x := range 300 {
			if rng.Intn(2) == 0 {
				m.Set(x, y)
			}
		}
	}
	for range 500 {
		g := maxiGrid{cx: rng.Float64() * 300, cy: rng.Float64() * 200, pu: rng.NormFloat64() / 50, pv: rng.NormFloat64() / 50}
		for i := range 2 {
			for j := range 2 {
				g.m[i][j] = rng.NormFloat64() * 8
			}
		}
		dark := func(x, y int) bool {
			px, py := g.at(x, y)
			return maxiDark(m, px, py)
		}
		for _, n := range []int{maxiPrimaryWords, maxiCodewords} {
			if got, want := g.codewords(m, n), refMaxiCodewordsOf(dark, n); got != want {
				t.Fatalf("grid %+v, %d codewords: got %v, want %v", g, n, got, want)
			}
		}
	}
}

// refConfirmBullseye is the earlier confirmBullseye, walking every run
// to its end.
func refConfirmBullseye(m *gozxing.BitMatrix, x, y, ring float64) (bullseye, bool) {
	ix, iy := int(x), int(y)
	h := m.GetHeight()
	if m.Get(ix, iy) {
		return bullseye{}, false
	}
	most := int(5*ring) + 2
	up, down := iy, iy
	for up > 0 && iy-up < most && !m.Get(ix, up-1) {
		up--
	}
	for down < h-1 && down-iy < most && !m.Get(ix, down+1) {
		down++
	}
	var r [11]int
	r[5] = down - up + 1
	if r[5] > most {
		return bullseye{}, false
	}
	p := up - 1
	for k := 4; k >= 0; k-- {
		dark := k%2 == 0
		n := 0
		for p >= 0 && n <= most && m.Get(ix, p) == dark {
			n++
			p--
		}
		r[k] = n
	}
	p = down + 1
	for k := 6; k < 11; k++ {
		dark := k%2 == 0
		n := 0
		for p < h && n <= most && m.Get(ix, p) == dark {
			n++
			p++
		}
		r[k] = n
	}
	vring, ok := refBullseyeRuns(r[:])
	if !ok || vring < ring/2 || vring > ring*2 {
		return bullseye{}, false
	}
	return bullseye{x: x, y: float64(up+down+1) / 2, ring: (ring + vring) / 2, hits: 1}, true
}

// TestConfirmBullseyeMatchesFullWalk confirms candidates on columns of
// random runs (many of them a bullseye's, some cut by the image's edge)
// with the early stops and with the earlier full walk.
func TestConfirmBullseyeMatchesFullWalk(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	pass := 0
	for range 3000 {
		h := 20 + rng.Intn(300)
		m, _ := gozxing.NewBitMatrix(3, h)
		width := 1 + rng.Intn(12)
		dark := rng.Intn(2) == 0
		for y := 0; y < h; dark = !dark {
			n := max(1, width+rng.Intn(width+1)-width/2)
			switch rng.Intn(8) {
			case 0:
				n = 1 + rng.Intn(8*width)
			case 1:
				n = 1 + rng.Intn(3)
			}
			for ; n > 0 && y < h; n, y = n-1, y+1 {
				if dark {
					m.Set(1, y)
				}
			}
		}
		for range 20 {
			y := rng.Float64() * float64(h)
			ring := float64(width) * (0.4 + 2*rng.Float64())
			if rng.Intn(3) == 0 {
				ring = float64(width)
			}
			got, gotOK := confirmBullseye(m, 1.5, y, ring)
			want, wantOK := refConfirmBullseye(m, 1.5, y, ring)
			if got != want || gotOK != wantOK {
				t.Fatalf("column %v at %.2f ring %.2f: got %v %v, want %v %v", m, y, ring, got, gotOK, want, wantOK)
			}
			if gotOK {
				pass++
			}
		}
	}
	if pass < 500 {
		t.Fatalf("only %d candidates confirmed: the cases do not test the walk", pass)
	}
}
