package scanner

import (
	"context"
	"image"
	"math"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/makiuchi-d/gozxing"
)

// variant is one preparation of the working image.
type variant struct {
	name string
	make func() *image.Gray
	// twoD and oneD tell which reader families to run on it.
	twoD, oneD bool
	// global also runs the global-histogram binarizer for 2D codes.
	global bool
	// multi also runs the QR multi-reader, which tries every triple of
	// finder patterns.
	multi bool
	// pure also tries gozxing's pure-barcode mode (a clean, upright code).
	pure bool
	// cheap marks the first preparations, tried on any image with some
	// structure; the others are tried only on images with much.
	cheap bool
	// yScale is how many source rows one row of the image stands for
	// (for the images shrunk in height to smooth bars); 0 means 1.
	yScale float64
	// pol tells which polarities to read; default both.
	pol polarity
	// skip lists 2D readers not run on this preparation.
	skip readers
	// rect marks a preparation whose 2D reading runs only on images that
	// show a rectangle (see hasRectangle).
	rect bool
}

// readers is a set of 2D readers.
type readers uint8

const (
	readAztec readers = 1 << iota
	readPDF417
	readMaxiCode
)

// Which 2D readers a preparation that only turns, mirrors or crops the
// image skips. The PDF417 and MaxiCode searches look over the whole image
// and read a symbol at any quarter turn (MaxiCode at any angle), and
// Aztec's bullseye reads at any angle: such a preparation shows them
// nothing new, and they cost a fifth of a failed try-harder pass.
// Crops and small turns are for the detectors that look outwards from
// the middle and need a quiet zone (QR, Data Matrix).
const (
	skipTurned = readPDF417 | readMaxiCode | readAztec
	skipCrop   = readPDF417 | readMaxiCode
	// A large turn can bring a PDF417 symbol's rows near the horizontal.
	skipLargeTurn = readMaxiCode
)

// variants lists the preparations of g in the order they are tried, cheap
// and likely first, and returns the working image the try-harder ones
// start from (g, or g shrunk near 1000 px), made once on first use.
func (d *Decoder) variants(g *image.Gray) ([]variant, func() *image.Gray) {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	side := max(w, h)
	base := func() *image.Gray { return g }
	vs := []variant{{name: "base", make: base, twoD: true, oneD: true, global: true, cheap: true}}
	// The top of the pyramid: a large frame or photo is first searched
	// for 2D codes at 640 px, where most that fill a good part of it are
	// read for a quarter of the work (or less).
	var top func() *image.Gray
	if side > 1000 {
		top = sync.OnceValue(func() *image.Gray { return scaleTo(g, 640) })
		// 2D only: thin bars do not survive the shrink, and a failed 1D
		// scan costs more than the 2D detectors.
		vs = append([]variant{{name: "scale640", make: top, twoD: true, cheap: true}}, vs...)
	}
	if d.o.Effort == EffortFast {
		return fastVariants(base, top), base
	}
	vs[len(vs)-1].multi = true
	// A version near 1000 px for the detectors, whose pattern finders
	// have size assumptions; for a large photo it is tried first (the top
	// of a pyramid), and the later preparations work on it. Workers share
	// it, made once.
	small := func() *image.Gray { return g }
	if side > 1100 {
		small = sync.OnceValue(func() *image.Gray { return scaleTo(g, 1000) })
		if side > 1500 {
			// A middle step of the pyramid.
			vs = append(vs[:len(vs)-1:len(vs)-1], variant{name: "scale1000", make: small, twoD: true, oneD: true, global: true, cheap: true}, vs[len(vs)-1])
		}
	}
	if side > 800 {
		vs = append(vs, variant{name: "scale800", make: func() *image.Gray { return scaleTo(g, 800) }, twoD: true, oneD: false, global: true})
		if top == nil {
			vs = append(vs, variant{name: "scale600", make: func() *image.Gray { return scaleTo(g, 600) }, twoD: true, oneD: true, global: true})
		}
	}
	{
		// A quiet zone around codes cropped tight, enlarged with sharp
		// module edges when small.
		f := max(1, 600/max(1, side))
		vs = append(vs,
			variant{name: "padwhite", pol: polNormal, make: func() *image.Gray { return padNearest(g, f, max(8*f, side*f/8), 255) }, twoD: true, oneD: true, global: true, pure: true},
			variant{name: "padblack", pol: polInverted, make: func() *image.Gray { return padNearest(g, f, max(8*f, side*f/8), 0) }, twoD: true, global: true, pure: true},
		)
	}
	if side > 500 {
		vs = append(vs, variant{name: "scale400", make: func() *image.Gray { return scaleTo(g, 400) }, twoD: true, oneD: false, global: true})
	}
	if side < 600 {
		vs = append(vs, variant{name: "up2", make: func() *image.Gray { return resize(g, 2*w, 2*h) }, twoD: true, oneD: true, global: true})
	}
	vs = append(vs,
		variant{name: "stretch", pol: polNormal, rect: true, make: func() *image.Gray { return stretch(small()) }, twoD: true, oneD: true, global: true},
		variant{name: "blur", pol: polNormal, rect: true, make: func() *image.Gray { return boxBlur3(small()) }, twoD: true, oneD: true, global: true},
		variant{name: "sharpen", pol: polNormal, rect: true, make: func() *image.Gray { return sharpen(small()) }, twoD: true, oneD: true},
		variant{name: "adaptive16", pol: polNormal, rect: true, make: func() *image.Gray {
			sm := small()
			return adaptiveThreshold(sm, max(4, max(sm.Bounds().Dx(), sm.Bounds().Dy())/16), 4)
		}, twoD: true, oneD: true},
		variant{name: "adaptive40", pol: polNormal, rect: true, make: func() *image.Gray {
			sm := small()
			return adaptiveThreshold(sm, max(3, max(sm.Bounds().Dx(), sm.Bounds().Dy())/40), 2)
		}, twoD: true, oneD: false},
		variant{name: "rot180", pol: polNormal, rect: true, make: func() *image.Gray { return rotate180(small()) }, twoD: true, oneD: false, global: true, skip: skipTurned},
	)
	// Regions of interest: the 2D detectors look outwards from the
	// middle, so a code away from the middle of a cluttered photo is found
	// in a crop around it.
	for _, c := range [][4]int{{20, 20, 80, 80}, {0, 0, 60, 60}, {40, 0, 100, 60}, {0, 40, 60, 100}, {40, 40, 100, 100}} {
		c := c
		vs = append(vs, variant{name: "crop", pol: polNormal, rect: true, make: func() *image.Gray { return cropPct(small(), c) }, twoD: true, skip: skipCrop})
	}
	// Bars are straight: averaging rows (or columns) removes noise and
	// glare spots without blurring them.
	vs = append(vs,
		variant{name: "vsmooth", pol: polNormal, make: func() *image.Gray {
			sm := small()
			return resize(sm, sm.Bounds().Dx(), max(1, sm.Bounds().Dy()/4))
		}, oneD: true, yScale: 4},
		variant{name: "hsmooth", pol: polNormal, make: func() *image.Gray {
			sm := small()
			return rotate90CCW(resize(sm, max(1, sm.Bounds().Dx()/4), sm.Bounds().Dy()))
		}, oneD: true, yScale: 4},
		variant{name: "sharpen2", pol: polNormal, make: func() *image.Gray { return sharpenStrong(small()) }, oneD: true},
		variant{name: "vsharp", pol: polNormal, make: func() *image.Gray {
			sm := small()
			return sharpenStrong(resize(sm, sm.Bounds().Dx(), max(1, sm.Bounds().Dy()/3)))
		}, oneD: true, yScale: 3},
	)
	if side < 600 {
		vs = append(vs, variant{name: "upsharp", pol: polNormal, make: func() *image.Gray { return sharpenStrong(resize(g, 2*w, 2*h)) }, oneD: true})
	}
	vs = append(vs, variant{name: "mirror", pol: polNormal, rect: true, make: func() *image.Gray {
		sm := small()
		f := max(1, 600/max(1, max(sm.Bounds().Dx(), sm.Bounds().Dy())))
		return padNearest(mirror(sm), f, 8*f, 255)
	}, twoD: true, global: true, skip: readMaxiCode})
	if side < 160 {
		vs = append(vs, variant{name: "up4", make: func() *image.Gray { return resize(g, 4*w, 4*h) }, twoD: true, global: true})
	}
	// Tight crops turned a little: the rotation adds the quiet zone the
	// Data Matrix detector needs. The twelve turns share one padded
	// image, made once on first use (rotateFill only reads it, and it is
	// no variant's image, so no reader sees it), and sample only where
	// the image was, the margin being white.
	type paddedImage struct {
		g     *image.Gray
		inner image.Rectangle
	}
	padded := sync.OnceValue(func() paddedImage {
		sm := small()
		w, h := sm.Bounds().Dx(), sm.Bounds().Dy()
		border := max(8, max(w, h)/10)
		return paddedImage{padNearest(sm, 1, border, 255), image.Rect(border, border, border+w, border+h)}
	})
	for _, a := range []float64{4, -4, 8, -8, 2, -2, 12, -12, 17, -17, 22, -22} {
		a := a
		vs = append(vs, variant{name: "rotpad", pol: polNormal, rect: true, make: func() *image.Gray {
			p := padded()
			return rotateFillInner(p.g, p.inner, a, 255)
		}, twoD: true, global: true, skip: skipTurned})
	}
	// Turned: the 2D detectors at each angle. Bars at all but 30 degrees:
	// a small turn resamples bars cut short or blurred into rows that
	// read; a code tilted 30 degrees either way is crossed by the
	// straight rows or by the 45 turn's rows or columns (at 15 degrees).
	for _, a := range []float64{15, -15, 30, -30, 45, 8, -8} {
		a := a
		vs = append(vs, variant{name: "rot", pol: polNormal, rect: true, make: func() *image.Gray { return rotateAngle(small(), a) }, twoD: true, oneD: math.Abs(a) != 30, skip: skipLargeTurn})
	}
	return vs, small
}

// fastVariants are the camera's preparations: the cheapest readings that
// find most codes first (2D codes dark on light, on the pyramid's top when
// there is one; then bars on the frame), the rest of the cheap pass after
// (the other binarizer and polarity). A session skips what an earlier
// variant over the same image already read.
func fastVariants(base, top func() *image.Gray) []variant {
	first := variant{name: "base", make: base, twoD: true, pol: polNormal, cheap: true}
	if top != nil {
		first = variant{name: "scale640", make: top, twoD: true, pol: polNormal, cheap: true}
	}
	vs := []variant{first, {name: "base", make: base, oneD: true, pol: polNormal, cheap: true}}
	if top != nil {
		vs = append(vs, variant{name: "scale640", make: top, twoD: true, global: true, cheap: true})
	}
	return append(vs, variant{name: "base", make: base, twoD: true, oneD: true, global: true, cheap: true})
}

// decodeGray decodes g in a cascade: nothing when g has no structure
// that a code could make, then the cheap preparations, then (only when
// those read nothing and g has much structure) the try-harder ones, on
// two cores. It returns the scans and the name of the variant that found
// them.
func (d *Decoder) decodeGray(ctx context.Context, g *image.Gray) ([]Scan, string) {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	if max(w, h) < minCodeSide {
		// No code fits: the preparations would only enlarge nothing.
		return nil, ""
	}
	st := structure(g)
	if st < minStructure {
		return nil, ""
	}
	vs, small := d.variants(g)
	if min(w, h) < min2DSide {
		// A scan line or a strip: only bars fit across it.
		vs = without2D(vs, func(variant) bool { return true })
	}
	cheap := 0
	for cheap < len(vs) && vs[cheap].cheap {
		cheap++
	}
	sh := &shared{thin: min(g.Bounds().Dx(), g.Bounds().Dy()) < 8}
	// The camera's cheap pass one after the other: the first variant
	// usually decides, and the core it leaves free is the camera's. A
	// still image's reads each polarity on a core of its own.
	if d.o.Effort == EffortFast {
		return d.runVariants(ctx, vs[:cheap], sh, 1)
	}
	if out, name := d.runVariants(ctx, byPolarity(vs[:cheap]), sh, 2); len(out) > 0 {
		return out, name
	}
	if st < tryHarderStructure || ctx.Err() != nil {
		return nil, ""
	}
	rest := vs[cheap:]
	if !hasRectangle(small()) {
		rest = without2D(rest, func(v variant) bool { return v.rect })
	}
	return d.runVariants(ctx, rest, sh, 2)
}

// byPolarity splits each variant reading both polarities in two, dark on
// light first, so that they can run at once.
func byPolarity(vs []variant) []variant {
	var out []variant
	for _, v := range vs {
		if v.pol != polBoth {
			out = append(out, v)
			continue
		}
		n, i := v, v
		n.pol, i.pol = polNormal, polInverted
		out = append(out, n, i)
	}
	return out
}

// without2D turns off the 2D reading of the preparations that of tells
// and drops those left with nothing to read.
func without2D(vs []variant, of func(variant) bool) []variant {
	var out []variant
	for _, v := range vs {
		if of(v) {
			v.twoD, v.global, v.multi, v.pure = false, false, false, false
			if !v.oneD {
				continue
			}
		}
		out = append(out, v)
	}
	return out
}

// Sizes below which a code cannot be in an image: minCodeSide is the
// smallest Data Matrix (10 modules) at one pixel a module; min2DSide the
// shortest side of any 2D symbol (a rectangular Data Matrix has 8 rows).
const (
	minCodeSide = 10
	min2DSide   = 8
)

// shared is what the sessions of one Decode call share.
type shared struct {
	// sawPDF417 is set once a PDF417 symbol's row indicators were read
	// (by any session): short 1D reads from then on are pieces of its
	// rows.
	sawPDF417 atomic.Bool
	// pdfFinder and bullseye are set once the cheap pass saw a PDF417
	// start or stop pattern, or a MaxiCode bullseye.
	pdfFinder, bullseye atomic.Bool
	// thin marks a source image of a single scan line or so, where a
	// code cannot show its height.
	thin bool
}

// runVariants tries vs on up to workers goroutines, each with its own
// readers, and returns the codes of the first variant in vs's order that
// yields any (the same as trying them one by one, sooner).
func (d *Decoder) runVariants(ctx context.Context, vs []variant, sh *shared, workers int) ([]Scan, string) {
	workers = min(workers, runtime.GOMAXPROCS(0), len(vs))
	if workers <= 1 {
		s := d.newSession(sh)
		for _, v := range vs {
			if ctx.Err() != nil {
				return nil, ""
			}
			img := v.make()
			if img.Bounds().Empty() {
				continue
			}
			if out := s.accept(s.tryImage(ctx, img, v)); len(out) > 0 {
				return out, v.name
			}
		}
		return nil, ""
	}
	var (
		mu      sync.Mutex
		next    int
		bestIdx = len(vs)
		best    []Scan
		running = map[int]context.CancelFunc{}
		wg      sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := d.newSession(sh)
			for {
				mu.Lock()
				i := next
				next++
				if i >= len(vs) || i > bestIdx || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				vctx, cancel := context.WithCancel(ctx)
				running[i] = cancel
				mu.Unlock()
				var out []Scan
				if img := vs[i].make(); !img.Bounds().Empty() {
					out = s.accept(s.tryImage(vctx, img, vs[i]))
				}
				mu.Lock()
				delete(running, i)
				cut := vctx.Err() != nil
				cancel()
				if len(out) > 0 && i < bestIdx && !cut {
					bestIdx, best = i, out
					// Later variants cannot win any more.
					for j, c := range running {
						if j > i {
							c()
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if best == nil {
		return nil, ""
	}
	return best, vs[bestIdx].name
}

// polarity selects which of an image's polarities a variant reads.
type polarity int

const (
	polBoth     polarity = iota // dark on light, then light on dark
	polNormal                   // dark on light only
	polInverted                 // light on dark only
)

// imageState is what a session keeps of an image it read: its hybrid
// binarizer in each polarity (whose black matrix the steps of several
// variants over the image share) and the steps done, each a reader family
// in a polarity. A variant listing an image again skips the steps done.
type imageState struct {
	img  *image.Gray
	bins [2]*binarized
	done map[string]bool
	// lum is img as a luminance source, made on first use.
	lum gozxing.LuminanceSource
	// bars is img's bar map, made on first use.
	bars *barMap
}

// barMap returns the bar map of st's image.
func (st *imageState) barMap() *barMap {
	if st.bars == nil {
		st.bars = newBarMap(st.img)
	}
	return st.bars
}

// binarized is an image's hybrid binarizer in one polarity.
type binarized struct {
	src gozxing.LuminanceSource
	hb  gozxing.Binarizer
	hyb *gozxing.BinaryBitmap
}

// keptImages is how many images a session keeps the state of: the
// camera's cascade goes back and forth between the frame and its
// pyramid's top; more would hold the try-harder preparations' memory.
const keptImages = 2

// state returns the session's state of img, made (and the oldest dropped)
// when img is new.
func (s *session) state(img *image.Gray) *imageState {
	for _, st := range s.images {
		if st.img == img {
			return st
		}
	}
	st := &imageState{img: img, done: map[string]bool{}}
	if len(s.images) == keptImages {
		s.images = s.images[1:]
	}
	s.images = append(s.images, st)
	return st
}

// binarized returns the hybrid binarizer of st's image in one polarity.
func (st *imageState) binarized(inv bool) *binarized {
	i := 0
	if inv {
		i = 1
	}
	if b := st.bins[i]; b != nil {
		return b
	}
	if st.lum == nil {
		// One source for both polarities: it keeps its turned copy.
		st.lum = newGrayLuminance(st.img)
	}
	src := st.lum
	if inv {
		src = gozxing.NewInvertedLuminanceSource(src)
	}
	hb := newHybridBinarizer(src)
	hyb, _ := gozxing.NewBinaryBitmap(hb)
	st.bins[i] = &binarized{src: src, hb: hb, hyb: hyb}
	return st.bins[i]
}

// run does the step (a reader family in one polarity) once: a step done
// before (which read nothing, or the decoder would have stopped) is
// skipped.
func (st *imageState) run(ctx context.Context, family string, inv bool, skip readers, read func() []hit) []hit {
	k := family
	if inv {
		k += "/inverted"
	}
	if skip != 0 {
		// Fewer readers than a step of the same name without skips.
		k += "/skip" + strconv.Itoa(int(skip))
	}
	if st.done[k] {
		return nil
	}
	found := read()
	if ctx.Err() == nil {
		st.done[k] = true
	}
	return found
}

// tryImage runs the readers on img in the variant's polarities.
func (s *session) tryImage(ctx context.Context, img *image.Gray, v variant) []hit {
	invs := []bool{false, true}
	switch v.pol {
	case polNormal:
		invs = invs[:1]
	case polInverted:
		invs = invs[1:]
	}
	st := s.state(img)
	s.skip = v.skip
	s.cheap, s.rect = v.cheap, v.rect
	s.noBars = false
	if s.d.o.Effort == EffortThorough && !s.sh.thin {
		bars := st.barMap()
		s.noBars = !anyTrue(bars.rows) && !anyTrue(bars.cols)
	}
	for _, inv := range invs {
		if ctx.Err() != nil {
			return nil
		}
		b := st.binarized(inv)
		if v.twoD {
			found := st.run(ctx, "2d", inv, v.skip, func() []hit { return s.read2D(ctx, b.hyb, false) })
			if len(found) == 0 && v.global && ctx.Err() == nil {
				found = st.run(ctx, "2d-global", inv, v.skip, func() []hit {
					glo, _ := gozxing.NewBinaryBitmap(newGlobalBinarizer(b.src))
					return s.read2D(ctx, glo, false)
				})
			}
			if len(found) == 0 && v.multi && s.qrMulti != nil && ctx.Err() == nil {
				found = st.run(ctx, "2d-multi", inv, v.skip, func() []hit { return s.readQRMulti(b.hyb) })
			}
			if len(found) == 0 && v.pure && ctx.Err() == nil {
				found = st.run(ctx, "2d-pure", inv, v.skip, func() []hit { return s.read2D(ctx, b.hyb, true) })
			}
			if len(found) > 0 {
				return found
			}
		}
		// Light bars on dark are read by the cheap pass only: the
		// try-harder preparations are for print on labels.
		if v.oneD && (!inv || v.cheap) && len(s.ones) > 0 && ctx.Err() == nil {
			ys := v.yScale
			if ys == 0 {
				ys = 1
			}
			found := st.run(ctx, "1d", inv, 0, func() []hit {
				var bars *barMap
				if s.d.o.Effort == EffortThorough && !s.sh.thin {
					// Only the rows crossing bar-like tiles. A single
					// scan line, padded or enlarged, is no taller than
					// its tiles: read it all. A camera frame is read
					// whole (the next frame is another chance, and
					// its cheap pass stays as cheap as it was).
					bars = st.barMap()
				}
				found := s.read1DIn(ctx, b.hyb, true, ys, !v.cheap, bars)
				if (len(found) == 0 || weakOnly(found)) && ctx.Err() == nil {
					loc, _ := gozxing.NewBinaryBitmap(sharedLocalRowBinarizer(b.src, b.hb))
					if more := s.read1DIn(ctx, loc, true, ys, !v.cheap, bars); len(found) == 0 || len(more) > 0 && !weakOnly(more) {
						found = more
					}
				}
				return found
			})
			if len(found) > 0 {
				return found
			}
		}
	}
	return nil
}

// accept turns hits into scans without duplicates.
func (s *session) accept(hits []hit) []Scan {
	var out []Scan
	seen := map[hit]bool{}
	for _, h := range hits {
		if seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, Scan{Text: h.text, Symbology: h.sym})
	}
	return out
}
