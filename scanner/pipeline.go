package scanner

import (
	"context"
	"image"

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
	// yScale is how many source rows one row of the image stands for
	// (for the images shrunk in height to smooth bars); 0 means 1.
	yScale float64
}

// variants lists the preparations of g in the order they are tried, cheap
// and likely first.
func (d *Decoder) variants(g *image.Gray) []variant {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	side := max(w, h)
	base := func() *image.Gray { return g }
	vs := []variant{{name: "base", make: base, twoD: true, oneD: true, global: true}}
	if d.o.Effort == EffortFast {
		return vs
	}
	vs[0].multi = true
	// A version near 1000 px for the detectors, whose pattern finders
	// have size assumptions.
	small := func() *image.Gray { return g }
	if side > 1100 {
		var c *image.Gray
		small = func() *image.Gray {
			if c == nil {
				c = scaleTo(g, 1000)
			}
			return c
		}
		vs = append(vs, variant{name: "scale1000", make: small, twoD: true, oneD: true, global: true})
	}
	if side > 800 {
		vs = append(vs, variant{name: "scale800", make: func() *image.Gray { return scaleTo(g, 800) }, twoD: true, oneD: false, global: true})
		vs = append(vs, variant{name: "scale600", make: func() *image.Gray { return scaleTo(g, 600) }, twoD: true, oneD: true, global: true})
	}
	{
		// A quiet zone around codes cropped tight, enlarged with sharp
		// module edges when small.
		f := max(1, 600/max(1, side))
		vs = append(vs,
			variant{name: "padwhite", make: func() *image.Gray { return padNearest(g, f, max(8*f, side*f/8), 255) }, twoD: true, oneD: true, global: true, pure: true},
			variant{name: "padblack", make: func() *image.Gray { return padNearest(g, f, max(8*f, side*f/8), 0) }, twoD: true, global: true, pure: true},
		)
	}
	if side > 500 {
		vs = append(vs, variant{name: "scale400", make: func() *image.Gray { return scaleTo(g, 400) }, twoD: true, oneD: false, global: true})
	}
	if side < 600 {
		vs = append(vs, variant{name: "up2", make: func() *image.Gray { return resize(g, 2*w, 2*h) }, twoD: true, oneD: true, global: true})
	}
	vs = append(vs,
		variant{name: "stretch", make: func() *image.Gray { return stretch(small()) }, twoD: true, oneD: true, global: true},
		variant{name: "blur", make: func() *image.Gray { return boxBlur3(small()) }, twoD: true, oneD: true, global: true},
		variant{name: "sharpen", make: func() *image.Gray { return sharpen(small()) }, twoD: true, oneD: true},
		variant{name: "adaptive16", make: func() *image.Gray {
			sm := small()
			return adaptiveThreshold(sm, max(4, max(sm.Bounds().Dx(), sm.Bounds().Dy())/16), 4)
		}, twoD: true, oneD: true},
		variant{name: "adaptive40", make: func() *image.Gray {
			sm := small()
			return adaptiveThreshold(sm, max(3, max(sm.Bounds().Dx(), sm.Bounds().Dy())/40), 2)
		}, twoD: true, oneD: false},
		variant{name: "rot180", make: func() *image.Gray { return rotate180(small()) }, twoD: true, oneD: false, global: true},
	)
	// Regions of interest: the 2D detectors look outwards from the
	// middle, so a code away from the middle of a cluttered photo is found
	// in a crop around it.
	for _, c := range [][4]int{{20, 20, 80, 80}, {0, 0, 60, 60}, {40, 0, 100, 60}, {0, 40, 60, 100}, {40, 40, 100, 100}} {
		c := c
		vs = append(vs, variant{name: "crop", make: func() *image.Gray { return cropPct(small(), c) }, twoD: true})
	}
	// Bars are straight: averaging rows (or columns) removes noise and
	// glare spots without blurring them.
	vs = append(vs,
		variant{name: "vsmooth", make: func() *image.Gray {
			sm := small()
			return resize(sm, sm.Bounds().Dx(), max(1, sm.Bounds().Dy()/4))
		}, oneD: true, yScale: 4},
		variant{name: "hsmooth", make: func() *image.Gray {
			sm := small()
			return rotate90CCW(resize(sm, max(1, sm.Bounds().Dx()/4), sm.Bounds().Dy()))
		}, oneD: true, yScale: 4},
		variant{name: "sharpen2", make: func() *image.Gray { return sharpenStrong(small()) }, oneD: true},
		variant{name: "vsharp", make: func() *image.Gray {
			sm := small()
			return sharpenStrong(resize(sm, sm.Bounds().Dx(), max(1, sm.Bounds().Dy()/3)))
		}, oneD: true, yScale: 3},
	)
	if side < 600 {
		vs = append(vs, variant{name: "upsharp", make: func() *image.Gray { return sharpenStrong(resize(g, 2*w, 2*h)) }, twoD: true, oneD: true})
	}
	vs = append(vs, variant{name: "mirror", make: func() *image.Gray {
		sm := small()
		f := max(1, 600/max(1, max(sm.Bounds().Dx(), sm.Bounds().Dy())))
		return padNearest(mirror(sm), f, 8*f, 255)
	}, twoD: true, global: true})
	if side < 160 {
		vs = append(vs, variant{name: "up4", make: func() *image.Gray { return resize(g, 4*w, 4*h) }, twoD: true, global: true})
	}
	// Tight crops turned a little: the rotation adds the quiet zone the
	// Data Matrix detector needs.
	for _, a := range []float64{4, -4, 8, -8, 2, -2, 12, -12, 17, -17, 22, -22} {
		a := a
		vs = append(vs, variant{name: "rotpad", make: func() *image.Gray {
			sm := small()
			return rotateFill(padNearest(sm, 1, max(8, max(sm.Bounds().Dx(), sm.Bounds().Dy())/10), 255), a, 255)
		}, twoD: true, global: true})
	}
	for _, a := range []float64{15, -15, 30, -30, 45, 8, -8} {
		a := a
		vs = append(vs, variant{name: "rot", make: func() *image.Gray { return rotateAngle(small(), a) }, twoD: true, oneD: true})
	}
	return vs
}

// decodeGray runs the variants until one yields codes or ctx ends. It
// returns the scans and the name of the variant that found them.
func (d *Decoder) decodeGray(ctx context.Context, g *image.Gray) ([]Scan, string) {
	s := d.newSession()
	for _, v := range d.variants(g) {
		if ctx.Err() != nil {
			return nil, ""
		}
		img := v.make()
		if img.Bounds().Empty() {
			continue
		}
		hits := s.tryImage(ctx, img, v)
		if out := s.accept(hits); len(out) > 0 {
			return out, v.name
		}
	}
	return nil, ""
}

// tryImage runs the readers on img in both polarities.
func (s *session) tryImage(ctx context.Context, img *image.Gray, v variant) []hit {
	var hits []hit
	lum := newGrayLuminance(img)
	for _, src := range []gozxing.LuminanceSource{lum, gozxing.NewInvertedLuminanceSource(lum)} {
		if ctx.Err() != nil {
			return hits
		}
		hyb, _ := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
		if v.twoD {
			found := s.read2D(hyb, false)
			if len(found) == 0 && v.global && ctx.Err() == nil {
				glo, _ := gozxing.NewBinaryBitmap(gozxing.NewGlobalHistgramBinarizer(src))
				found = s.read2D(glo, false)
			}
			if len(found) == 0 && v.multi && s.qrMulti != nil && ctx.Err() == nil {
				found = s.readQRMulti(hyb)
			}
			if len(found) == 0 && v.pure && ctx.Err() == nil {
				found = s.read2D(hyb, true)
			}
			hits = append(hits, found...)
			if len(found) > 0 {
				return hits
			}
		}
		if v.oneD && len(s.ones) > 0 && ctx.Err() == nil {
			ys := v.yScale
			if ys == 0 {
				ys = 1
			}
			found := s.read1D(ctx, hyb, true, ys)
			if (len(found) == 0 || weakOnly(found)) && ctx.Err() == nil {
				loc, _ := gozxing.NewBinaryBitmap(newLocalRowBinarizer(src))
				if more := s.read1D(ctx, loc, true, ys); len(found) == 0 || len(more) > 0 && !weakOnly(more) {
					found = more
				}
			}
			hits = append(hits, found...)
			if len(found) > 0 {
				return hits
			}
		}
	}
	return hits
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
