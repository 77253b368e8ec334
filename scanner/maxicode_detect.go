package scanner

// Finding a MaxiCode symbol in a binarized image. zxing and zxing-cpp
// read only upright symbols cropped tight (their "pure" extraction, kept
// here as maxiPure); a label held to a camera is turned, so this file
// finds the bullseye (three dark rings round a light centre) on the rows
// of the image, confirms it down its column, measures its outer ring in
// 16 directions (an ellipse when the label is seen at a slant), turns a
// model of the hexagon grid until the orientation modules around the
// bullseye match, and samples. Where the primary message (near the
// centre) corrects but the rest does not, the grid is fitted to the
// modules (turn, scale, tilt, centre, row spacing) and sampled again.
// Reed-Solomon on the primary and both secondary blocks decides: nothing
// is reported unless all three correct and the text parses.

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/makiuchi-d/gozxing"
)

// maxiRingPitch is the radius of the middle of the bullseye's outer dark
// ring in module pitches (centre-to-centre distance of neighbouring
// hexagons in a row): its outer diameter is about 9 pitches, a third of
// the symbol's width.
const maxiRingPitch = 4.15

// maxiOrient lists the orientation modules around the bullseye (row,
// column, dark).
var maxiOrient = func() [][3]int {
	var o [][3]int
	for y := 8; y < 25; y++ {
		for x := 6; x < 23; x++ {
			switch maxiBitNr[y][x] {
			case -2:
				o = append(o, [3]int{y, x, 1})
			case -1:
				o = append(o, [3]int{y, x, 0})
			}
		}
	}
	return o
}()

// maxiGrid maps the module grid onto the image: module (x, y) lies at
// c + M·(u, v) / (1 + pu·u + pv·v), with (u, v) its place in pitches
// from the bullseye's centre and pu, pv the perspective of a label
// tilted away from the camera.
type maxiGrid struct {
	cx, cy float64
	m      [2][2]float64
	pu, pv float64
}

// maxiUV is the place of module x of row y in pitches from the
// bullseye's centre.
func maxiUV(x, y int) (float64, float64) {
	return float64(x) + 0.5*float64(y&1) - 14, (float64(y) - 16) * math.Sqrt(3) / 2
}

// at returns the image point of module x of row y.
func (g *maxiGrid) at(x, y int) (float64, float64) {
	return g.atUV(maxiUV(x, y))
}

// codewords samples the first n codewords of the grid in m (the others
// are left zero), as maxiCodewordsOf with a module's darkness at its
// centre, from a table of the bits' places.
func (g *maxiGrid) codewords(m *gozxing.BitMatrix, n int) [maxiCodewords]byte {
	var cw [maxiCodewords]byte
	for b, uv := range maxiBitUV[:6*n] {
		if g.dark(m, uv[0], uv[1]) {
			cw[b/6] |= 1 << (5 - b%6)
		}
	}
	return cw
}

// maxiBitUV holds maxiUV of the module of each codeword bit.
var maxiBitUV = func() (uv [6 * maxiCodewords][2]float64) {
	for b, xy := range maxiBitXY {
		u, v := maxiUV(int(xy[0]), int(xy[1]))
		uv[b] = [2]float64{u, v}
	}
	return uv
}()

// dark tells whether m is dark at (u, v) pitches from the centre.
func (g *maxiGrid) dark(m *gozxing.BitMatrix, u, v float64) bool {
	x, y := g.atUV(u, v)
	return maxiDark(m, x, y)
}

// atUV returns the image point at (u, v) pitches from the centre.
func (g *maxiGrid) atUV(u, v float64) (float64, float64) {
	w := 1 + g.pu*u + g.pv*v
	return g.cx + (g.m[0][0]*u+g.m[0][1]*v)/w, g.cy + (g.m[1][0]*u+g.m[1][1]*v)/w
}

// maxiDark tells whether the pixel at (x, y) is dark; outside the image
// is light.
func maxiDark(m *gozxing.BitMatrix, x, y float64) bool {
	ix, iy := int(math.Floor(x)), int(math.Floor(y))
	if ix < 0 || iy < 0 || ix >= m.GetWidth() || iy >= m.GetHeight() {
		return false
	}
	return m.Get(ix, iy)
}

// decodeMaxiCode reads a MaxiCode symbol in bm: the upright, cropped one
// of a pure image when pure is set, else one found by its bullseye.
func (s *session) decodeMaxiCode(bm *gozxing.BinaryBitmap, pure bool) []hit {
	m, err := bm.GetBlackMatrix()
	if err != nil {
		return nil
	}
	rs := newMaxiRS()
	text, ok := "", false
	if pure {
		text, ok = maxiPure(m, rs)
	} else {
		bs := findBullseyes(m)
		if s.cheap && len(bs) > 0 {
			s.sh.bullseye.Store(true)
		}
		for _, b := range bs {
			if text, ok = readBullseye(m, b, rs); ok {
				break
			}
		}
	}
	if !ok {
		return nil
	}
	if shortUPSNumber(text) {
		if h, ok := s.labelNumber1D(bm); ok {
			return []hit{h}
		}
	}
	return []hit{{text: text, sym: SymMaxiCode}}
}

// labelNumber1D looks for a bar code of a tracking number beside a
// MaxiCode. A UPS label's MaxiCode holds its tracking number in short
// ("1Z" and the last 8 characters; the shipper number apart, the service
// digits not at all) and the label's Code 128 holds it whole: where both
// are in view the whole number is the parcel's, as it was before this
// reader existed.
func (s *session) labelNumber1D(bm *gozxing.BinaryBitmap) (hit, bool) {
	if len(s.ones) == 0 {
		return hit{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), labelScanBudget)
	defer cancel()
	for _, h := range s.read1D(ctx, bm, true, 1, true) {
		if Classify(h.text, ClassifyOptions{}).Kind == KindParcel {
			return h, true
		}
	}
	return hit{}, false
}

// shortUPSNumber tells whether text is a UPS label message whose
// tracking number field is not a whole tracking number.
func shortUPSNumber(text string) bool {
	num, scac, ok := carrierMessage(text)
	return ok && scac == "UPSN" && classifyNumber(normalizeTracking(num), DefaultCarriers()).Kind != KindParcel
}

// labelScanBudget bounds the scan for a label's bar code once its
// MaxiCode is read.
const labelScanBudget = 250 * time.Millisecond

// maxiPure samples the grid over the enclosing rectangle of the dark
// pixels, as zxing does for an upright symbol cropped tight.
func maxiPure(m *gozxing.BitMatrix, rs *maxiRS) (string, bool) {
	r := m.GetEnclosingRectangle()
	if r == nil || r[2] < maxiCols || r[3] < maxiRows {
		return "", false
	}
	left, top, w, h := r[0], r[1], r[2], r[3]
	cw := maxiCodewordsOf(func(x, y int) bool {
		iy := top + (y*h+h/2)/maxiRows
		ix := left + (x*w+w/2+(y&1)*w/2)/maxiCols
		return m.Get(ix, iy)
	}, maxiCodewords)
	text, _, err := rs.decode(cw)
	return text, err == nil && plausible2D(hit{text: text})
}

// bullseye is a candidate centre of a MaxiCode finder pattern.
type bullseye struct {
	x, y float64
	ring float64 // mean width of a ring on the rows that found it
	hits int     // rows that found it
}

// maxBullseyes bounds the candidates read per image.
const maxBullseyes = 4

// findBullseyes scans the rows of m (every second one in large images)
// for the bullseye's 11 runs (dark, light, dark, light, dark, light
// centre, and the same again), confirms each down its column and returns
// the candidates found on most rows first. Its cost is linear in pixels.
func findBullseyes(m *gozxing.BitMatrix) []bullseye {
	w, h := m.GetWidth(), m.GetHeight()
	step := 1
	if h >= 400 {
		step = 2
	}
	var found []bullseye
	row := gozxing.NewBitArray(w)
	var runs []int
	for y := 0; y < h; y += step {
		row = m.GetRow(y, row)
		runs = rowRuns(row.GetBitArray(), w, runs[:0])
		// runs alternate light and dark, starting with light (a run of
		// length 0 when the row starts dark): dark runs are odd.
		x := 0
		for i := 0; i+11 <= len(runs); i++ {
			if i > 0 {
				x += runs[i-1]
			}
			if i%2 == 0 || runs[i+5]+1 < max(runs[i+3], runs[i+7]) {
				// A light run, or bullseyeRuns' first test fails (half
				// the windows; here, they cost no call).
				continue
			}
			ring, ok := bullseyeRuns(runs[i : i+11])
			if !ok {
				continue
			}
			cx := float64(x+runs[i]+runs[i+1]+runs[i+2]+runs[i+3]+runs[i+4]) + float64(runs[i+5])/2
			if b, ok := confirmBullseye(m, cx, float64(y), ring); ok {
				found = mergeBullseye(found, b)
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].hits > found[j].hits })
	if len(found) > maxBullseyes {
		found = found[:maxBullseyes]
	}
	return found
}

// bullseyeRuns tells whether 11 runs (dark first) look like a line
// through the bullseye's centre: rings of about the same width on either
// side of a light centre (one to four rings wide; generators differ), the
// outermost dark ones perhaps merged with modules touching them, and
// returns the mean ring width.
//
// The run's width in means, f = 8n/sum, is compared with its bounds in
// integers: the search calls this at every dark run of every row. A
// float quotient of integers this small rounds to the same side of a
// bound as the exact one (they differ by far less than 1/(20·sum)), so
// the integers decide as float64 division did.
func bullseyeRuns(r []int) (float64, bool) {
	if r[5]+1 < max(r[3], r[7]) {
		// The centre is the widest light run: else this is a window
		// shifted onto a light ring (or no bullseye at all).
		return 0, false
	}
	sum := r[1] + r[2] + r[3] + r[4] + r[6] + r[7] + r[8] + r[9]
	if sum < 12 { // a ring under 1.5 pixels
		return 0, false
	}
	for i, n := range r {
		switch i {
		case 0, 10:
			// 0.45 ≤ f ≤ 4.
			if 160*n < 9*sum || 2*n > sum {
				return 0, false
			}
		case 5:
			// 0.6 ≤ f ≤ 4.5.
			if 40*n < 3*sum || 16*n > 9*sum {
				return 0, false
			}
		default:
			// 0.45 ≤ f ≤ 1.8.
			if 160*n < 9*sum || 40*n > 9*sum {
				return 0, false
			}
		}
	}
	// The rings' widths left and right of the centre agree within a
	// ratio of 0.7 to 1.43.
	left := r[1] + r[2] + r[3] + r[4]
	right := r[6] + r[7] + r[8] + r[9]
	if 10*left < 7*right || 100*left > 143*right {
		return 0, false
	}
	return float64(sum) / 8, true
}

// confirmBullseye checks the column through (x, y) for the same rings and
// returns the centre between the column's and the row's.
func confirmBullseye(m *gozxing.BitMatrix, x, y, ring float64) (bullseye, bool) {
	ix, iy := int(x), int(y)
	h := m.GetHeight()
	if m.Get(ix, iy) {
		return bullseye{}, false
	}
	// The light centre up and down, then five runs each way; no run is
	// longer than a few rings (the gaps of a bar code are).
	most := int(5*ring) + 2
	up, down := iy, iy
	for up > 0 && iy-up < most && !m.Get(ix, up-1) {
		up--
	}
	// Down only as far as the centre run is not yet too long: most
	// rows' candidates are a light gap of text, long in the column.
	for down < h-1 && down-up < most && !m.Get(ix, down+1) {
		down++
	}
	var r [11]int
	r[5] = down - up + 1
	if r[5] > most {
		return bullseye{}, false
	}
	// The walk stops at a run that bullseyeRuns and the check below
	// would reject whatever the others: one of length 0 (below 0.45
	// mean widths), or a ring's run longer than 3.6 of the row's ring
	// widths (over 1.8 mean widths, or a mean over twice the row's).
	longest := int(3.7 * ring)
	p := up - 1
	for k := 4; k >= 0; k-- {
		dark := k%2 == 0
		n := 0
		for p >= 0 && n <= most && m.Get(ix, p) == dark {
			n++
			p--
		}
		if n == 0 || k != 0 && n > longest {
			return bullseye{}, false
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
		if n == 0 || k != 10 && n > longest {
			return bullseye{}, false
		}
		r[k] = n
	}
	vring, ok := bullseyeRuns(r[:])
	if !ok || vring < ring/2 || vring > ring*2 {
		return bullseye{}, false
	}
	return bullseye{x: x, y: float64(up+down+1) / 2, ring: (ring + vring) / 2, hits: 1}, true
}

// mergeBullseye adds b to found, or counts it to a candidate within a
// ring's width of it.
func mergeBullseye(found []bullseye, b bullseye) []bullseye {
	for i := range found {
		f := &found[i]
		if math.Abs(f.x-b.x) <= f.ring && math.Abs(f.y-b.y) <= f.ring {
			n := float64(f.hits)
			f.x = (f.x*n + b.x) / (n + 1)
			f.y = (f.y*n + b.y) / (n + 1)
			f.ring = (f.ring*n + b.ring) / (n + 1)
			f.hits++
			return found
		}
	}
	return append(found, b)
}

// ringRadius measures, from (cx, cy) in direction phi, the distance to
// the middle of the bullseye's outer dark ring, 0 if the rings are not
// there.
func ringRadius(m *gozxing.BitMatrix, cx, cy, phi, ring float64) float64 {
	dx, dy := math.Cos(phi), math.Sin(phi)
	const stepPx = 0.5
	limit := ring * 20
	var edges [6]float64 // light→dark, dark→light, ... from the centre
	n := 0
	dark := false
	for t := 0.0; t < limit && n < 6; t += stepPx {
		d := maxiDark(m, cx+t*dx, cy+t*dy)
		if d != dark {
			edges[n] = t - stepPx/2
			n++
			dark = d
		}
	}
	if n < 5 {
		return 0
	}
	// Rings are evenly spaced: the inner edges of the dark rings give
	// the width; the outer ring may touch dark modules outside it.
	w := (edges[4] - edges[0]) / 4
	if n == 6 && edges[5]-edges[4] < 1.6*w {
		return (edges[4] + edges[5]) / 2
	}
	return edges[4] + w/2
}

// ellipseOf fits the outer ring's radii r measured in directions
// 2πi/len(r) to an ellipse and returns the map from the unit circle onto
// it (a circle of the median radius when the fit fails).
func ellipseOf(r []float64) ([2][2]float64, bool) {
	n := len(r)
	// 1/r² = a cos² + 2b cos sin + c sin², least squares.
	var ata [3][3]float64
	var atb [3]float64
	used := 0
	for i, ri := range r {
		if ri <= 0 {
			continue
		}
		phi := 2 * math.Pi * float64(i) / float64(n)
		c, s := math.Cos(phi), math.Sin(phi)
		row := [3]float64{c * c, 2 * c * s, s * s}
		y := 1 / (ri * ri)
		for j := range 3 {
			for k := range 3 {
				ata[j][k] += row[j] * row[k]
			}
			atb[j] += row[j] * y
		}
		used++
	}
	if used < 6 {
		return [2][2]float64{}, false
	}
	q, ok := solve3(ata, atb)
	if !ok {
		return [2][2]float64{}, false
	}
	a, b, c := q[0], q[1], q[2]
	// Eigen decomposition of [[a b][b c]]; E = V diag(1/√λ) Vᵀ.
	tr, det := a+c, a*c-b*b
	disc := math.Sqrt(math.Max(0, tr*tr/4-det))
	l1, l2 := tr/2+disc, tr/2-disc
	if l1 <= 0 || l2 <= 0 || l1/l2 > 4 {
		return [2][2]float64{}, false
	}
	var v1 [2]float64
	if math.Abs(b) > 1e-12 {
		v1 = [2]float64{l1 - c, b}
	} else if a >= c {
		v1 = [2]float64{1, 0}
	} else {
		v1 = [2]float64{0, 1}
	}
	nv := math.Hypot(v1[0], v1[1])
	v1[0], v1[1] = v1[0]/nv, v1[1]/nv
	v2 := [2]float64{-v1[1], v1[0]}
	s1, s2 := 1/math.Sqrt(l1), 1/math.Sqrt(l2)
	var e [2][2]float64
	for i := range 2 {
		for j := range 2 {
			e[i][j] = s1*v1[i]*v1[j] + s2*v2[i]*v2[j]
		}
	}
	return e, true
}

// solve3 solves a 3×3 linear system by Cramer's rule.
func solve3(a [3][3]float64, b [3]float64) ([3]float64, bool) {
	det := func(m [3][3]float64) float64 {
		return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
			m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
			m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	}
	d := det(a)
	if math.Abs(d) < 1e-18 {
		return [3]float64{}, false
	}
	var x [3]float64
	for k := range 3 {
		m := a
		for i := range 3 {
			m[i][k] = b[i]
		}
		x[k] = det(m) / d
	}
	return x, true
}

// readBullseye measures the bullseye b, finds the symbol's orientation
// and scale around it and decodes it.
func readBullseye(m *gozxing.BitMatrix, b bullseye, rs *maxiRS) (string, bool) {
	const dirs = 16
	radii := make([]float64, dirs)
	var good []float64
	for i := range radii {
		radii[i] = ringRadius(m, b.x, b.y, 2*math.Pi*float64(i)/dirs, b.ring)
		if radii[i] > 0 {
			good = append(good, radii[i])
		}
	}
	if len(good) < dirs/2 {
		return "", false
	}
	sort.Float64s(good)
	med := good[len(good)/2]
	// Directions far off the median met a module touching the ring or
	// a gap in it.
	for i, r := range radii {
		if r < 0.8*med || r > 1.25*med {
			radii[i] = 0
		}
	}
	e, ok := ellipseOf(radii)
	if !ok {
		e = [2][2]float64{{med, 0}, {0, med}}
	}
	pl := &maxiPlace{cx: b.x, cy: b.y, e: e}
	grid := pl.grid
	// Orientation: the turns at which the 18 orientation modules match.
	turns := maxiTurns(m, pl)
	// try samples the grid of p and decodes it; primary tells whether
	// the primary message (near the centre) corrects: the turn is right
	// and the far modules are off.
	try := func(p maxiParams) (text string, ok, primary bool) {
		g := grid(p)
		// The primary message's modules first (a seventh of them): the
		// whole symbol is sampled and decoded only when it corrects.
		pcw := g.codewords(m, maxiPrimaryWords)
		if rs.correct(pcw[:], 0, maxiPrimaryWords, maxiPrimaryWords/2, -1) != nil {
			return "", false, false
		}
		text, _, err := rs.decode(g.codewords(m, maxiCodewords))
		if err != nil || !plausible2D(hit{text: text}) {
			return "", false, true
		}
		return text, true, true
	}
	// Where the primary message reads, a small search of turn and scale,
	// then a fit of the grid to the modules; the fits are bounded,
	// which bounds the work on a damaged symbol.
	fits := 0
	for _, t := range turns {
		for _, f := range []float64{1, 0.97, 1.03, 0.94, 1.06, 0.91, 1.09} {
			p := maxiParams{mpTheta: t.theta, mpK: maxiRingPitch * f}
			text, ok, primary := try(p)
			if ok {
				return text, true
			}
			if !primary {
				continue
			}
			for _, d := range [][2]float64{{0, -0.015}, {0, 0.015}, {-0.01, 0}, {0.01, 0}, {-0.01, -0.015}, {0.01, 0.015}, {-0.01, 0.015}, {0.01, -0.015}} {
				q := p
				q[mpTheta] += d[0]
				q[mpK] *= 1 + d[1]
				if text, ok, _ := try(q); ok {
					return text, true
				}
			}
			if fits == maxFits {
				continue
			}
			fits++
			if text, ok := refineMaxiGrid(m, p, med, grid, func(p maxiParams) (string, bool) {
				text, ok, _ := try(p)
				return text, ok
			}); ok {
				return text, true
			}
		}
	}
	return "", false
}

// maxiScorePoints lists, for each module of the grid but the bullseye,
// the points refineMaxiGrid's score compares in pitches from the
// bullseye's centre: the module's centre, then a third of a pitch
// right, left, down and up of it.
var maxiScorePoints = func() (pts [][5][2]float64) {
	for y := range maxiRows {
		for x := range maxiCols {
			if maxiBitNr[y][x] == -3 {
				continue
			}
			u, v := maxiUV(x, y)
			q := [5][2]float64{{u, v}}
			for k, d := range [4][2]float64{{0.33, 0}, {-0.33, 0}, {0, 0.29}, {0, -0.29}} {
				q[k+1] = [2]float64{u + d[0], v + d[1]}
			}
			pts = append(pts, q)
		}
	}
	return pts
}()

// maxiTurn is a turn of the grid at which the orientation modules
// match, and how many of them do.
type maxiTurn struct {
	theta float64
	score int
}

// maxiTurnSteps is how many turns maxiTurns tries.
const maxiTurnSteps = 240

// maxiTurnCosSin holds the cosine and sine of each turn maxiTurns tries,
// as the grid computed them for each bullseye before.
var maxiTurnCosSin = func() (cs [maxiTurnSteps][2]float64) {
	for i := range cs {
		theta := 2 * math.Pi * float64(i) / maxiTurnSteps
		cs[i] = [2]float64{math.Cos(theta), math.Sin(theta)}
	}
	return cs
}()

// maxiOrientUV holds maxiUV of each orientation module of maxiOrient.
var maxiOrientUV = func() (uv [][2]float64) {
	for _, o := range maxiOrient {
		u, v := maxiUV(o[1], o[0])
		uv = append(uv, [2]float64{u, v})
	}
	return uv
}()

// maxiPlace places grids around a measured bullseye: its centre and the
// ellipse of its outer ring.
type maxiPlace struct {
	cx, cy float64
	e      [2][2]float64
}

// grid returns the grid placed by p; a value, not a pointer, as the
// search and the fit build thousands.
func (pl *maxiPlace) grid(p maxiParams) maxiGrid {
	return pl.turned(p, math.Cos(p[mpTheta]), math.Sin(p[mpTheta]))
}

// turned returns the grid placed by p, whose turn has the cosine c and
// the sine s.
func (pl *maxiPlace) turned(p maxiParams, c, s float64) maxiGrid {
	g := maxiGrid{cx: pl.cx + p[mpDX], cy: pl.cy + p[mpDY], pu: p[mpPU], pv: p[mpPV]}
	// M = E · Rot(θ) / k.
	rot := [2][2]float64{{c, -s}, {s, c}}
	for i := range 2 {
		for j := range 2 {
			g.m[i][j] = (pl.e[i][0]*rot[0][j] + pl.e[i][1]*rot[1][j]) / p[mpK]
		}
		g.m[i][1] *= 1 + p[mpRows]
	}
	return g
}

// maxiTurns tries the grid placed by pl at 240 turns around the bullseye
// and returns the middle of each plateau of a local maximum of matching
// orientation modules, at most six, the best first.
func maxiTurns(m *gozxing.BitMatrix, pl *maxiPlace) []maxiTurn {
	var turns []maxiTurn
	const thetaSteps = maxiTurnSteps
	// A turn needs this many modules to match. A score below it is
	// below every score that counts (those not below it), whatever its
	// value, so a turn's count stops as soon as it cannot reach it: most
	// turns, and on a false bullseye nearly all, miss five modules long
	// before the last.
	need := len(maxiOrient) - 4
	scores := make([]int, thetaSteps)
	for i := range thetaSteps {
		cs := maxiTurnCosSin[i]
		g := pl.turned(maxiParams{mpK: maxiRingPitch}, cs[0], cs[1])
		for k, o := range maxiOrient {
			px, py := g.atUV(maxiOrientUV[k][0], maxiOrientUV[k][1])
			if maxiDark(m, px, py) == (o[2] == 1) {
				scores[i]++
			} else if scores[i]+len(maxiOrient)-1-k < need {
				break
			}
		}
	}
	// The middle of each plateau of a local maximum.
	for i, sc := range scores {
		if sc < need || scores[(i+thetaSteps-1)%thetaSteps] >= sc {
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

// maxFits bounds the grid fits (refineMaxiGrid) per bullseye.
const maxFits = 3

// maxiParams place the grid: turn, scale (pitches from the centre to
// the middle of the outer ring), tilt (see maxiGrid), a shift of the
// centre in pixels and a stretch of the rows.
type maxiParams [7]float64

const (
	mpTheta = iota
	mpK
	mpPU
	mpPV
	mpDX
	mpDY
	// mpRows stretches the rows' spacing (0 is the hexagons' √3/2
	// of a pitch; printers and encoders differ by a few per cent).
	mpRows
)

// refineMaxiGrid fits the grid p0 (whose primary message reads) to the
// modules by coordinate ascent on how often a module's centre agrees
// with points a third of a pitch around it (a grid off the modules
// samples their edges), and reads the symbol after each round. ring is
// the outer ring's radius in pixels.
func refineMaxiGrid(m *gozxing.BitMatrix, p0 maxiParams, ring float64, grid func(maxiParams) maxiGrid, read func(maxiParams) (string, bool)) (string, bool) {
	// score counts the agreements of p's grid, or returns some count
	// not above floor once the modules left cannot lift it above: a
	// step is taken only when its score beats the best.
	score := func(p maxiParams, floor int) int {
		g := grid(p)
		n, left := 0, 4*len(maxiScorePoints)
		for _, q := range maxiScorePoints {
			c := g.dark(m, q[0][0], q[0][1])
			for _, d := range q[1:] {
				if g.dark(m, d[0], d[1]) == c {
					n++
				}
			}
			left -= 4
			if n+left <= floor {
				return n
			}
		}
		return n
	}
	pitch := ring / p0[mpK]
	step := maxiParams{0.006, 0.01 * p0[mpK], 0.0015, 0.0015, 0.2 * pitch, 0.2 * pitch, 0.015}
	p, best := p0, score(p0, -1)
	for range 4 {
		for i := range p {
			for _, dir := range []float64{1, -1} {
				for range 4 {
					q := p
					q[i] += dir * step[i]
					sc := score(q, best)
					if sc <= best {
						break
					}
					p, best = q, sc
				}
			}
		}
		if text, ok := read(p); ok {
			return text, true
		}
		for i := range step {
			step[i] /= 2
		}
	}
	return "", false
}
