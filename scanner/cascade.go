package scanner

import (
	"image"
	"sort"
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
