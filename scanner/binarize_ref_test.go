package scanner

import (
	"image"
	"math/rand"
	"path/filepath"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// The reference versions below are binarize.go and barmap.go as they were
// at b5eb29f, before the speed-ups: the tests compare the current code to
// them bit for bit.

// refHybridMatrix is hybridBinarizer.GetBlackMatrix as of b5eb29f.
func refHybridMatrix(src gozxing.LuminanceSource) (*gozxing.BitMatrix, error) {
	w, h := src.GetWidth(), src.GetHeight()
	if w < hybridMinSide || h < hybridMinSide {
		return refGlobalMatrix(src)
	}
	lum := src.GetMatrix()
	sw, shh := (w+hybridBlock-1)/hybridBlock, (h+hybridBlock-1)/hybridBlock
	bp := refBlackPoints(lum, sw, shh, w, h)
	words := (w + 31) / 32
	bits := make([]uint32, words*h)
	maxY, maxX := h-hybridBlock, w-hybridBlock
	ts := make([]int, sw)
	for y := 0; y < shh; y++ {
		yo := min(y*hybridBlock, maxY)
		top := clampInt(y, 2, shh-3)
		for x := 0; x < sw; x++ {
			left := clampInt(x, 2, sw-3)
			sum := 0
			for z := -2; z <= 2; z++ {
				r := bp[(top+z)*sw+left-2 : (top+z)*sw+left+3]
				sum += r[0] + r[1] + r[2] + r[3] + r[4]
			}
			ts[x] = sum / 25
		}
		for yy := yo; yy < yo+hybridBlock; yy++ {
			lrow := lum[yy*w : yy*w+w]
			row := bits[yy*words : (yy+1)*words]
			for x, t := range ts {
				xo := min(x*hybridBlock, maxX)
				px := lrow[xo : xo+hybridBlock : xo+hybridBlock]
				t1 := t + 1
				byte8 := uint32(uint64(int(px[0])-t1)>>63) |
					uint32(uint64(int(px[1])-t1)>>63)<<1 |
					uint32(uint64(int(px[2])-t1)>>63)<<2 |
					uint32(uint64(int(px[3])-t1)>>63)<<3 |
					uint32(uint64(int(px[4])-t1)>>63)<<4 |
					uint32(uint64(int(px[5])-t1)>>63)<<5 |
					uint32(uint64(int(px[6])-t1)>>63)<<6 |
					uint32(uint64(int(px[7])-t1)>>63)<<7
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
	return refPackedMatrix(bits, w, h), nil
}

// refBlackPoints is blackPoints as of b5eb29f.
func refBlackPoints(lum []byte, sw, shh, w, h int) []int {
	maxY, maxX := h-hybridBlock, w-hybridBlock
	bp := make([]int, sw*shh)
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

// refGlobalMatrix is globalMatrix as of b5eb29f.
func refGlobalMatrix(src gozxing.LuminanceSource) (*gozxing.BitMatrix, error) {
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
			row[x>>5] |= uint32(uint64(int(v)-black)>>63) << uint(x&31)
		}
	}
	return refPackedMatrix(bits, w, h), nil
}

// refPackedMatrix is packedMatrix as of b5eb29f.
func refPackedMatrix(bits []uint32, w, h int) *gozxing.BitMatrix {
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

// refBarMap is newBarMap as of b5eb29f.
func refBarMap(g *image.Gray) *barMap {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	m := &barMap{rows: make([]bool, h), cols: make([]bool, w)}
	tw, th := (w+barTile-1)/barTile, (h+barTile-1)/barTile
	if tw < 3 || th < 3 {
		for i := range m.rows {
			m.rows[i] = true
		}
		for i := range m.cols {
			m.cols[i] = true
		}
		return m
	}
	ex := make([]int, tw*th)
	ey := make([]int, tw*th)
	for y := 0; y+1 < h; y += 2 {
		r0 := g.Pix[y*g.Stride : y*g.Stride+w]
		r1 := g.Pix[(y+1)*g.Stride : (y+1)*g.Stride+w]
		t := (y / barTile) * tw
		for tx := 0; tx < tw; tx++ {
			x0, x1 := tx*barTile, min((tx+1)*barTile, w-1)
			sx, sy := 0, 0
			a, next, below := r0[x0:x1], r0[x0+1:x1+1], r1[x0:x1]
			next, below = next[:len(a)], below[:len(a)]
			for x, v := range a {
				dx := int(next[x]) - int(v)
				dy := int(below[x]) - int(v)
				sx += max(dx, -dx)
				sy += max(dy, -dy)
			}
			ex[t+tx] += sx
			ey[t+tx] += sy
		}
	}
	horiz := make([]bool, tw*th)
	vert := make([]bool, tw*th)
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			i := ty*tw + tx
			n := min(barTile, w-tx*barTile) * (min(barTile, h-ty*barTile) + 1) / 2
			a, b := float64(ex[i]), float64(ey[i])
			horiz[i] = a >= barMinChange*float64(n) && a >= barAniso*b
			vert[i] = b >= barMinChange*float64(n) && b >= barAniso*a
		}
	}
	rowTiles := make([]bool, th)
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx+1 < tw; tx++ {
			if horiz[ty*tw+tx] && horiz[ty*tw+tx+1] {
				rowTiles[ty] = true
				break
			}
		}
	}
	colTiles := make([]bool, tw)
	for tx := 0; tx < tw; tx++ {
		for ty := 0; ty+1 < th; ty++ {
			if vert[ty*tw+tx] && vert[(ty+1)*tw+tx] {
				colTiles[tx] = true
				break
			}
		}
	}
	for y := range m.rows {
		t := y / barTile
		m.rows[y] = rowTiles[t] || t > 0 && rowTiles[t-1] || t+1 < th && rowTiles[t+1]
	}
	for x := range m.cols {
		t := x / barTile
		m.cols[x] = colTiles[t] || t > 0 && colTiles[t-1] || t+1 < tw && colTiles[t+1]
	}
	return m
}

// randomGrays returns n test images of random sizes (tiny ones below the
// hybrid's block and minimum side included, widths and heights not
// multiples of 8) and contents: noise, stripes in either direction, bars
// of random widths, gradients, flat areas, low-contrast noise, and a mix
// of these; some with a stride wider than the image.
func randomGrays(rng *rand.Rand, n int) []*image.Gray {
	sizes := [][2]int{{1, 1}, {3, 2}, {7, 9}, {8, 8}, {39, 80}, {40, 40}, {41, 47}, {47, 41}, {48, 48}, {63, 65}, {64, 64}, {65, 33}, {100, 100}, {129, 95}}
	var out []*image.Gray
	for i := 0; i < n; i++ {
		var w, h int
		if i < len(sizes) {
			w, h = sizes[i][0], sizes[i][1]
		} else {
			w, h = 1+rng.Intn(260), 1+rng.Intn(260)
		}
		stride := w
		if rng.Intn(4) == 0 {
			stride += 1 + rng.Intn(9)
		}
		g := &image.Gray{Pix: make([]uint8, stride*h), Stride: stride, Rect: image.Rect(0, 0, w, h)}
		kind := i % 8
		base, amp := rng.Intn(256), 1+rng.Intn(256)
		period := 1 + rng.Intn(12)
		widths := make([]int, w+h)
		for k, acc := 0, 0; k < len(widths); k++ {
			if k >= acc {
				acc += 1 + rng.Intn(6)
			}
			widths[k] = acc
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var v int
				switch kind {
				case 0:
					v = rng.Intn(256)
				case 1: // vertical stripes
					v = base + amp*((x/period)%2) - amp/2
				case 2: // horizontal stripes
					v = base + amp*((y/period)%2) - amp/2
				case 3: // bars of random widths over a gradient
					v = x*200/w + 40*((widths[x]/3)%2)
				case 4: // gradient
					v = (x*255/max(1, w-1) + y*128/max(1, h-1)) / 2
				case 5: // flat
					v = base
				case 6: // low-contrast noise
					v = base + rng.Intn(20) - 10
				case 7: // mix: flat left, stripes right, noise bottom
					switch {
					case y > h*2/3:
						v = rng.Intn(256)
					case x < w/2:
						v = base
					default:
						v = 255 * ((x / period) % 2)
					}
				}
				g.Pix[y*stride+x] = uint8(min(255, max(0, v)))
			}
		}
		out = append(out, g)
	}
	return out
}

// sameMatrix reports whether a and b (either may be nil) hold the same
// bits.
func sameMatrix(a, b *gozxing.BitMatrix) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.GetWidth() != b.GetWidth() || a.GetHeight() != b.GetHeight() {
		return false
	}
	var ra, rb *gozxing.BitArray
	for y := 0; y < a.GetHeight(); y++ {
		ra, rb = a.GetRow(y, ra), b.GetRow(y, rb)
		if !slices.Equal(ra.GetBitArray(), rb.GetBitArray()) {
			return false
		}
	}
	return true
}

// polarities returns g's luminance source and its inverse.
func polarities(g *image.Gray) map[string]gozxing.LuminanceSource {
	src := newGrayLuminance(g)
	return map[string]gozxing.LuminanceSource{"normal": src, "inverted": gozxing.NewInvertedLuminanceSource(src)}
}

// TestHybridMatchesReference checks that the hybrid binarizer's black
// matrix (and error) is the reference's bit for bit on random images in
// both polarities, and through gozxing's own inverted source around a
// source other than grayLuminance.
func TestHybridMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i, g := range randomGrays(rng, 300) {
		for pol, src := range polarities(g) {
			want, werr := refHybridMatrix(src)
			got, gerr := newHybridBinarizer(src).GetBlackMatrix()
			if (werr == nil) != (gerr == nil) || !sameMatrix(got, want) {
				t.Fatalf("image %d (%dx%d, stride %d) %s: matrix or error (%v, want %v) differs", i, g.Rect.Dx(), g.Rect.Dy(), g.Stride, pol, gerr, werr)
			}
		}
	}
	// A source of gozxing's own kind under the inverted one.
	g := randomGrays(rand.New(rand.NewSource(2)), 20)[19]
	rgba := image.NewRGBA(g.Rect)
	for i, v := range g.Pix[:len(rgba.Pix)/4] {
		rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+2], rgba.Pix[4*i+3] = v, v, v, 255
	}
	src := gozxing.NewInvertedLuminanceSource(gozxing.NewLuminanceSourceFromImage(rgba))
	want, werr := refHybridMatrix(src)
	got, gerr := newHybridBinarizer(src).GetBlackMatrix()
	if (werr == nil) != (gerr == nil) || !sameMatrix(got, want) {
		t.Fatalf("gozxing image source, inverted: matrix or error differs")
	}
}

// TestGlobalMatchesReference checks that the global histogram binarizer's
// black matrix (and error) is the reference's bit for bit on random
// images in both polarities.
func TestGlobalMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	found := 0
	for i, g := range randomGrays(rng, 300) {
		for pol, src := range polarities(g) {
			want, werr := refGlobalMatrix(src)
			got, gerr := newGlobalBinarizer(src).GetBlackMatrix()
			if (werr == nil) != (gerr == nil) || !sameMatrix(got, want) {
				t.Fatalf("image %d (%dx%d) %s: matrix or error (%v, want %v) differs", i, g.Rect.Dx(), g.Rect.Dy(), pol, gerr, werr)
			}
			if werr == nil {
				found++
			}
		}
	}
	// Most images have two peaks; the flat ones none.
	if found < 200 {
		t.Errorf("only %d of 600 images thresholded", found)
	}
}

// TestBarMapMatchesReference checks that newBarMap gives the reference's
// rows and columns on random images, and on images with bar-like tiles.
func TestBarMapMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	imgs := randomGrays(rng, 300)
	imgs = append(imgs, invert(writerFixture(t, SymCode128, "1Z999AA10123456784", 2)))
	some := 0
	for i, g := range imgs {
		want, got := refBarMap(g), newBarMap(g)
		if !slices.Equal(got.rows, want.rows) || !slices.Equal(got.cols, want.cols) {
			t.Fatalf("image %d (%dx%d, stride %d): bar map differs", i, g.Rect.Dx(), g.Rect.Dy(), g.Stride)
		}
		if slices.Contains(want.rows, true) != slices.Contains(want.rows, false) ||
			slices.Contains(want.cols, true) != slices.Contains(want.cols, false) {
			some++
		}
	}
	// Maps that hold some rows or columns and not others.
	if some < 30 {
		t.Errorf("only %d partial maps", some)
	}
}

// benchImage is a photo of the sample corpus stretched to 1000x1000
// (nearest pixel).
func benchImage(b *testing.B) *image.Gray {
	g := readGray(b, filepath.Join(samplesDir(b), "qrcode-3", "01.webp"), 0)
	const side = 1000
	out := image.NewGray(image.Rect(0, 0, side, side))
	w, h := g.Rect.Dx(), g.Rect.Dy()
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			out.Pix[y*side+x] = g.Pix[(y*h/side)*g.Stride+x*w/side]
		}
	}
	return out
}

// BenchmarkBinarize measures the hybrid and global binarizers' black
// matrices and the bar map of a 1000x1000 photo, in both polarities,
// next to the reference versions (ref/...) for a comparison on a noisy
// machine.
func BenchmarkBinarize(b *testing.B) {
	g := benchImage(b)
	for _, pol := range []string{"normal", "inverted"} {
		src := polarities(g)[pol]
		for _, fn := range []struct {
			name string
			f    func(gozxing.LuminanceSource) (*gozxing.BitMatrix, error)
		}{
			{"hybrid", func(src gozxing.LuminanceSource) (*gozxing.BitMatrix, error) {
				return newHybridBinarizer(src).GetBlackMatrix()
			}},
			{"ref/hybrid", refHybridMatrix},
			{"global", globalMatrix},
			{"ref/global", refGlobalMatrix},
		} {
			b.Run(fn.name+"/"+pol, func(b *testing.B) {
				for b.Loop() {
					if _, err := fn.f(src); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	b.Run("barmap", func(b *testing.B) {
		for b.Loop() {
			newBarMap(g)
		}
	})
	b.Run("ref/barmap", func(b *testing.B) {
		for b.Loop() {
			refBarMap(g)
		}
	})
}

// TestSWARBytes checks leBytes, minBytes, absBytes, overRange and
// gatherBytes on every pair of bytes, in every lane, against the scalar
// comparisons.
func TestSWARBytes(t *testing.T) {
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			// Lane i holds a and b in lane i, other lanes other values.
			lane := (a + b) % 8
			fill := uint64(a*7+b*13) * bytes01
			mask := uint64(0xff) << (8 * lane)
			x := fill&^mask | uint64(a)<<(8*lane)
			y := (fill^0x5a3c96e1f00f1234)&^mask | uint64(b)<<(8*lane)
			le := leBytes(x, y) >> (8 * lane) & 0x80
			if (le != 0) != (a <= b) {
				t.Fatalf("leBytes(%d, %d) = %v", a, b, le != 0)
			}
			if got := int(minBytes(x, y) >> (8 * lane) & 0xff); got != min(a, b) {
				t.Fatalf("minBytes(%d, %d) = %d", a, b, got)
			}
			if got := int(absBytes(x, y) >> (8 * lane) & 0xff); got != max(a-b, b-a) {
				t.Fatalf("absBytes(%d, %d) = %d", a, b, got)
			}
		}
		// overRange of a in one lane, other lanes other values.
		lane := a % 8
		mask := uint64(0xff) << (8 * lane)
		d := uint64(a)*0x9e3779b97f4a7c15&^mask | uint64(a)<<(8*lane)
		if got := overRange(d) >> (8 * lane) & 0xff; (got == 0x80) != (a > hybridMinRange) || got&^0x80 != 0 {
			t.Fatalf("overRange(%d) = %#x", a, got)
		}
	}
	for v := 0; v < 256; v++ {
		var le uint64
		for i := 0; i < 8; i++ {
			le |= uint64(v>>i&1) << (8*i + 7)
		}
		if got := gatherBytes(le); got != uint32(v) {
			t.Fatalf("gatherBytes(%#x) = %#x, want %#x", le, got, v)
		}
	}
}
