package scanner

import (
	"errors"
	"image"
	"sync"

	"github.com/makiuchi-d/gozxing"
)

// grayLuminance is a gozxing.LuminanceSource over an *image.Gray without
// copying it (gozxing's own source walks img.At pixel by pixel).
type grayLuminance struct {
	g *image.Gray
	// turned is g turned a quarter counter-clockwise, made once: the 1D
	// scan turns an image for each binarizer and polarity.
	turned func() *image.Gray
}

func newGrayLuminance(g *image.Gray) gozxing.LuminanceSource {
	return &grayLuminance{g: g, turned: sync.OnceValue(func() *image.Gray { return rotate90CCW(g) })}
}

func (l *grayLuminance) GetRow(y int, row []byte) ([]byte, error) {
	b := l.g.Bounds()
	if y < 0 || y >= b.Dy() {
		return nil, errors.New("scanner: row out of range")
	}
	w := b.Dx()
	if cap(row) < w {
		row = make([]byte, w)
	}
	row = row[:w]
	off := y * l.g.Stride
	copy(row, l.g.Pix[off:off+w])
	return row, nil
}

func (l *grayLuminance) GetMatrix() []byte {
	b := l.g.Bounds()
	w, h := b.Dx(), b.Dy()
	if l.g.Stride == w {
		return l.g.Pix[:w*h]
	}
	m := make([]byte, w*h)
	for y := 0; y < h; y++ {
		copy(m[y*w:(y+1)*w], l.g.Pix[y*l.g.Stride:y*l.g.Stride+w])
	}
	return m
}

func (l *grayLuminance) GetWidth() int         { return l.g.Bounds().Dx() }
func (l *grayLuminance) GetHeight() int        { return l.g.Bounds().Dy() }
func (l *grayLuminance) IsCropSupported() bool { return true }

func (l *grayLuminance) Crop(left, top, width, height int) (gozxing.LuminanceSource, error) {
	b := l.g.Bounds()
	r := image.Rect(b.Min.X+left, b.Min.Y+top, b.Min.X+left+width, b.Min.Y+top+height)
	sub, ok := l.g.SubImage(r).(*image.Gray)
	if !ok {
		return nil, errors.New("scanner: crop failed")
	}
	return newGrayLuminance(rebase(sub)), nil
}

func (l *grayLuminance) IsRotateSupported() bool { return true }

func (l *grayLuminance) Invert() gozxing.LuminanceSource {
	return gozxing.NewInvertedLuminanceSource(l)
}

func (l *grayLuminance) RotateCounterClockwise() (gozxing.LuminanceSource, error) {
	return newGrayLuminance(l.turned()), nil
}

func (l *grayLuminance) RotateCounterClockwise45() (gozxing.LuminanceSource, error) {
	return newGrayLuminance(rotateAngle(l.g, 45)), nil
}

func (l *grayLuminance) String() string { return gozxing.LuminanceSourceString(l) }

// rebase returns g with its bounds starting at (0, 0), sharing pixels.
func rebase(g *image.Gray) *image.Gray {
	b := g.Bounds()
	if b.Min == (image.Point{}) {
		return g
	}
	return &image.Gray{Pix: g.Pix[g.PixOffset(b.Min.X, b.Min.Y):], Stride: g.Stride, Rect: image.Rect(0, 0, b.Dx(), b.Dy())}
}

// localRowBinarizer thresholds rows with the hybrid (local block) black
// matrix instead of gozxing's per-row histogram, which helps 1D readers on
// unevenly lit photos.
type localRowBinarizer struct {
	src    gozxing.LuminanceSource
	hybrid gozxing.Binarizer
	matrix *gozxing.BitMatrix
	err    error
	done   bool
}

func newLocalRowBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return &localRowBinarizer{src: src, hybrid: newHybridBinarizer(src)}
}

// sharedLocalRowBinarizer is a localRowBinarizer over the black matrix
// of hybrid (a HybridBinarizer of src), computed once for both.
func sharedLocalRowBinarizer(src gozxing.LuminanceSource, hybrid gozxing.Binarizer) gozxing.Binarizer {
	return &localRowBinarizer{src: src, hybrid: hybrid}
}

func (b *localRowBinarizer) GetLuminanceSource() gozxing.LuminanceSource { return b.src }

func (b *localRowBinarizer) GetBlackMatrix() (*gozxing.BitMatrix, error) {
	if !b.done {
		b.matrix, b.err = b.hybrid.GetBlackMatrix()
		b.done = true
	}
	return b.matrix, b.err
}

func (b *localRowBinarizer) GetBlackRow(y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	m, err := b.GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	return m.GetRow(y, row), nil
}

func (b *localRowBinarizer) CreateBinarizer(src gozxing.LuminanceSource) gozxing.Binarizer {
	return newLocalRowBinarizer(src)
}

func (b *localRowBinarizer) GetWidth() int  { return b.src.GetWidth() }
func (b *localRowBinarizer) GetHeight() int { return b.src.GetHeight() }
