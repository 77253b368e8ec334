package scanner

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// The reference versions below are the image preparations as they were
// before they were made faster (commit b5eb29f); the tests check that the
// fast versions return the same pixels for every input.

// refResize is resize as of b5eb29f.
func refResize(g *image.Gray, w, h int) *image.Gray {
	sw, sh := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w <= 0 || h <= 0 || sw == 0 || sh == 0 {
		return out
	}
	if w < sw && h < sh {
		refShrinkArea(g, out)
		return out
	}
	fx := float64(sw) / float64(w)
	fy := float64(sh) / float64(h)
	for oy := 0; oy < h; oy++ {
		sy := (float64(oy)+0.5)*fy - 0.5
		y0 := int(math.Floor(sy))
		ty := sy - float64(y0)
		y0c, y1c := clampInt(y0, 0, sh-1), clampInt(y0+1, 0, sh-1)
		for ox := 0; ox < w; ox++ {
			sx := (float64(ox)+0.5)*fx - 0.5
			x0 := int(math.Floor(sx))
			tx := sx - float64(x0)
			x0c, x1c := clampInt(x0, 0, sw-1), clampInt(x0+1, 0, sw-1)
			a := float64(g.Pix[y0c*g.Stride+x0c])*(1-tx) + float64(g.Pix[y0c*g.Stride+x1c])*tx
			bb := float64(g.Pix[y1c*g.Stride+x0c])*(1-tx) + float64(g.Pix[y1c*g.Stride+x1c])*tx
			out.Pix[oy*out.Stride+ox] = uint8(a*(1-ty) + bb*ty + 0.5)
		}
	}
	return out
}

// refShrinkArea is shrinkArea as of b5eb29f.
func refShrinkArea(g, out *image.Gray) {
	sw, sh := g.Bounds().Dx(), g.Bounds().Dy()
	w, h := out.Bounds().Dx(), out.Bounds().Dy()
	if sw == 2*w && sh == 2*h {
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

// refScaleTo is scaleTo as of b5eb29f.
func refScaleTo(g *image.Gray, side int) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	l := max(w, h)
	if l == side || l == 0 {
		return g
	}
	return refResize(g, max(1, w*side/l), max(1, h*side/l))
}

// refRotate90CCW is rotate90CCW as of b5eb29f.
func refRotate90CCW(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for x, v := range row {
			out.Pix[(w-1-x)*out.Stride+y] = v
		}
	}
	return out
}

// refRotateFill is rotateFill as of b5eb29f.
func refRotateFill(g *image.Gray, deg float64, fill int) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	rad := deg * math.Pi / 180
	c, s := math.Cos(rad), math.Sin(rad)
	nw := int(math.Ceil(math.Abs(float64(w)*c) + math.Abs(float64(h)*s)))
	nh := int(math.Ceil(math.Abs(float64(w)*s) + math.Abs(float64(h)*c)))
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	bg := refMeanGray(g)
	if fill >= 0 {
		bg = uint8(fill)
	}
	cx, cy := float64(w)/2, float64(h)/2
	ncx, ncy := float64(nw)/2, float64(nh)/2
	const one = 1 << 16
	stepX, stepY := int64(math.Round(c*one)), int64(math.Round(s*one))
	for y := 0; y < nh; y++ {
		dy := float64(y) + 0.5 - ncy
		dx := 0.5 - ncx
		fx := int64(math.Round((c*dx - s*dy + cx - 0.5) * one))
		fy := int64(math.Round((s*dx + c*dy + cy - 0.5) * one))
		dst := out.Pix[y*out.Stride : y*out.Stride+nw]
		for x := range dst {
			x0, y0 := int(fx>>16), int(fy>>16)
			if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
				dst[x] = bg
			} else {
				tx, ty := fx&(one-1), fy&(one-1)
				p := g.Pix[y0*g.Stride+x0:]
				q := g.Pix[(y0+1)*g.Stride+x0:]
				a := int64(p[0])*(one-tx) + int64(p[1])*tx
				bb := int64(q[0])*(one-tx) + int64(q[1])*tx
				dst[x] = uint8((a*(one-ty) + bb*ty + 1<<31) >> 32)
			}
			fx += stepX
			fy += stepY
		}
	}
	return out
}

// refSampleRow is sampleRow as of 3617041, which sliced each 2x2
// neighbourhood out of pix.
func refSampleRow(dst, pix []byte, stride int, fx, fy, stepX, stepY int64) {
	const one = 1 << 16
	for x := range dst {
		i := int(fy>>16)*stride + int(fx>>16)
		tx, ty := fx&(one-1), fy&(one-1)
		p := pix[i : i+stride+2]
		p0, q0 := int64(p[0]), int64(p[stride])
		a := p0<<16 + (int64(p[1])-p0)*tx
		bb := q0<<16 + (int64(p[stride+1])-q0)*tx
		dst[x] = uint8((a<<16 + (bb-a)*ty + 1<<31) >> 32)
		fx += stepX
		fy += stepY
	}
}

// refMeanGray is meanGray as of b5eb29f.
func refMeanGray(g *image.Gray) uint8 {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	if w == 0 || h == 0 {
		return 255
	}
	s := 0
	for y := 0; y < h; y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			s += int(v)
		}
	}
	return uint8(s / (w * h))
}

// refStretch is stretch as of b5eb29f.
func refStretch(g *image.Gray) *image.Gray {
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

// refBoxBlur3 is boxBlur3 as of b5eb29f.
func refBoxBlur3(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w == 0 || h == 0 {
		return out
	}
	col := make([]int, w)
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-1), min(h-1, y+1)
		rows := y1 - y0 + 1
		for x := range col {
			col[x] = 0
		}
		for yy := y0; yy <= y1; yy++ {
			for x, v := range g.Pix[yy*g.Stride : yy*g.Stride+w] {
				col[x] += int(v)
			}
		}
		dst := out.Pix[y*out.Stride : y*out.Stride+w]
		if w == 1 {
			dst[0] = uint8(col[0] / rows)
			continue
		}
		dst[0] = uint8((col[0] + col[1]) / (2 * rows))
		dst[w-1] = uint8((col[w-2] + col[w-1]) / (2 * rows))
		n := 3 * rows
		if n == 9 {
			for x := 1; x < w-1; x++ {
				dst[x] = uint8((col[x-1] + col[x] + col[x+1]) / 9)
			}
			continue
		}
		for x := 1; x < w-1; x++ {
			dst[x] = uint8((col[x-1] + col[x] + col[x+1]) / n)
		}
	}
	return out
}

// refSharpen is sharpen as of b5eb29f.
func refSharpen(g *image.Gray) *image.Gray {
	bl := refBoxBlur3(g)
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := int(g.Pix[y*g.Stride+x])
			out.Pix[y*out.Stride+x] = uint8(clampInt(2*v-int(bl.Pix[y*bl.Stride+x]), 0, 255))
		}
	}
	return out
}

// refSharpenStrong is sharpenStrong as of b5eb29f.
func refSharpenStrong(g *image.Gray) *image.Gray {
	bl := refBoxBlur3(refBoxBlur3(g))
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := int(g.Pix[y*g.Stride+x])
			out.Pix[y*out.Stride+x] = uint8(clampInt(3*v-2*int(bl.Pix[y*bl.Stride+x]), 0, 255))
		}
	}
	return out
}

// refPadNearest is padNearest as of b5eb29f.
func refPadNearest(g *image.Gray, factor, border int, fill uint8) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	ow, oh := w*factor+2*border, h*factor+2*border
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	for i := range out.Pix {
		out.Pix[i] = fill
	}
	for y := 0; y < h*factor; y++ {
		src := g.Pix[(y/factor)*g.Stride:]
		dst := out.Pix[(y+border)*out.Stride+border:]
		for x := 0; x < w*factor; x++ {
			dst[x] = src[x/factor]
		}
	}
	return out
}

// refAdaptiveThreshold is adaptiveThreshold as of b5eb29f.
func refAdaptiveThreshold(g *image.Gray, r, off int) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w == 0 || h == 0 {
		return out
	}
	sum := make([]int64, (w+1)*(h+1))
	for y := 0; y < h; y++ {
		var row int64
		for x := 0; x < w; x++ {
			row += int64(g.Pix[y*g.Stride+x])
			sum[(y+1)*(w+1)+x+1] = sum[y*(w+1)+x+1] + row
		}
	}
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		for x := 0; x < w; x++ {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			s := sum[y1*(w+1)+x1] - sum[y0*(w+1)+x1] - sum[y1*(w+1)+x0] + sum[y0*(w+1)+x0]
			mean := s / int64((y1-y0)*(x1-x0))
			if int64(g.Pix[y*g.Stride+x])+int64(off) < mean {
				out.Pix[y*out.Stride+x] = 0
			} else {
				out.Pix[y*out.Stride+x] = 255
			}
		}
	}
	return out
}

// testGray returns a w x h gray image for the equivalence tests: noise,
// bars, flat areas or a mix, and often a sub-image of a larger one (its
// Bounds().Min not zero, its Stride larger than its width, and pixels
// around it that must not be read).
func testGray(rng *rand.Rand, w, h int) *image.Gray {
	var g *image.Gray
	if rng.IntN(3) == 0 {
		g = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		mx, my := rng.IntN(5), rng.IntN(4)
		big := image.NewGray(image.Rect(-3, -2, -3+w+mx+rng.IntN(7), -2+h+my+rng.IntN(4)))
		for i := range big.Pix {
			big.Pix[i] = uint8(rng.IntN(256))
		}
		r := image.Rect(0, 0, w, h).Add(image.Pt(-3+mx, -2+my))
		g = big.SubImage(r).(*image.Gray)
	}
	kind := rng.IntN(4)
	period := 1 + rng.IntN(9)
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for x := range row {
			switch kind {
			case 0:
				row[x] = uint8(rng.IntN(256))
			case 1:
				if (x/period)%2 == 0 {
					row[x] = uint8(20 + rng.IntN(30))
				} else {
					row[x] = uint8(200 + rng.IntN(56))
				}
			case 2:
				row[x] = uint8(128 + rng.IntN(3))
			default:
				row[x] = uint8((x*3 + y*5 + rng.IntN(20)) % 256)
			}
		}
	}
	return g
}

// testSizes returns image sizes for the equivalence tests: thin, tiny,
// odd and a few larger ones.
func testSizes(rng *rand.Rand, n int) [][2]int {
	sizes := [][2]int{{1, 1}, {1, 7}, {7, 1}, {2, 2}, {2, 3}, {3, 2}, {3, 3}, {1, 40}, {40, 1}, {5, 9}, {64, 33}, {99, 101}, {0, 5}, {5, 0}}
	for len(sizes) < n {
		switch rng.IntN(4) {
		case 0:
			sizes = append(sizes, [2]int{1 + rng.IntN(300), 1 + rng.IntN(300)})
		case 1:
			sizes = append(sizes, [2]int{1 + rng.IntN(4), 1 + rng.IntN(60)})
		case 2:
			sizes = append(sizes, [2]int{1 + rng.IntN(60), 1 + rng.IntN(4)})
		default:
			sizes = append(sizes, [2]int{1 + rng.IntN(40), 1 + rng.IntN(40)})
		}
	}
	return sizes
}

// sameGray fails t unless got and want have the same bounds, stride and
// pixels.
func sameGray(t *testing.T, what string, got, want *image.Gray) {
	t.Helper()
	if got.Rect != want.Rect || got.Stride != want.Stride || len(got.Pix) != len(want.Pix) {
		t.Fatalf("%s: got %v stride %d len %d, want %v stride %d len %d", what, got.Rect, got.Stride, len(got.Pix), want.Rect, want.Stride, len(want.Pix))
	}
	if !bytes.Equal(got.Pix, want.Pix) {
		for i := range got.Pix {
			if got.Pix[i] != want.Pix[i] {
				t.Fatalf("%s: pixel %d (x %d, y %d) = %d, want %d", what, i, i%max(1, got.Stride), i/max(1, got.Stride), got.Pix[i], want.Pix[i])
			}
		}
	}
}

// TestRotateFillMatchesReference checks that rotateFill returns the same
// pixels as the reference for random images, angles and fills.
func TestRotateFillMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	angles := []float64{0, 2, -2, 4, -4, 8, -8, 12, -12, 15, -15, 17, -17, 22, -22, 30, -30, 45, -45, 90, -90, 180, 135, 270, 360, 0.001, -0.001, 1e-9, -1e-9}
	for _, sz := range testSizes(rng, 60) {
		g := testGray(rng, sz[0], sz[1])
		for k := 0; k < 6; k++ {
			a := angles[rng.IntN(len(angles))]
			if k == 5 {
				a = rng.Float64()*360 - 180
			}
			fill := -1
			switch rng.IntN(3) {
			case 0:
				fill = 255
			case 1:
				fill = rng.IntN(256)
			}
			sameGray(t, fmt.Sprintf("%dx%d at %v fill %d", sz[0], sz[1], a, fill), rotateFill(g, a, fill), refRotateFill(g, a, fill))
		}
	}
	g := testGray(rng, 700, 500)
	for _, a := range []float64{0, 2, -4, 12, -17, 22, 45, 90, 30.5} {
		sameGray(t, fmt.Sprintf("700x500 at %v", a), rotateFill(g, a, 255), refRotateFill(g, a, 255))
	}
}

// TestRotateFillInnerMatchesReference checks that turning an image padded
// with the fill while sampling only around its inner part gives the
// reference's bytes for the whole padded image: random sizes (one pixel
// wide or tall included), margins (none, one pixel, wide, uneven), fills
// and angles.
func TestRotateFillInnerMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	angles := []float64{0, 2, -2, 4, -4, 8, -8, 12, -12, 17, -17, 22, -22, 45, 90, -90, 180, 0.001, -1e-9}
	for _, sz := range testSizes(rng, 60) {
		inner := testGray(rng, sz[0], sz[1])
		for k := 0; k < 4; k++ {
			fill := []int{255, 0, rng.IntN(256)}[rng.IntN(3)]
			l, tp, r, b := rng.IntN(12), rng.IntN(12), rng.IntN(12), rng.IntN(12)
			if k == 0 {
				l, tp, r, b = 0, 0, 0, 0
			}
			w, h := sz[0]+l+r, sz[1]+tp+b
			g := image.NewGray(image.Rect(0, 0, w, h))
			fillBytes(g.Pix, uint8(fill))
			for y := 0; y < sz[1]; y++ {
				copy(g.Pix[(y+tp)*g.Stride+l:], inner.Pix[y*inner.Stride:y*inner.Stride+sz[0]])
			}
			a := angles[rng.IntN(len(angles))]
			if k == 3 {
				a = rng.Float64()*360 - 180
			}
			in := image.Rect(l, tp, l+sz[0], tp+sz[1])
			sameGray(t, fmt.Sprintf("%dx%d in %v at %v fill %d", w, h, in, a, fill), rotateFillInner(g, in, a, fill), refRotateFill(g, a, fill))
		}
	}
}

// TestSampleRowMatchesReference checks that sampleRow writes the same
// bytes as the reference for random steps (zero, negative, a whole pixel
// and tiny ones) over images of few gray levels, where flat 2x2
// neighbourhoods sit next to edges and almost-flat ones.
func TestSampleRowMatchesReference(t *testing.T) {
	const one = 1 << 16
	rng := rand.New(rand.NewPCG(5, 6))
	for k := 0; k < 3000; k++ {
		w, h := 2+rng.IntN(40), 2+rng.IntN(40)
		stride := w + rng.IntN(3)
		pix := make([]byte, (h-1)*stride+w)
		levels := []byte{0, 255, byte(rng.IntN(256)), byte(rng.IntN(256))}[:1+rng.IntN(4)]
		for i := range pix {
			pix[i] = levels[rng.IntN(len(levels))]
			if rng.IntN(8) == 0 {
				// Blobs: a pixel copies its left or upper neighbour.
				if i > 0 && rng.IntN(2) == 0 {
					pix[i] = pix[i-1]
				} else if i >= stride {
					pix[i] = pix[i-stride]
				}
			}
		}
		steps := []int64{0, one, -one, 1, -1, int64(rng.IntN(2*one+1)) - one, int64(rng.IntN(2001)) - 1000}
		stepX, stepY := steps[rng.IntN(len(steps))], steps[rng.IntN(len(steps))]
		limX, limY := int64(w-1)<<16, int64(h-1)<<16
		fx, fy := rng.Int64N(limX), rng.Int64N(limY)
		// As rotateFill does: only the samples whose neighbourhood
		// lies inside the image.
		lo, hi := linearSpan(fx, stepX, limX, 0, 1+rng.IntN(80))
		lo, hi = linearSpan(fy, stepY, limY, lo, hi)
		fx, fy = fx+int64(lo)*stepX, fy+int64(lo)*stepY
		got, want := make([]byte, hi-lo), make([]byte, hi-lo)
		sampleRow(got, pix, stride, fx, fy, stepX, stepY)
		refSampleRow(want, pix, stride, fx, fy, stepX, stepY)
		if !bytes.Equal(got, want) {
			t.Fatalf("%dx%d stride %d at (%d, %d) step (%d, %d): got %v, want %v", w, h, stride, fx, fy, stepX, stepY, got, want)
		}
	}
}

// TestResizeMatchesReference checks that resize and scaleTo return the
// same pixels as the reference for random images and target sizes
// (shrinking, growing, both, and the pipeline's smoothing sizes).
func TestResizeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range testSizes(rng, 60) {
		g := testGray(rng, sz[0], sz[1])
		sw, sh := sz[0], sz[1]
		targets := [][2]int{{sw, sh}, {2 * sw, 2 * sh}, {4 * sw, 4 * sh}, {sw, max(1, sh/4)}, {max(1, sw/4), sh}, {sw, max(1, sh/3)}, {max(1, sw/2), max(1, sh/2)},
			{1 + rng.IntN(2*sw+2), 1 + rng.IntN(2*sh+2)}, {1 + rng.IntN(sw+1), 1 + rng.IntN(sh+1)}, {0, 3}}
		for _, tg := range targets {
			sameGray(t, fmt.Sprintf("%dx%d to %dx%d", sw, sh, tg[0], tg[1]), resize(g, tg[0], tg[1]), refResize(g, tg[0], tg[1]))
		}
		for _, side := range []int{1, 17, 64, 400, max(sw, sh)} {
			sameGray(t, fmt.Sprintf("%dx%d scaled to %d", sw, sh, side), scaleTo(g, side), refScaleTo(g, side))
		}
	}
	g := testGray(rng, 1300, 900)
	for _, side := range []int{1000, 800, 640, 600, 400} {
		sameGray(t, fmt.Sprintf("1300x900 scaled to %d", side), scaleTo(g, side), refScaleTo(g, side))
	}
	g = testGray(rng, 450, 300)
	sameGray(t, "450x300 up2", resize(g, 900, 600), refResize(g, 900, 600))
}

// TestPadNearestMatchesReference checks that padNearest returns the same
// pixels as the reference for random images, factors, borders and fills.
func TestPadNearestMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range testSizes(rng, 60) {
		g := testGray(rng, sz[0], sz[1])
		for _, f := range []int{1, 2, 3, 1 + rng.IntN(6)} {
			for _, border := range []int{0, 1, 8, rng.IntN(40)} {
				fill := []uint8{0, 255, uint8(rng.IntN(256))}[rng.IntN(3)]
				sameGray(t, fmt.Sprintf("%dx%d f %d border %d fill %d", sz[0], sz[1], f, border, fill), padNearest(g, f, border, fill), refPadNearest(g, f, border, fill))
			}
		}
	}
}

// TestSharpenMatchesReference checks that boxBlur3, sharpen and sharpenStrong
// return the same pixels as the references for random images.
func TestSharpenMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sz := range testSizes(rng, 80) {
		g := testGray(rng, sz[0], sz[1])
		what := fmt.Sprintf("%dx%d", sz[0], sz[1])
		sameGray(t, "boxBlur3 "+what, boxBlur3(g), refBoxBlur3(g))
		sameGray(t, "sharpen "+what, sharpen(g), refSharpen(g))
		sameGray(t, "sharpenStrong "+what, sharpenStrong(g), refSharpenStrong(g))
	}
}

// TestPointOpsMatchesReference checks that rotate90CCW, meanGray, stretch
// and adaptiveThreshold return the same pixels (and mean) as the
// references for random images and windows.
func TestPointOpsMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sz := range testSizes(rng, 80) {
		g := testGray(rng, sz[0], sz[1])
		what := fmt.Sprintf("%dx%d", sz[0], sz[1])
		sameGray(t, "rotate90CCW "+what, rotate90CCW(g), refRotate90CCW(g))
		if got, want := meanGray(g), refMeanGray(g); got != want {
			t.Fatalf("meanGray %s = %d, want %d", what, got, want)
		}
		sameGray(t, "stretch "+what, stretch(g), refStretch(g))
		for _, ro := range [][2]int{{1, 0}, {3, 2}, {4, 4}, {rng.IntN(50), rng.IntN(9) - 4}, {max(sz[0], sz[1]) / 16, 4}, {0, -1}} {
			sameGray(t, fmt.Sprintf("adaptiveThreshold %s r %d off %d", what, ro[0], ro[1]), adaptiveThreshold(g, ro[0], ro[1]), refAdaptiveThreshold(g, ro[0], ro[1]))
		}
	}
	// Flat and extreme images: the stretch's early exit and large sums.
	for _, v := range []uint8{0, 255, 77} {
		g := image.NewGray(image.Rect(0, 0, 300, 200))
		for i := range g.Pix {
			g.Pix[i] = v
		}
		sameGray(t, fmt.Sprintf("stretch flat %d", v), stretch(g), refStretch(g))
		sameGray(t, fmt.Sprintf("adaptiveThreshold flat %d", v), adaptiveThreshold(g, 20, 0), refAdaptiveThreshold(g, 20, 0))
		if got, want := meanGray(g), refMeanGray(g); got != want {
			t.Fatalf("meanGray flat %d = %d, want %d", v, got, want)
		}
	}
}

// benchGray returns a 1000x1000 camera-like image: noisy light paper
// with dark bars in the middle.
func benchGray(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 170 + (y*w+x)*7919%40
			if x > w/4 && x < 3*w/4 && y > h/3 && y < 2*h/3 && (x/7)%3 == 0 {
				v = 30 + (x*13+y*7)%30
			}
			g.Pix[y*g.Stride+x] = uint8(v)
		}
	}
	return g
}

// BenchmarkRotateFill measures a 12 degree turn of a 1000x1000 image with
// a white fill (the rotpad preparation) and with the mean gray (rot).
func BenchmarkRotateFill(b *testing.B) {
	g := benchGray(1000, 1000)
	b.Run("white", func(b *testing.B) {
		for b.Loop() {
			rotateFill(g, 12, 255)
		}
	})
	b.Run("mean", func(b *testing.B) {
		for b.Loop() {
			rotateFill(g, -15, -1)
		}
	})
}

// BenchmarkRotateSmallTurns measures rotateFill on a 1000x750 image (the
// working image's usual shape) at turns of the rotpad and rot
// preparations, with a white fill: the image itself (noise, no flat
// neighbourhoods) and padded with a white margin as rotpad does.
func BenchmarkRotateSmallTurns(b *testing.B) {
	g := benchGray(1000, 750)
	padded := padNearest(g, 1, 100, 255)
	for _, a := range []float64{4, 15} {
		b.Run(fmt.Sprint(a), func(b *testing.B) {
			for b.Loop() {
				rotateFill(g, a, 255)
			}
		})
		b.Run(fmt.Sprint("padded-", a), func(b *testing.B) {
			for b.Loop() {
				rotateFill(padded, a, 255)
			}
		})
	}
}

// BenchmarkResize measures the pipeline's resizes of a 1000x1000 image
// (vsmooth, hsmooth, scale640) and of a 500x500 one (up2).
func BenchmarkResize(b *testing.B) {
	g := benchGray(1000, 1000)
	small := benchGray(500, 500)
	for _, c := range []struct {
		name string
		src  *image.Gray
		w, h int
	}{{"vsmooth", g, 1000, 250}, {"hsmooth", g, 250, 1000}, {"scale640", g, 640, 640}, {"scale600", g, 600, 600}, {"up2", small, 1000, 1000}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				resize(c.src, c.w, c.h)
			}
		})
	}
}

// BenchmarkPadNearest measures the quiet zone added to a 1000x1000 image
// (rotpad's) and a 300x300 one enlarged twice (padwhite's).
func BenchmarkPadNearest(b *testing.B) {
	g := benchGray(1000, 1000)
	small := benchGray(300, 300)
	b.Run("f1", func(b *testing.B) {
		for b.Loop() {
			padNearest(g, 1, 100, 255)
		}
	})
	b.Run("f2", func(b *testing.B) {
		for b.Loop() {
			padNearest(small, 2, 75, 0)
		}
	})
}

// BenchmarkSharpenStrong measures sharpenStrong on a 1000x1000 image.
func BenchmarkSharpenStrong(b *testing.B) {
	g := benchGray(1000, 1000)
	for b.Loop() {
		sharpenStrong(g)
	}
}

// BenchmarkBoxBlur3 measures boxBlur3 on a 1000x1000 image.
func BenchmarkBoxBlur3(b *testing.B) {
	g := benchGray(1000, 1000)
	for b.Loop() {
		boxBlur3(g)
	}
}

// BenchmarkRotate90CCW measures rotate90CCW on a 250x1000 image (the
// hsmooth preparation's) and a 1000x1000 one.
func BenchmarkRotate90CCW(b *testing.B) {
	for _, sz := range [][2]int{{250, 1000}, {1000, 1000}} {
		g := benchGray(sz[0], sz[1])
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			for b.Loop() {
				rotate90CCW(g)
			}
		})
	}
}

// BenchmarkPointOps measures meanGray, stretch and adaptiveThreshold (the
// adaptive16 window) on a 1000x1000 image.
func BenchmarkPointOps(b *testing.B) {
	g := benchGray(1000, 1000)
	b.Run("meanGray", func(b *testing.B) {
		for b.Loop() {
			meanGray(g)
		}
	})
	b.Run("stretch", func(b *testing.B) {
		for b.Loop() {
			stretch(g)
		}
	})
	b.Run("adaptiveThreshold", func(b *testing.B) {
		for b.Loop() {
			adaptiveThreshold(g, 62, 4)
		}
	})
}

// TestLinearSpan compares linearSpan with a pixel by pixel check of
// 0 <= f0 + x*step < lim.
func TestLinearSpan(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for k := 0; k < 20000; k++ {
		n := rng.IntN(40)
		lo := rng.IntN(n + 1)
		hi := lo + rng.IntN(n-lo+1)
		step := int64(rng.IntN(41) - 20)
		lim := int64(rng.IntN(200) - 20)
		f0 := int64(rng.IntN(600) - 300)
		gl, gh := linearSpan(f0, step, lim, lo, hi)
		wl, wh := -1, -1
		for x := lo; x < hi; x++ {
			if f := f0 + int64(x)*step; f >= 0 && f < lim {
				if wl < 0 {
					wl = x
				}
				wh = x + 1
			}
		}
		if wl < 0 {
			if gl < gh || gl < lo || gh > hi {
				t.Fatalf("linearSpan(%d, %d, %d, %d, %d) = %d, %d, want empty", f0, step, lim, lo, hi, gl, gh)
			}
			continue
		}
		if gl != wl || gh != wh {
			t.Fatalf("linearSpan(%d, %d, %d, %d, %d) = %d, %d, want %d, %d", f0, step, lim, lo, hi, gl, gh, wl, wh)
		}
	}
}
