package scanner

import (
	"encoding/binary"
	"image"
	"image/color"
	"math"
)

// toGray converts img to an *image.Gray whose longer side is at most
// maxSide pixels (0: no limit), averaging blocks of pixels when it has to
// shrink, so a huge frame never costs more than the small result.
func toGray(img image.Image, maxSide int) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return image.NewGray(image.Rect(0, 0, 0, 0))
	}
	f := 1
	if maxSide > 0 {
		for (w+f-1)/f > maxSide || (h+f-1)/f > maxSide {
			f++
		}
	}
	if f == 1 {
		if g, ok := img.(*image.Gray); ok {
			return rebase(g)
		}
		out := image.NewGray(image.Rect(0, 0, w, h))
		lumaRows(img, out, 0, 0, w, h)
		return out
	}
	ow, oh := (w+f-1)/f, (h+f-1)/f
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	sum := make([]int, ow)
	cnt := make([]int, ow)
	row := image.NewGray(image.Rect(0, 0, w, 1))
	for oy := 0; oy < oh; oy++ {
		clear(sum)
		clear(cnt)
		for dy := 0; dy < f; dy++ {
			y := oy*f + dy
			if y >= h {
				break
			}
			lumaRows(img, row, 0, y, w, 1)
			for x := 0; x < w; x++ {
				sum[x/f] += int(row.Pix[x])
				cnt[x/f]++
			}
		}
		for ox := 0; ox < ow; ox++ {
			out.Pix[oy*out.Stride+ox] = uint8(sum[ox] / max(1, cnt[ox]))
		}
	}
	return out
}

// lumaRows writes the luma of img's rows [y0, y0+n) (relative to its
// bounds) into dst starting at dst row 0.
func lumaRows(img image.Image, dst *image.Gray, x0, y0, w, n int) {
	b := img.Bounds()
	for dy := 0; dy < n; dy++ {
		y := b.Min.Y + y0 + dy
		d := dst.Pix[dy*dst.Stride : dy*dst.Stride+w]
		switch m := img.(type) {
		case *image.Gray:
			off := m.PixOffset(b.Min.X+x0, y)
			copy(d, m.Pix[off:off+w])
		case *image.YCbCr:
			off := m.YOffset(b.Min.X+x0, y)
			copy(d, m.Y[off:off+w])
		case *image.RGBA:
			off := m.PixOffset(b.Min.X+x0, y)
			p := m.Pix[off : off+4*w]
			for x := 0; x < w; x++ {
				r, g, bb := int(p[4*x]), int(p[4*x+1]), int(p[4*x+2])
				d[x] = uint8((299*r + 587*g + 114*bb + 500) / 1000)
			}
		case *image.NRGBA:
			off := m.PixOffset(b.Min.X+x0, y)
			p := m.Pix[off : off+4*w]
			for x := 0; x < w; x++ {
				r, g, bb, a := int(p[4*x]), int(p[4*x+1]), int(p[4*x+2]), int(p[4*x+3])
				l := (299*r + 587*g + 114*bb + 500) / 1000
				// Composite over white, as a printed label would be.
				d[x] = uint8((l*a + 255*(255-a)) / 255)
			}
		case *image.NYCbCrA:
			// WebP with alpha. The default case's arithmetic, without
			// boxing each pixel's colour in an interface.
			for x := 0; x < w; x++ {
				yi, ci := m.YOffset(b.Min.X+x0+x, y), m.COffset(b.Min.X+x0+x, y)
				c := color.NYCbCrA{YCbCr: color.YCbCr{Y: m.Y[yi], Cb: m.Cb[ci], Cr: m.Cr[ci]}, A: m.A[m.AOffset(b.Min.X+x0+x, y)]}
				r, g, bb, a := c.RGBA()
				l := (299*r + 587*g + 114*bb) / 1000
				d[x] = uint8((l + (0xffff - a)) >> 8)
			}
		default:
			for x := 0; x < w; x++ {
				r, g, bb, a := img.At(b.Min.X+x0+x, y).RGBA()
				l := (299*r + 587*g + 114*bb) / 1000
				d[x] = uint8((l + (0xffff - a)) >> 8)
			}
		}
	}
}

// resize scales g to w x h: area averaging when shrinking, bilinear when
// growing.
func resize(g *image.Gray, w, h int) *image.Gray {
	sw, sh := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w <= 0 || h <= 0 || sw == 0 || sh == 0 {
		return out
	}
	if w < sw && h < sh {
		shrinkArea(g, out)
		return out
	}
	fx := float64(sw) / float64(w)
	fy := float64(sh) / float64(h)
	// The columns' source pixels and weights are the same on every row.
	x0s := make([]int, 2*w)
	x1s := x0s[w:]
	x0s = x0s[:w]
	txs := make([]float64, w)
	whole := true // whether every column falls on a source pixel
	for ox := range txs {
		sx := (float64(ox)+0.5)*fx - 0.5
		x0 := int(math.Floor(sx))
		txs[ox] = sx - float64(x0)
		x0s[ox], x1s[ox] = clampInt(x0, 0, sw-1), clampInt(x0+1, 0, sw-1)
		whole = whole && txs[ox] == 0
	}
	if whole {
		// p*1 + q*0 is p (q is finite and not negative).
		x1s, txs = nil, nil
	}
	// Each source row is interpolated across once into a row of floats
	// (the same products and sums as per pixel), kept while consecutive
	// output rows need it: when growing, each serves several.
	ha, hb := make([]float64, w), make([]float64, w)
	ya, yb := -1, -1 // the source rows in ha and hb
	for oy := 0; oy < h; oy++ {
		sy := (float64(oy)+0.5)*fy - 0.5
		y0 := int(math.Floor(sy))
		ty := sy - float64(y0)
		y0c, y1c := clampInt(y0, 0, sh-1), clampInt(y0+1, 0, sh-1)
		if yb == y0c {
			ha, hb, ya, yb = hb, ha, yb, ya
		}
		if ya != y0c {
			lerpRow(ha, g.Pix[y0c*g.Stride:y0c*g.Stride+sw], x0s, x1s, txs)
			ya = y0c
		}
		dst := out.Pix[oy*out.Stride : oy*out.Stride+w]
		a := ha[:len(dst)]
		if ty == 0 {
			// a*1 + bb*0 + 0.5 is a + 0.5 (bb is finite and not
			// negative): the row below is not needed.
			for ox := range dst {
				dst[ox] = uint8(a[ox] + 0.5)
			}
			continue
		}
		if yb != y1c {
			lerpRow(hb, g.Pix[y1c*g.Stride:y1c*g.Stride+sw], x0s, x1s, txs)
			yb = y1c
		}
		bb := hb[:len(dst)]
		for ox := range dst {
			dst[ox] = uint8(a[ox]*(1-ty) + bb[ox]*ty + 0.5)
		}
	}
	return out
}

// lerpRow sets dst[i] to row interpolated between x0s[i] and x1s[i] with
// weight txs[i] on the latter, or to row[x0s[i]] when txs is nil (all
// weights zero).
func lerpRow(dst []float64, row []uint8, x0s, x1s []int, txs []float64) {
	x0s = x0s[:len(dst)]
	if txs == nil {
		for i := range dst {
			dst[i] = float64(row[x0s[i]])
		}
		return
	}
	x1s, txs = x1s[:len(dst)], txs[:len(dst)]
	for i := range dst {
		tx := txs[i]
		dst[i] = float64(row[x0s[i]])*(1-tx) + float64(row[x1s[i]])*tx
	}
}

// shrinkArea fills out (smaller than g both ways) with the average of
// the box of g pixels each of its pixels covers, the boxes bounded at
// ox*sw/w (at least one pixel wide). It walks g once, row by row, adding
// each pixel to its output column (a camera frame halves in about a
// millisecond).
func shrinkArea(g, out *image.Gray) {
	sw, sh := g.Bounds().Dx(), g.Bounds().Dy()
	w, h := out.Bounds().Dx(), out.Bounds().Dy()
	if sw == 2*w && sh == 2*h {
		// Halving (a 1280x720 frame to 640x360): the same boxes, 2x2.
		for oy := 0; oy < h; oy++ {
			r0 := g.Pix[2*oy*g.Stride : 2*oy*g.Stride+sw]
			r1 := g.Pix[(2*oy+1)*g.Stride : (2*oy+1)*g.Stride+sw]
			dst := out.Pix[oy*out.Stride : oy*out.Stride+w]
			for ox := range dst {
				dst[ox] = uint8((int(r0[2*ox]) + int(r0[2*ox+1]) + int(r1[2*ox]) + int(r1[2*ox+1])) / 4)
			}
		}
		return
	}
	// col[x] is the output column of source column x, or -1 for a column
	// no box covers; width[ox] is the box's width.
	col := make([]int32, sw)
	width := make([]int, w)
	for x := range col {
		col[x] = -1
	}
	for ox := 0; ox < w; ox++ {
		x0, x1 := ox*sw/w, max((ox+1)*sw/w, ox*sw/w+1)
		for x := x0; x < x1; x++ {
			col[x] = int32(ox)
		}
		width[ox] = x1 - x0
	}
	acc := make([]int, w)
	for oy := 0; oy < h; oy++ {
		y0, y1 := oy*sh/h, max((oy+1)*sh/h, oy*sh/h+1)
		clear(acc)
		for y := y0; y < y1; y++ {
			for x, v := range g.Pix[y*g.Stride : y*g.Stride+sw] {
				if c := col[x]; c >= 0 {
					acc[c] += int(v)
				}
			}
		}
		dst := out.Pix[oy*out.Stride : oy*out.Stride+w]
		for ox := range dst {
			dst[ox] = uint8(acc[ox] / ((y1 - y0) * width[ox]))
		}
	}
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// scaleTo returns g scaled so its longer side is side pixels.
func scaleTo(g *image.Gray, side int) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	l := max(w, h)
	if l == side || l == 0 {
		return g
	}
	return resize(g, max(1, w*side/l), max(1, h*side/l))
}

// rotate90CCW returns g turned a quarter counter-clockwise. It turns
// blocks of 8x8 pixels in eight words (a source column becomes an output
// row, and a pixel at a time would cost a load and a store each), bands
// of rotateBand source columns at a time so that the output rows being
// written stay in cache; the pixels past the last whole blocks one by one.
func rotate90CCW(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, h, w))
	w8, h8 := w&^7, h&^7
	for xb := 0; xb < w8; xb += rotateBand {
		xe := min(xb+rotateBand, w8)
		for y0 := 0; y0 < h8; y0 += 8 {
			for x0 := xb; x0 < xe; x0 += 8 {
				var m [8]uint64
				for r := range m {
					m[r] = binary.LittleEndian.Uint64(g.Pix[(y0+r)*g.Stride+x0:])
				}
				m = transpose8(m)
				for c, v := range m {
					binary.LittleEndian.PutUint64(out.Pix[(w-1-x0-c)*out.Stride+y0:], v)
				}
			}
		}
	}
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		from := w8
		if y >= h8 {
			from = 0
		}
		for x := from; x < w; x++ {
			out.Pix[(w-1-x)*out.Stride+y] = row[x]
		}
	}
	return out
}

// rotateBand is how many source columns rotate90CCW turns at a time.
const rotateBand = 64

// transpose8 returns the 8x8 bytes of m transposed (byte c of m[r]
// becomes byte r of m[c]), swapping 1x1, then 2x2, then 4x4 blocks across
// the diagonal. It works on eight locals that stay in registers.
func transpose8(m [8]uint64) [8]uint64 {
	const (
		m1 = 0x00ff00ff00ff00ff
		m2 = 0x0000ffff0000ffff
		m4 = 0x00000000ffffffff
	)
	a0, a1, a2, a3, a4, a5, a6, a7 := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]
	swap := func(a, b uint64, sh uint, mask uint64) (uint64, uint64) {
		t := (a>>sh ^ b) & mask
		return a ^ t<<sh, b ^ t
	}
	a0, a1 = swap(a0, a1, 8, m1)
	a2, a3 = swap(a2, a3, 8, m1)
	a4, a5 = swap(a4, a5, 8, m1)
	a6, a7 = swap(a6, a7, 8, m1)
	a0, a2 = swap(a0, a2, 16, m2)
	a1, a3 = swap(a1, a3, 16, m2)
	a4, a6 = swap(a4, a6, 16, m2)
	a5, a7 = swap(a5, a7, 16, m2)
	a0, a4 = swap(a0, a4, 32, m4)
	a1, a5 = swap(a1, a5, 32, m4)
	a2, a6 = swap(a2, a6, 32, m4)
	a3, a7 = swap(a3, a7, 32, m4)
	return [8]uint64{a0, a1, a2, a3, a4, a5, a6, a7}
}

// rotate180 returns g turned half a turn.
func rotate180(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Pix[(h-1-y)*out.Stride+(w-1-x)] = g.Pix[y*g.Stride+x]
		}
	}
	return out
}

// rotateAngle rotates g by deg degrees counter-clockwise around its center
// into a canvas large enough to hold it, filling the corners with the
// image's mean gray (so no hard edge is added).
func rotateAngle(g *image.Gray, deg float64) *image.Gray {
	return rotateFill(g, deg, -1)
}

// rotateFill is rotateAngle filling the corners with fill (0-255), or the
// image's mean gray when fill is negative.
func rotateFill(g *image.Gray, deg float64, fill int) *image.Gray {
	return rotateFillInner(g, image.Rectangle{Max: g.Bounds().Size()}, deg, fill)
}

// rotateFillInner is rotateFill for an image whose pixels outside inner
// (counted from g's top left corner) all equal fill (0-255; an image
// padded with it): only the samples whose
// 2x2 neighbourhood reaches inner are computed, the others being fill
// exactly, so a wide margin costs no more than the background.
func rotateFillInner(g *image.Gray, inner image.Rectangle, deg float64, fill int) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	rad := deg * math.Pi / 180
	c, s := math.Cos(rad), math.Sin(rad)
	nw := int(math.Ceil(math.Abs(float64(w)*c) + math.Abs(float64(h)*s)))
	nh := int(math.Ceil(math.Abs(float64(w)*s) + math.Abs(float64(h)*c)))
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	if nw == 0 || nh == 0 {
		return out
	}
	var bg uint8
	if fill >= 0 {
		bg = uint8(fill)
	} else {
		bg = meanGray(g)
	}
	// Row 0 is filled with the background first and its samples written
	// last: the other rows copy their background runs from it.
	bgRow := out.Pix[:nw]
	fillBytes(bgRow, bg)
	if w < 2 || h < 2 {
		for y := 1; y < nh; y++ {
			copy(out.Pix[y*out.Stride:y*out.Stride+nw], bgRow)
		}
		return out
	}
	cx, cy := float64(w)/2, float64(h)/2
	ncx, ncy := float64(nw)/2, float64(nh)/2
	// The inverse rotation, stepped along each row in 16.16 fixed point
	// (a float per pixel costs more than the readers of the result). The
	// source position is linear in x, so the pixels whose 2x2 sample lies
	// inside g form one run per row, [lo, hi), computed exactly.
	const one = 1 << 16
	stepX, stepY := int64(math.Round(c*one)), int64(math.Round(s*one))
	limX, limY := int64(w-1)<<16, int64(h-1)<<16
	// A sample reaches inner when its neighbourhood's left column is
	// from one left of inner to inner's last, and so for the top row.
	inX, inY := int64(inner.Min.X-1)<<16, int64(inner.Min.Y-1)<<16
	inW, inH := int64(inner.Dx()+1)<<16, int64(inner.Dy()+1)<<16
	for y := nh - 1; y >= 0; y-- {
		dy := float64(y) + 0.5 - ncy
		dx := 0.5 - ncx
		fx := int64(math.Round((c*dx - s*dy + cx - 0.5) * one))
		fy := int64(math.Round((s*dx + c*dy + cy - 0.5) * one))
		lo, hi := linearSpan(fx, stepX, limX, 0, nw)
		lo, hi = linearSpan(fy, stepY, limY, lo, hi)
		lo, hi = linearSpan(fx-inX, stepX, inW, lo, hi)
		lo, hi = linearSpan(fy-inY, stepY, inH, lo, hi)
		dst := out.Pix[y*out.Stride : y*out.Stride+nw]
		if y > 0 {
			copy(dst[:lo], bgRow)
			copy(dst[hi:], bgRow)
		}
		if lo < hi {
			sampleRow(dst[lo:hi], g.Pix, g.Stride, fx+int64(lo)*stepX, fy+int64(lo)*stepY, stepX, stepY)
		}
	}
	return out
}

// sampleRow fills dst with the bilinear samples of pix (rows stride
// apart) at the 16.16 fixed-point positions (fx, fy) + i*(stepX, stepY),
// all of whose 2x2 neighbourhoods must lie inside pix.
func sampleRow(dst, pix []byte, stride int, fx, fy, stepX, stepY int64) {
	const one = 1 << 16
	for x := range dst {
		// Four index checks cost less than slicing the neighbourhood
		// (a slice check, its pointer mask and index checks all the
		// same, the compiler not knowing stride's sign).
		i := int(fy>>16)*stride + int(fx>>16)
		j := i + stride
		p0, p1, q0, q1 := int64(pix[i]), int64(pix[i+1]), int64(pix[j]), int64(pix[j+1])
		tx, ty := fx&(one-1), fy&(one-1)
		// p0*(one-tx) + p1*tx, and the same between the rows,
		// rearranged: the same integers with fewer multiplications.
		a := p0<<16 + (p1-p0)*tx
		bb := q0<<16 + (q1-q0)*tx
		dst[x] = uint8((a<<16 + (bb-a)*ty + 1<<31) >> 32)
		fx += stepX
		fy += stepY
	}
}

// linearSpan narrows [lo, hi) to the x for which 0 <= f0 + x*step < lim
// (the solutions of a linear inequality form one interval).
func linearSpan(f0, step, lim int64, lo, hi int) (int, int) {
	var a, b int64 // the interval [a, b) of x
	switch {
	case step > 0:
		a, b = -floorDiv(f0, step), floorDiv(lim-1-f0, step)+1
	case step < 0:
		a, b = -floorDiv(lim-1-f0, -step), floorDiv(f0, -step)+1
	case f0 >= 0 && f0 < lim:
		return lo, hi
	default:
		return lo, lo
	}
	if a > int64(lo) {
		lo = int(min(a, int64(hi)))
	}
	if b < int64(hi) {
		hi = int(max(b, int64(lo)))
	}
	return lo, hi
}

// floorDiv returns a/b rounded down, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// fillBytes sets every byte of b to v, doubling the filled part with
// copy.
func fillBytes(b []byte, v byte) {
	if len(b) == 0 {
		return
	}
	b[0] = v
	for n := 1; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}

// meanGray returns the mean of g's pixels (rounded down), 255 for an
// empty image. It adds eight pixels at a time, in four 16-bit lanes of a
// uint64 (two pixels to a lane each time), emptying the lanes before
// they can overflow.
func meanGray(g *image.Gray) uint8 {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	if w == 0 || h == 0 {
		return 255
	}
	const lanes = 0x00ff00ff00ff00ff
	s := 0
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for len(row) >= 8 {
			// Up to 64 words: a lane gets at most 64*2*255 < 1<<16.
			n := min(len(row)/8, 64)
			var acc uint64
			for i := 0; i < n; i++ {
				b := row[8*i : 8*i+8]
				v := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
					uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
				acc += v&lanes + v>>8&lanes
			}
			s += int(acc&0xffff + acc>>16&0xffff + acc>>32&0xffff + acc>>48)
			row = row[8*n:]
		}
		for _, v := range row {
			s += int(v)
		}
	}
	return uint8(s / (w * h))
}

// stretch spreads g's gray levels between its 1st and 99th percentile over
// 0..255.
func stretch(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	var hist [256]int
	for y := 0; y < h; y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			hist[v]++
		}
	}
	n := w * h
	lo, hi := 0, 255
	for acc := 0; lo < 255; lo++ {
		acc += hist[lo]
		if acc > n/100 {
			break
		}
	}
	for acc := 0; hi > 0; hi-- {
		acc += hist[hi]
		if acc > n/100 {
			break
		}
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	if hi <= lo {
		copyGray(out, g)
		return out
	}
	var lut [256]uint8
	for i := range lut {
		lut[i] = uint8(clampInt((i-lo)*255/(hi-lo), 0, 255))
	}
	for y := 0; y < h; y++ {
		for x, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			out.Pix[y*out.Stride+x] = lut[v]
		}
	}
	return out
}

func copyGray(dst, src *image.Gray) {
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	for y := 0; y < h; y++ {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+w], src.Pix[y*src.Stride:y*src.Stride+w])
	}
}

// boxBlur3 returns g smoothed with a 3x3 box (the mean of the pixel and
// its neighbours inside the image); it removes sensor noise and JPEG
// ringing that break thin modules apart. Inside, each pixel's column of
// three is summed once and the last three sums are kept in registers;
// the first and last rows and columns have fewer neighbours.
func boxBlur3(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w == 0 || h == 0 {
		return out
	}
	var col []int
	for y := 0; y < h; y++ {
		dst := out.Pix[y*out.Stride : y*out.Stride+w]
		if y > 0 && y < h-1 && w > 1 {
			r0 := g.Pix[(y-1)*g.Stride : (y-1)*g.Stride+w]
			r1 := g.Pix[y*g.Stride : y*g.Stride+w]
			r2 := g.Pix[(y+1)*g.Stride : (y+1)*g.Stride+w]
			r1, r2, dst = r1[:len(r0)], r2[:len(r0)], dst[:len(r0)]
			c0 := uint(r0[0]) + uint(r1[0]) + uint(r2[0])
			c1 := uint(r0[1]) + uint(r1[1]) + uint(r2[1])
			dst[0] = uint8((c0 + c1) / 6)
			for x := 2; x < len(r0); x++ {
				c2 := uint(r0[x]) + uint(r1[x]) + uint(r2[x])
				dst[x-1] = uint8((c0 + c1 + c2) / 9)
				c0, c1 = c1, c2
			}
			dst[len(dst)-1] = uint8((c0 + c1) / 6)
			continue
		}
		// An edge row (or a one-pixel-wide image): sums of the two (or
		// one) rows, as before.
		if col == nil {
			col = make([]int, w)
		}
		y0, y1 := max(0, y-1), min(h-1, y+1)
		rows := y1 - y0 + 1
		clear(col)
		for yy := y0; yy <= y1; yy++ {
			for x, v := range g.Pix[yy*g.Stride : yy*g.Stride+w] {
				col[x] += int(v)
			}
		}
		if w == 1 {
			dst[0] = uint8(col[0] / rows)
			continue
		}
		dst[0] = uint8((col[0] + col[1]) / (2 * rows))
		dst[w-1] = uint8((col[w-2] + col[w-1]) / (2 * rows))
		n := 3 * rows
		for x := 1; x < w-1; x++ {
			dst[x] = uint8((col[x-1] + col[x] + col[x+1]) / n)
		}
	}
	return out
}

// sharpen returns g with an unsharp mask (amount 1) applied.
func sharpen(g *image.Gray) *image.Gray {
	out := boxBlur3(g)
	// Each pixel is replaced in place by its sharpened value: it is read
	// only there.
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	for y := 0; y < h; y++ {
		src := g.Pix[y*g.Stride : y*g.Stride+w]
		dst := out.Pix[y*out.Stride : y*out.Stride+w]
		dst = dst[:len(src)]
		for x, v := range src {
			dst[x] = uint8(clampInt(2*int(v)-int(dst[x]), 0, 255))
		}
	}
	return out
}

// padNearest enlarges g by an integer factor with nearest-neighbor
// sampling (keeping module edges sharp) and surrounds it with a quiet zone
// of border pixels of value fill.
func padNearest(g *image.Gray, factor, border int, fill uint8) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	ow, oh := w*factor+2*border, h*factor+2*border
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	if fill != 0 {
		// The new image is zero already; otherwise fill the top border,
		// then copy it to the bottom and the sides.
		fillBytes(out.Pix[:border*ow], fill)
		copy(out.Pix[(oh-border)*ow:], out.Pix[:border*ow])
	}
	sw := w * factor
	for y := 0; y < h*factor; y++ {
		dst := out.Pix[(y+border)*ow : (y+border+1)*ow]
		if fill != 0 {
			copy(dst[:border], out.Pix[:border])
			copy(dst[border+sw:], out.Pix[:border])
		}
		d := dst[border : border+sw]
		if y%factor != 0 {
			// The same source row as the row above.
			copy(d, out.Pix[(y+border-1)*ow+border:])
			continue
		}
		src := g.Pix[(y/factor)*g.Stride : (y/factor)*g.Stride+w]
		if factor == 1 {
			copy(d, src)
			continue
		}
		if factor == 2 {
			for x, v := range src {
				d2 := d[2*x : 2*x+2]
				d2[0], d2[1] = v, v
			}
			continue
		}
		for x, v := range src {
			dd := d[x*factor : (x+1)*factor]
			for k := range dd {
				dd[k] = v
			}
		}
	}
	return out
}

// cropPct returns the part of g between the given percentages of its
// width and height: {left, top, right, bottom}.
func cropPct(g *image.Gray, c [4]int) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	r := image.Rect(w*c[0]/100, h*c[1]/100, w*c[2]/100, h*c[3]/100).Add(g.Bounds().Min)
	return rebase(g.SubImage(r).(*image.Gray))
}

// adaptiveThreshold binarizes g against the mean of a (2r+1)-pixel square
// window around each pixel (via an integral image): darker than the mean
// by more than off becomes 0, the rest 255. Larger windows than gozxing's
// hybrid binarizer survive shadows across big modules.
func adaptiveThreshold(g *image.Gray, r, off int) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w == 0 || h == 0 {
		return out
	}
	W := w + 1
	sum := make([]int64, W*(h+1))
	for y := 0; y < h; y++ {
		var row int64
		src := g.Pix[y*g.Stride : y*g.Stride+w]
		above := sum[y*W+1 : y*W+W]
		cur := sum[(y+1)*W+1 : (y+1)*W+W]
		above, cur = above[:len(src)], cur[:len(src)]
		for x, v := range src {
			row += int64(v)
			cur[x] = above[x] + row
		}
	}
	// v+off < s/n (rounded down, s >= 0, n > 0) is (v+off+1)*n <= s: no
	// division while the product is safely within 64 bits.
	fast := r >= 0 && off > -1<<30 && off < 1<<30 && int64(w)*int64(h) < 1<<32
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		top := sum[y0*W : y0*W+W]
		bot := sum[y1*W : y1*W+W]
		src := g.Pix[y*g.Stride : y*g.Stride+w]
		dst := out.Pix[y*out.Stride : y*out.Stride+w]
		dst = dst[:len(src)]
		dy := int64(y1 - y0)
		for x, v := range src {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			s := bot[x1] - top[x1] - bot[x0] + top[x0]
			var dark bool
			if fast {
				dark = (int64(v)+int64(off)+1)*dy*int64(x1-x0) <= s
			} else {
				dark = int64(v)+int64(off) < s/(dy*int64(x1-x0))
			}
			if dark {
				dst[x] = 0
			} else {
				dst[x] = 255
			}
		}
	}
	return out
}

// mirror returns g flipped left to right (codes printed or photographed
// mirrored).
func mirror(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Pix[y*out.Stride+w-1-x] = g.Pix[y*g.Stride+x]
		}
	}
	return out
}

// sharpenStrong applies a stronger unsharp mask (amount 2 over a 5x5
// box): it restores the edges of blurred bars.
func sharpenStrong(g *image.Gray) *image.Gray {
	out := boxBlur3(boxBlur3(g))
	// Each pixel is replaced in place by its sharpened value: it is read
	// only there.
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	for y := 0; y < h; y++ {
		src := g.Pix[y*g.Stride : y*g.Stride+w]
		dst := out.Pix[y*out.Stride : y*out.Stride+w]
		dst = dst[:len(src)]
		for x, v := range src {
			dst[x] = uint8(clampInt(3*int(v)-2*int(dst[x]), 0, 255))
		}
	}
	return out
}
