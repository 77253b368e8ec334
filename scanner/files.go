package scanner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // GIF files
	_ "image/jpeg" // JPEG files and camera MJPEG frames
	_ "image/png"  // PNG files
	"io"
	"io/fs"
	"time"

	_ "golang.org/x/image/webp" // WebP files (the zxing samples)
)

// DefaultMaxPixels bounds the size of an image file the scanner decodes
// (32 Mpx; a 50-megapixel photo is refused before it is decoded).
const DefaultMaxPixels = 32 << 20

// ErrImageTooLarge is returned for an image with more pixels than allowed.
var ErrImageTooLarge = errors.New("scanner: image too large")

// ErrBadImage is returned for data that is not a readable image.
var ErrBadImage = errors.New("scanner: not a readable image")

// ReadImage decodes a PNG, JPEG, GIF or WebP image from r, refusing (before
// allocating it) one with more than maxPixels pixels (0: DefaultMaxPixels).
func ReadImage(r io.Reader, maxPixels int) (image.Image, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(64 << 10)
	if len(head) == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrBadImage)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(head))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	if err == nil {
		if cfg.Width <= 0 || cfg.Height <= 0 {
			return nil, fmt.Errorf("%w: %s image of %dx%d pixels", ErrBadImage, format, cfg.Width, cfg.Height)
		}
		if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
			return nil, fmt.Errorf("%w: %dx%d pixels, at most %d allowed", ErrImageTooLarge, cfg.Width, cfg.Height, maxPixels)
		}
	}
	img, _, err := image.Decode(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	if img.Bounds().Empty() {
		return nil, fmt.Errorf("%w: image has no pixels", ErrBadImage)
	}
	return img, nil
}

// DecodeReader reads one image from r and returns the codes in it.
func (d *Decoder) DecodeReader(ctx context.Context, r io.Reader) ([]Scan, error) {
	img, err := ReadImage(r, 0)
	if err != nil {
		return nil, err
	}
	return d.Decode(ctx, img)
}

// FileSource reads the codes in image files once, for tests and the demo.
type FileSource struct {
	// FS holds the files; Names are paths in it.
	FS    fs.FS
	Names []string
	// Decoder defaults to a thorough one.
	Decoder *Decoder
	// Clock stamps the scans; default time.Now.
	Now func() time.Time
}

// Run decodes each file and sends its codes, then returns nil. An
// unreadable file ends it with an error naming the file.
func (f *FileSource) Run(ctx context.Context, out chan<- Scan) error {
	d := f.Decoder
	if d == nil {
		d = NewDecoder(DecodeOptions{})
	}
	now := f.Now
	if now == nil {
		now = time.Now
	}
	for _, name := range f.Names {
		scans, err := decodeFSFile(ctx, d, f.FS, name)
		if err != nil {
			return err
		}
		for _, s := range scans {
			s.Source = "file:" + name
			s.At = now()
			select {
			case out <- s:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

func decodeFSFile(ctx context.Context, d *Decoder, fsys fs.FS, name string) ([]Scan, error) {
	fh, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("scanner: %w", err)
	}
	defer fh.Close()
	scans, err := d.DecodeReader(ctx, fh)
	if err != nil {
		return nil, fmt.Errorf("scanner: %s: %w", name, err)
	}
	return scans, nil
}
