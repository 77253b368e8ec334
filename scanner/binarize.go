package scanner

import (
	"encoding/binary"
	"errors"

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
	rows   rowThresholder
	matrix *gozxing.BitMatrix
	err    error
}

// GetBlackRow is GlobalHistogramBinarizer.GetBlackRow, faster.
func (b *hybridBinarizer) GetBlackRow(y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	return b.rows.blackRow(b.GetLuminanceSource(), y, row)
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
	lum, flip := lumMatrix(src)
	lum = lum[:w*h]
	sw, shh := (w+hybridBlock-1)/hybridBlock, (h+hybridBlock-1)/hybridBlock
	bp, los, flats := blackPoints(lum, flip, sw, shh, w, h)
	words := (w + 31) / 32
	bits := make([]uint32, words*h)
	maxY, maxX := h-hybridBlock, w-hybridBlock
	// cols[x]: the sum of the black points of the five block rows
	// around the current one in block column x.
	cols := make([]int, sw)
	for y := 0; y < shh; y++ {
		yo := min(y*hybridBlock, maxY)
		top := clampInt(y, 2, shh-3)
		r0, r1, r2 := bp[(top-2)*sw:(top-1)*sw], bp[(top-1)*sw:top*sw], bp[top*sw:(top+1)*sw]
		r3, r4 := bp[(top+1)*sw:(top+2)*sw], bp[(top+2)*sw:(top+3)*sw]
		r0, r1, r2, r3, r4 = r0[:len(cols)], r1[:len(cols)], r2[:len(cols)], r3[:len(cols)], r4[:len(cols)]
		for x := range cols {
			cols[x] = r0[x] + r1[x] + r2[x] + r3[x] + r4[x]
		}
		loRow, flatRow := los[y*sw:(y+1)*sw], flats[y*sw:(y+1)*sw]
		loRow, flatRow = loRow[:len(cols)], flatRow[:len(cols)]
		for x := range cols {
			// The block's threshold: the mean of the 5x5 blocks' black
			// points around it.
			left := clampInt(x, 2, sw-3)
			c := cols[left-2 : left+3]
			t := (c[0] + c[1] + c[2] + c[3] + c[4]) / 25
			// A pixel is black when at most t (<=: black, 0, is black
			// even at threshold 0): none of the block when t is below
			// its minimum, all of a flat block from its minimum + 24 on.
			lo := int(loRow[x])
			if t < lo {
				continue
			}
			xo := min(x*hybridBlock, maxX)
			sh := uint(xo & 31)
			o := yo*words + xo>>5
			if flatRow[x] && t >= lo+hybridMinRange {
				for r := 0; r < hybridBlock; r, o = r+1, o+words {
					orByte(bits, o, sh, 0xff)
				}
				continue
			}
			tb := uint64(t) * bytes01
			p := yo*w + xo
			for r := 0; r < hybridBlock; r, o, p = r+1, o+words, p+w {
				v := binary.LittleEndian.Uint64(lum[p:]) ^ flip
				orByte(bits, o, sh, gatherBytes(leBytes(v, tb)))
			}
		}
	}
	b.matrix = packedMatrix(bits, w, h)
	return b.matrix, nil
}

// orByte sets the pixels of byte8 (bit i: pixel i) in bits, the first at
// bit sh of word o (spilling into word o+1 past bit 31).
func orByte(bits []uint32, o int, sh uint, byte8 uint32) {
	bits[o] |= byte8 << sh
	if sh > 32-hybridBlock {
		bits[o+1] |= byte8 >> (32 - sh)
	}
}

// lumMatrix returns src's luminance matrix and, for gozxing's inverted
// source, the matrix of the source it wraps with flip all ones: the
// pixels are then v^flip (255-v), as the inverted GetMatrix would copy
// them.
func lumMatrix(src gozxing.LuminanceSource) (lum []byte, flip uint64) {
	for {
		inv, ok := src.(*gozxing.InvertedLuminanceSource)
		if !ok {
			return src.GetMatrix(), flip
		}
		src, flip = inv.LuminanceSource, ^flip
	}
}

// SWAR (8 bytes in a word) constants: 1 and 0x80 in every byte, and
// 0xff in every other byte.
const (
	bytes01  = 0x0101010101010101
	bytes80  = 0x8080808080808080
	shorts00 = 0x00ff00ff00ff00ff
)

// leBytes returns the top bit of each byte set where a's byte is at most
// b's (unsigned), the other bits clear.
func leBytes(a, b uint64) uint64 {
	// b|0x80 - a&0x7f never borrows from the byte above: its top bit
	// is b's low 7 bits >= a's, which decides when the top bits agree.
	d := (b | bytes80) - (a &^ bytes80)
	return ((b &^ a) | (^(a ^ b) & d)) & bytes80
}

// byteMask widens the top bits of leBytes's answer to whole bytes.
func byteMask(le uint64) uint64 {
	return (le >> 7) * 0xff
}

// gatherBytes packs the top bits of le's bytes into a byte: bit i is the
// top bit of byte i.
func gatherBytes(le uint64) uint32 {
	return uint32(((le >> 7) * 0x0102040810204080) >> 56)
}

// minBytes returns the bytewise minimum of a and b.
func minBytes(a, b uint64) uint64 {
	return b ^ ((a ^ b) & byteMask(leBytes(a, b)))
}

// overRange returns the top bit of each byte of d set where the byte is
// over hybridMinRange (24), the other bits clear.
func overRange(d uint64) uint64 {
	// A byte under 128 plus 103 is at most 230 (no carry out) and
	// reaches 128 from 25 on.
	return ((d&^bytes80 + (127-hybridMinRange)*bytes01) | d) & bytes80
}

// blackPoints is HybridBinarizer.calculateBlackPoints: per 8x8 block the
// mean, or for a flat block half its minimum (or its neighbours' black
// point when that is above its minimum). Row-major, sw per row; with it
// each block's minimum pixel and whether the block is flat (its range at
// most 24). The pixels are lum's bytes xor flip (a byte of each).
func blackPoints(lum []byte, flip uint64, sw, shh, w, h int) (bp []int, los []uint8, flats []bool) {
	maxY, maxX := h-hybridBlock, w-hybridBlock
	bp = make([]int, sw*shh)
	los = make([]uint8, sw*shh)
	flats = make([]bool, sw*shh)
	for y := 0; y < shh; y++ {
		yo := min(y*hybridBlock, maxY)
		for x := 0; x < sw; x++ {
			xo := min(x*hybridBlock, maxX)
			// A block row at a time, eight pixels in a word: their sums
			// in four 16-bit lanes, minima and maxima in bytes, folded
			// as a tree (short dependency chains).
			p := yo*w + xo
			r := lum[p : p+7*w+8]
			v0 := binary.LittleEndian.Uint64(r[0:]) ^ flip
			v1 := binary.LittleEndian.Uint64(r[w:]) ^ flip
			v2 := binary.LittleEndian.Uint64(r[2*w:]) ^ flip
			v3 := binary.LittleEndian.Uint64(r[3*w:]) ^ flip
			v4 := binary.LittleEndian.Uint64(r[4*w:]) ^ flip
			v5 := binary.LittleEndian.Uint64(r[5*w:]) ^ flip
			v6 := binary.LittleEndian.Uint64(r[6*w:]) ^ flip
			v7 := binary.LittleEndian.Uint64(r[7*w:]) ^ flip
			s := (v0&shorts00 + (v0>>8)&shorts00 + v1&shorts00 + (v1>>8)&shorts00) +
				(v2&shorts00 + (v2>>8)&shorts00 + v3&shorts00 + (v3>>8)&shorts00) +
				(v4&shorts00 + (v4>>8)&shorts00 + v5&shorts00 + (v5>>8)&shorts00) +
				(v6&shorts00 + (v6>>8)&shorts00 + v7&shorts00 + (v7>>8)&shorts00)
			lo := minBytes(minBytes(minBytes(v0, v1), minBytes(v2, v3)), minBytes(minBytes(v4, v5), minBytes(v6, v7)))
			lo = minBytes(lo, lo>>32)
			lo = minBytes(lo, lo>>16)
			lo = minBytes(lo, lo>>8)
			mn := int(lo & 0xff)
			// gozxing stops updating min and max once the range exceeds
			// 24 but still sums every pixel: only whether the range is
			// over 24 and (when it is not) the minimum matter, and both
			// come out the same from the full block. The range is over
			// 24 when a pixel less the minimum (no byte borrows) is.
			lb := uint64(mn) * bytes01
			over := overRange(v0-lb) | overRange(v1-lb) | overRange(v2-lb) | overRange(v3-lb) |
				overRange(v4-lb) | overRange(v5-lb) | overRange(v6-lb) | overRange(v7-lb)
			i := y*sw + x
			los[i], flats[i] = uint8(mn), over == 0
			avg := int((s*0x0001000100010001)>>48) >> 6
			if flats[i] {
				avg = mn / 2
				if y > 0 && x > 0 {
					nb := (bp[i-sw] + 2*bp[i-1] + bp[i-sw-1]) / 4
					if mn < nb {
						avg = nb
					}
				}
			}
			bp[i] = avg
		}
	}
	return bp, los, flats
}

// globalBinarizer is gozxing's GlobalHistogramBinarizer with a faster
// GetBlackMatrix.
type globalBinarizer struct {
	*gozxing.GlobalHistogramBinarizer
	rows rowThresholder
}

// GetBlackRow is GlobalHistogramBinarizer.GetBlackRow, faster.
func (b *globalBinarizer) GetBlackRow(y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	return b.rows.blackRow(b.GetLuminanceSource(), y, row)
}

func newGlobalBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return &globalBinarizer{GlobalHistogramBinarizer: gozxing.NewGlobalHistgramBinarizer(src).(*gozxing.GlobalHistogramBinarizer)}
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
	lum, flip := lumMatrix(src)
	lum = lum[:w*h]
	words := (w + 31) / 32
	bits := make([]uint32, words*h)
	// A dark pixel is under black (at least 8 as estimated): at most
	// black-1, eight pixels at a time, then one at a time.
	tb := uint64(black-1) * bytes01
	for y := 0; y < h; y++ {
		row := bits[y*words : (y+1)*words]
		line := lum[y*w : (y+1)*w]
		x := 0
		for ; x+8 <= w; x += 8 {
			v := binary.LittleEndian.Uint64(line[x:]) ^ flip
			row[x>>5] |= gatherBytes(leBytes(v, tb)) << uint(x&31)
		}
		for ; x < w; x++ {
			// The sign of v-black: 1 for a dark pixel.
			v := int(line[x] ^ byte(flip))
			row[x>>5] |= uint32(uint64(v-black)>>63) << uint(x&31)
		}
	}
	return packedMatrix(bits, w, h), nil
}

// rowThresholder thresholds rows as GlobalHistogramBinarizer.GetBlackRow
// does, bit for bit, a word at a time and without a branch a pixel (the
// pixels of a photo's row fall either side of the black point at random,
// and the mispredicted branches cost most of gozxing's loop). It keeps the
// line buffer between rows.
type rowThresholder struct {
	line []byte
}

// errFlatRow is blackRow's failure when a row's histogram has no two
// peaks to set a black point between (gozxing fails with a NotFound
// exception, which costs a stack trace; the row readers only test for an
// error).
var errFlatRow = errors.New("scanner: row too flat to threshold")

// blackRow returns row y of src thresholded at the black point of the
// row's own histogram, each pixel first sharpened against its two
// neighbours (the first and last pixels stay light), in row when it is
// wide enough (cleared first), else in a new one.
func (t *rowThresholder) blackRow(src gozxing.LuminanceSource, y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	w := src.GetWidth()
	if row == nil || row.GetSize() < w {
		row = gozxing.NewBitArray(w)
	} else {
		row.Clear()
	}
	line, err := src.GetRow(y, t.line)
	if err != nil {
		return nil, err
	}
	t.line = line
	// Four histograms of every fourth pixel, added up after: with one,
	// neighbour pixels in one bucket (most of a row) wait on each
	// other's increment.
	var part [4][1 << globalBucketBits]int
	x := 0
	for ; x+4 <= w; x += 4 {
		q := line[x : x+4]
		part[0][q[0]>>(8-globalBucketBits)]++
		part[1][q[1]>>(8-globalBucketBits)]++
		part[2][q[2]>>(8-globalBucketBits)]++
		part[3][q[3]>>(8-globalBucketBits)]++
	}
	for ; x < w; x++ {
		part[0][line[x]>>(8-globalBucketBits)]++
	}
	var buckets [1 << globalBucketBits]int
	for i := range buckets {
		buckets[i] = part[0][i] + part[1][i] + part[2][i] + part[3][i]
	}
	black, ok := estimateBlackPoint(buckets[:])
	if !ok {
		return nil, errFlatRow
	}
	bits := row.GetBitArray()
	if w < 3 {
		for x, v := range line[:w] {
			if int(v) < black {
				bits[x>>5] |= 1 << uint(x&31)
			}
		}
		return row, nil
	}
	// A pixel is dark when its sharpened value, (center*4-left-right)/2
	// rounded toward zero, is under black: when center*4-left-right is
	// under 2*black, as black is at least 8 (for a negative value, /2
	// rounds up to at most 0; for the others, down). The sign bit of
	// the difference says so, 32 pixels into a word at a time.
	line = line[:w]
	black2 := 2 * black
	left, center := int(line[0]), int(line[1])
	for x := 1; x < w-1; {
		end := min(x|31+1, w-1) // the end of x's word, or of the row
		var word uint32
		for ; x < end; x++ {
			right := int(line[x+1])
			word |= uint32(uint64(center*4-left-right-black2)>>63) << uint(x&31)
			left, center = center, right
		}
		bits[(end-1)>>5] = word
	}
	return row, nil
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
	rb := row.GetBitArray() // the row's own words
	for y := 0; y < h; y++ {
		copy(rb, bits[y*words:(y+1)*words])
		m.SetRow(y, row)
	}
	return m
}
