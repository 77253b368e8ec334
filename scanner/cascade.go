package scanner

import (
	"image"
	"sort"

	"github.com/makiuchi-d/gozxing"
	qrdetector "github.com/makiuchi-d/gozxing/qrcode/detector"
)

// structure scores how much g looks like it holds a code: the largest
// number of strong, alternating edges (dark to light and back) met within
// a third of a line (at least 160 pixels), over a few rows and columns. A bar code or a 2D
// symbol crossed anywhere gives dozens; an empty frame, a wall or sensor
// noise none. Edges are differences over 3 pixels (blurred edges count)
// of at least 16 levels or a quarter of the image's contrast (a dark
// photo's bars may differ by 30 levels).
func structure(g *image.Gray) int {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	if w < 8 || h < 8 {
		// Too thin to judge (a single scan line): cheap to try.
		return tryHarderStructure
	}
	// The contrast, from a sample of pixels.
	var sample []uint8
	for y := 0; y < h; y += max(1, h/32) {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for x := 0; x < w; x += max(1, w/32) {
			sample = append(sample, row[x])
		}
	}
	sort.Slice(sample, func(i, j int) bool { return sample[i] < sample[j] })
	lo, hi := int(sample[len(sample)/50]), int(sample[len(sample)-1-len(sample)/50])
	t := max(16, (hi-lo)/4)
	best := 0
	line := make([]int, max(w, h))
	score := func(n int) {
		win := max(160, n/3)
		var edges []int
		last := 0
		for i := 0; i+3 < n; i++ {
			d := line[i+3] - line[i]
			sign := 0
			if d >= t {
				sign = 1
			} else if d <= -t {
				sign = -1
			}
			if sign != 0 && sign != last {
				edges = append(edges, i)
				last = sign
			}
		}
		for i, j := 0, 0; j < len(edges); j++ {
			for edges[j]-edges[i] > win {
				i++
			}
			best = max(best, j-i+1)
		}
	}
	const lines = 32
	for k := 1; k < lines; k++ {
		y := k * h / lines
		for x := 0; x < w; x++ {
			line[x] = int(g.Pix[y*g.Stride+x])
		}
		score(w)
		x := k * w / lines
		for y := 0; y < h; y++ {
			line[y] = int(g.Pix[y*g.Stride+x])
		}
		score(h)
	}
	return best
}

// Structure thresholds: below minStructure nothing is tried (no code can
// be there); the try-harder preparations run only from tryHarderStructure.
const (
	minStructure       = 6
	tryHarderStructure = 8
)

// hasRectangle tells whether g shows the corner of a rectangle, in
// either polarity after the hybrid binarizer: two QR finder patterns, or
// an L of two straight runs (dark, or light) at least a sixth of g's
// shorter side long meeting at a corner: Data Matrix's solid finder, or
// the edges of the flat light label a code is printed on. The try-harder
// pass's 2D preparations beyond quiet zone and resolution (contrast,
// blur, thresholds, turns, crops, mirror) have read codes only in such
// images; textures (fabric, carpet, mesh), whose every row looks like a
// code's, show none, and skip them.
func hasRectangle(g *image.Gray) bool {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	arm := max(8, min(w, h)/6)
	lum := newGrayLuminance(g)
	for _, src := range []gozxing.LuminanceSource{lum, gozxing.NewInvertedLuminanceSource(lum)} {
		m, err := newHybridBinarizer(src).GetBlackMatrix()
		if err != nil {
			continue
		}
		if hasL(m, arm) {
			return true
		}
		f := qrdetector.NewFinderPatternFinder(m, nil)
		findQRPatterns(f, true)
		if len(f.GetPossibleCenters()) >= 2 {
			return true
		}
	}
	return false
}

// hasL tells whether m has a row run of set pixels at least arm long with
// a column run at least arm long (up or down) from one of its ends.
func hasL(m *gozxing.BitMatrix, arm int) bool {
	w, h := m.GetWidth(), m.GetHeight()
	column := func(x, y, dy int) int {
		n := 0
		for ; y >= 0 && y < h && m.Get(x, y); y += dy {
			n++
		}
		return n
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; {
			if !m.Get(x, y) {
				x++
				continue
			}
			x0 := x
			for x < w && m.Get(x, y) {
				x++
			}
			if x-x0 < arm {
				continue
			}
			for _, e := range [2]int{x0, x - 1} {
				if column(e, y, -1) >= arm || column(e, y, 1) >= arm {
					return true
				}
			}
		}
	}
	return false
}
