package scanner

import (
	"github.com/makiuchi-d/gozxing"
)

// gozxing's binarizers set their black matrix one pixel at a time through
// BitMatrix.Set, which costs more than the 2D detectors that read it (a
// 1280x720 frame: 4-7 ms). The binarizers here compute the same matrices,
// bit for bit (binarize_test.go compares them), packing 32 pixels into a
// word before handing each row to the matrix.

// Constants of gozxing's HybridBinarizer.
const (
	hybridBlock      = 8 // block side, pixels
	hybridMinSide    = 5 * hybridBlock
	hybridMinRange   = 24
	globalBucketBits = 5 // GlobalHistogramBinarizer's LUMINANCE_BITS
)

// hybridBinarizer is gozxing's HybridBinarizer, faster: local thresholds
// over 8x8 blocks (the mean of 5x5 blocks' black points), and for rows the
// embedded global histogram binarizer, as gozxing does.
type hybridBinarizer struct {
	*gozxing.GlobalHistogramBinarizer
	matrix *gozxing.BitMatrix
	err    error
}

func newHybridBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return &hybridBinarizer{GlobalHistogramBinarizer: gozxing.NewGlobalHistgramBinarizer(src).(*gozxing.GlobalHistogramBinarizer)}
}

// CreateBinarizer returns a hybridBinarizer over src (gozxing calls it
// for a turned source).
func (b *hybridBinarizer) CreateBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return newHybridBinarizer(src)
}

// GetBlackMatrix returns the thresholded image, computed once.
func (b *hybridBinarizer) GetBlackMatrix() (*gozxing.BitMatrix, error) {
	if b.matrix != nil || b.err != nil {
		return b.matrix, b.err
	}
	src := b.GetLuminanceSource()
	w, h := src.GetWidth(), src.GetHeight()
	if w < hybridMinSide || h < hybridMinSide {
		b.matrix, b.err = globalMatrix(src)
		return b.matrix, b.err
	}
	lum := src.GetMatrix()
	sw, shh := (w+hybridBlock-1)/hybridBlock, (h+hybridBlock-1)/hybridBlock
	bp := blackPoints(lum, sw, shh, w, h)
	words := (w + 31) / 32
	bits := make([]uint32, words*h)
	maxY, maxX := h-hybridBlock, w-hybridBlock
	ts := make([]int, sw)
	for y := 0; y < shh; y++ {
		yo := min(y*hybridBlock, maxY)
		top := clampInt(y, 2, shh-3)
		// The threshold of each block of the row: the mean of the 5x5
		// blocks' black points around it.
		for x := 0; x < sw; x++ {
			left := clampInt(x, 2, sw-3)
			sum := 0
			for z := -2; z <= 2; z++ {
				r := bp[(top+z)*sw+left-2 : (top+z)*sw+left+3]
				sum += r[0] + r[1] + r[2] + r[3] + r[4]
			}
			ts[x] = sum / 25
		}
		// Then the block row's image rows, each read once, in order.
		for yy := yo; yy < yo+hybridBlock; yy++ {
			lrow := lum[yy*w : yy*w+w]
			row := bits[yy*words : (yy+1)*words]
			for x, t := range ts {
				xo := min(x*hybridBlock, maxX)
				px := lrow[xo : xo+hybridBlock : xo+hybridBlock]
				// <= so that black (0) is black even at threshold 0:
				// the sign of v-t-1, without a branch per pixel.
				t1 := t + 1
				byte8 := uint32(uint(int(px[0])-t1)>>63) |
					uint32(uint(int(px[1])-t1)>>63)<<1 |
					uint32(uint(int(px[2])-t1)>>63)<<2 |
					uint32(uint(int(px[3])-t1)>>63)<<3 |
					uint32(uint(int(px[4])-t1)>>63)<<4 |
					uint32(uint(int(px[5])-t1)>>63)<<5 |
					uint32(uint(int(px[6])-t1)>>63)<<6 |
					uint32(uint(int(px[7])-t1)>>63)<<7
				if byte8 != 0 {
					sh := uint(xo & 31)
					row[xo>>5] |= byte8 << sh
					if sh > 32-hybridBlock {
						row[xo>>5+1] |= byte8 >> (32 - sh)
					}
				}
			}
		}
	}
	b.matrix = packedMatrix(bits, w, h)
	return b.matrix, nil
}

// blackPoints is HybridBinarizer.calculateBlackPoints: per 8x8 block the
// mean, or for a flat block half its minimum (or its neighbours' black
// point when that is above its minimum). Row-major, sw per row.
func blackPoints(lum []byte, sw, shh, w, h int) []int {
	maxY, maxX := h-hybridBlock, w-hybridBlock
	bp := make([]int, sw*shh)
	// Per block of the current block row: sum, minimum and maximum,
	// gathered row by row (each image row is read once, in order).
	sums := make([]int, sw)
	los := make([]int, sw)
	his := make([]int, sw)
	for y := 0; y < shh; y++ {
		yo := min(y*hybridBlock, maxY)
		for x := range sums {
			sums[x], los[x], his[x] = 0, 0xff, 0
		}
		for yy := yo; yy < yo+hybridBlock; yy++ {
			row := lum[yy*w : yy*w+w]
			for x := 0; x < sw; x++ {
				xo := min(x*hybridBlock, maxX)
				px := row[xo : xo+hybridBlock : xo+hybridBlock]
				p0, p1, p2, p3 := int(px[0]), int(px[1]), int(px[2]), int(px[3])
				p4, p5, p6, p7 := int(px[4]), int(px[5]), int(px[6]), int(px[7])
				sums[x] += p0 + p1 + p2 + p3 + p4 + p5 + p6 + p7
				los[x] = min(los[x], p0, p1, p2, p3, p4, p5, p6, p7)
				his[x] = max(his[x], p0, p1, p2, p3, p4, p5, p6, p7)
			}
		}
		for x := 0; x < sw; x++ {
			lo, hi := los[x], his[x]
			// gozxing stops updating min and max once the range exceeds
			// 24 but still sums every pixel: only whether the range is
			// over 24 and (when it is not) the minimum matter, and both
			// come out the same from the full block.
			avg := sums[x] >> 6
			if hi-lo <= hybridMinRange {
				avg = lo / 2
				if y > 0 && x > 0 {
					nb := (bp[(y-1)*sw+x] + 2*bp[y*sw+x-1] + bp[(y-1)*sw+x-1]) / 4
					if lo < nb {
						avg = nb
					}
				}
			}
			bp[y*sw+x] = avg
		}
	}
	return bp
}

// globalBinarizer is gozxing's GlobalHistogramBinarizer with a faster
// GetBlackMatrix.
type globalBinarizer struct {
	*gozxing.GlobalHistogramBinarizer
}

func newGlobalBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return &globalBinarizer{gozxing.NewGlobalHistgramBinarizer(src).(*gozxing.GlobalHistogramBinarizer)}
}

// CreateBinarizer returns a globalBinarizer over src.
func (b *globalBinarizer) CreateBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return newGlobalBinarizer(src)
}

// GetBlackMatrix thresholds the image at one black point estimated from
// four rows.
func (b *globalBinarizer) GetBlackMatrix() (*gozxing.BitMatrix, error) {
	return globalMatrix(b.GetLuminanceSource())
}

// globalMatrix is GlobalHistogramBinarizer.GetBlackMatrix.
func globalMatrix(src gozxing.LuminanceSource) (*gozxing.BitMatrix, error) {
	w, h := src.GetWidth(), src.GetHeight()
	if w < 1 || h < 1 {
		return nil, gozxing.NewNotFoundException()
	}
	var buckets [1 << globalBucketBits]int
	var line []byte
	for y := 1; y < 5; y++ {
		var err error
		line, err = src.GetRow(h*y/5, line)
		if err != nil {
			return nil, err
		}
		for _, v := range line[w/5 : w*4/5] {
			buckets[v>>(8-globalBucketBits)]++
		}
	}
	black, ok := estimateBlackPoint(buckets[:])
	if !ok {
		return nil, gozxing.NewNotFoundException()
	}
	lum := src.GetMatrix()
	words := (w + 31) / 32
	bits := make([]uint32, words*h)
	for y := 0; y < h; y++ {
		row := bits[y*words : (y+1)*words]
		for x, v := range lum[y*w : (y+1)*w] {
			// The sign of v-black: 1 for a dark pixel.
			row[x>>5] |= uint32(uint(int(v)-black)>>63) << uint(x&31)
		}
	}
	return packedMatrix(bits, w, h), nil
}

// estimateBlackPoint is GlobalHistogramBinarizer.estimateBlackPoint: the
// valley between the histogram's two peaks, nearer the light one; false
// when the peaks are too close to tell dark from light.
func estimateBlackPoint(buckets []int) (int, bool) {
	n := len(buckets)
	maxCount, first, firstSize := 0, 0, 0
	for x, c := range buckets {
		if c > firstSize {
			first, firstSize = x, c
		}
		maxCount = max(maxCount, c)
	}
	second, secondScore := 0, 0
	for x, c := range buckets {
		d := x - first
		if s := c * d * d; s > secondScore {
			second, secondScore = x, s
		}
	}
	if first > second {
		first, second = second, first
	}
	if second-first <= n/16 {
		return 0, false
	}
	best, bestScore := second-1, -1
	for x := second - 1; x > first; x-- {
		f := x - first
		if s := f * f * (second - x) * (maxCount - buckets[x]); s > bestScore {
			best, bestScore = x, s
		}
	}
	return best << (8 - globalBucketBits), true
}

// packedMatrix builds a BitMatrix from rows of 32-pixel words (bit x%32
// of word x/32 is pixel x, as gozxing stores them).
func packedMatrix(bits []uint32, w, h int) *gozxing.BitMatrix {
	m, _ := gozxing.NewBitMatrix(w, h)
	words := (w + 31) / 32
	row := gozxing.NewBitArray(w)
	for y := 0; y < h; y++ {
		for i, v := range bits[y*words : (y+1)*words] {
			row.SetBulk(i*32, v)
		}
		m.SetRow(y, row)
	}
	return m
}
