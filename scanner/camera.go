package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blackjack/webcam"
)

// ErrBadFrame is returned for a camera frame that cannot be converted.
var ErrBadFrame = errors.New("scanner: bad camera frame")

// Frame formats of a camera.
const (
	FormatYUYV  = "YUYV"
	FormatMJPEG = "MJPEG"
)

// MaxFramePixels bounds a camera frame (a 50-megapixel frame is refused).
const MaxFramePixels = 16 << 20

// YUYVToGray takes the luma of a packed YUYV 4:2:2 frame of w x h pixels.
func YUYVToGray(buf []byte, w, h int) (*image.Gray, error) {
	if w <= 0 || h <= 0 || w*h > MaxFramePixels {
		return nil, fmt.Errorf("%w: %dx%d", ErrBadFrame, w, h)
	}
	if len(buf) < 2*w*h {
		return nil, fmt.Errorf("%w: YUYV frame of %d bytes for %dx%d", ErrBadFrame, len(buf), w, h)
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = buf[2*i]
	}
	return g, nil
}

// MJPEGToGray decodes one MJPEG frame (a JPEG image) to gray, refusing
// frames larger than MaxFramePixels before decoding them.
func MJPEGToGray(buf []byte) (*image.Gray, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFrame, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxFramePixels {
		return nil, fmt.Errorf("%w: %dx%d", ErrBadFrame, cfg.Width, cfg.Height)
	}
	img, err := jpeg.Decode(bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFrame, err)
	}
	return toGray(img, 0), nil
}

// FrameReader yields camera frames. The V4L2 implementation comes from
// OpenV4L2; tests use a fake.
type FrameReader interface {
	// ReadFrame blocks until the next frame, ctx's end or a failure.
	ReadFrame(ctx context.Context) (*image.Gray, error)
	Close() error
}

// CameraOptions configure a Camera. Zero values take the defaults.
type CameraOptions struct {
	// Open opens the camera; it is called at every (re)start.
	Open func(ctx context.Context) (FrameReader, error)
	// Interval is the least time between two decodes; default 150ms.
	Interval time.Duration
	// Repeat is how long the same code is reported only once; default 2s.
	Repeat time.Duration
	// Decoder defaults to a fast one (EffortFast).
	Decoder *Decoder
	// Name is the Scan.Source; default "camera".
	Name string
	// Now tells the time; default time.Now.
	Now func() time.Time
}

// Camera decodes codes from a camera's frames: at most one decode per
// Interval, frames skipped while the decoder is busy, the same code within
// Repeat reported once. The latest frame is kept for the UI's preview.
// Wrap it in Supervised so it comes back when the camera does.
type Camera struct {
	o       CameraOptions
	preview atomic.Pointer[image.Gray]
	mu      sync.Mutex
	seen    map[string]time.Time
	// Decoded counts frames decoded, Skipped frames not decoded.
	decoded, skipped atomic.Int64
}

// NewCamera returns a Camera with o's settings.
func NewCamera(o CameraOptions) *Camera {
	if o.Interval <= 0 {
		o.Interval = 150 * time.Millisecond
	}
	if o.Repeat <= 0 {
		o.Repeat = 2 * time.Second
	}
	if o.Decoder == nil {
		o.Decoder = NewDecoder(DecodeOptions{Effort: EffortFast})
	}
	if o.Name == "" {
		o.Name = "camera"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Camera{o: o, seen: map[string]time.Time{}}
}

// Preview returns the latest frame (nil before the first); do not modify
// it.
func (c *Camera) Preview() *image.Gray { return c.preview.Load() }

// Stats returns how many frames were decoded and how many skipped.
func (c *Camera) Stats() (decoded, skipped int64) { return c.decoded.Load(), c.skipped.Load() }

// Run reads frames until the camera fails (returned, wrapped) or ctx ends
// (nil).
func (c *Camera) Run(ctx context.Context, out chan<- Scan) error {
	fr, err := c.o.Open(ctx)
	if err != nil {
		return fmt.Errorf("scanner: %s: open: %w", c.o.Name, err)
	}
	defer fr.Close()
	work := make(chan *image.Gray) // unbuffered: a send succeeds only when the decoder is idle
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.decodeLoop(ctx, work, out)
	}()
	// On the way out, let the frame being decoded finish (bounded by the
	// decoder's budget) so a code seen just before the camera vanished is
	// not lost.
	defer wg.Wait()
	defer close(work)
	var last time.Time
	for {
		g, err := fr.ReadFrame(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("scanner: %s: %w", c.o.Name, err)
		}
		c.preview.Store(g)
		now := c.o.Now()
		if !last.IsZero() && now.Sub(last) < c.o.Interval {
			c.skipped.Add(1)
			continue
		}
		select {
		case work <- g:
			last = now
		default:
			c.skipped.Add(1) // decoder busy
		}
	}
}

func (c *Camera) decodeLoop(ctx context.Context, work <-chan *image.Gray, out chan<- Scan) {
	for {
		select {
		case <-ctx.Done():
			return
		case g, ok := <-work:
			if !ok {
				return
			}
			c.decoded.Add(1)
			scans, err := c.o.Decoder.Decode(ctx, g)
			if err != nil {
				continue
			}
			for _, s := range scans {
				now := c.o.Now()
				if !c.fresh(s.Text, now) {
					continue
				}
				s.Source, s.At = c.o.Name, now
				if send(ctx, out, s) != nil {
					return
				}
			}
		}
	}
}

// fresh tells whether text was not reported within Repeat, and records it.
func (c *Camera) fresh(text string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t, at := range c.seen {
		if now.Sub(at) >= c.o.Repeat {
			delete(c.seen, t)
		}
	}
	if _, ok := c.seen[text]; ok {
		return false
	}
	c.seen[text] = now
	return true
}

// V4L2Options choose a V4L2 camera's format.
type V4L2Options struct {
	// Width and Height requested; default 1280x720.
	Width, Height int
	// Format preferred, FormatYUYV or FormatMJPEG; default FormatYUYV
	// (MJPEG is used when the camera lacks YUYV).
	Format string
}

const (
	v4l2YUYV  = webcam.PixelFormat(0x56595559) // 'YUYV'
	v4l2MJPEG = webcam.PixelFormat(0x47504a4d) // 'MJPG'
)

// v4l2Reader reads frames through github.com/blackjack/webcam.
type v4l2Reader struct {
	cam  *webcam.Webcam
	fmt  webcam.PixelFormat
	w, h int
}

// OpenV4L2 opens a V4L2 camera (e.g. /dev/video0) in YUYV or MJPEG and
// starts streaming. Use it as CameraOptions.Open.
func OpenV4L2(path string, o V4L2Options) (FrameReader, error) {
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1280, 720
	}
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scanner: open %s: %w", path, err)
	}
	formats := cam.GetSupportedFormats()
	order := []webcam.PixelFormat{v4l2YUYV, v4l2MJPEG}
	if o.Format == FormatMJPEG {
		order = []webcam.PixelFormat{v4l2MJPEG, v4l2YUYV}
	}
	var pf webcam.PixelFormat
	for _, f := range order {
		if _, ok := formats[f]; ok {
			pf = f
			break
		}
	}
	if pf == 0 {
		cam.Close()
		return nil, fmt.Errorf("scanner: %s: camera offers neither YUYV nor MJPEG", path)
	}
	got, w, h, err := cam.SetImageFormat(pf, uint32(o.Width), uint32(o.Height))
	if err != nil {
		cam.Close()
		return nil, fmt.Errorf("scanner: %s: set format: %w", path, err)
	}
	if err := cam.StartStreaming(); err != nil {
		cam.Close()
		return nil, fmt.Errorf("scanner: %s: start streaming: %w", path, err)
	}
	return &v4l2Reader{cam: cam, fmt: got, w: int(w), h: int(h)}, nil
}

// ReadFrame waits for the next frame (in 1 s steps, checking ctx) and
// converts it to gray.
func (r *v4l2Reader) ReadFrame(ctx context.Context) (*image.Gray, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		err := r.cam.WaitForFrame(1)
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("camera gone: %w", err)
		}
		buf, err := r.cam.ReadFrame()
		if err != nil {
			return nil, fmt.Errorf("camera gone: %w", err)
		}
		if len(buf) == 0 {
			continue
		}
		if r.fmt == v4l2MJPEG {
			return MJPEGToGray(buf)
		}
		return YUYVToGray(buf, r.w, r.h)
	}
}

func (r *v4l2Reader) Close() error {
	r.cam.StopStreaming()
	return r.cam.Close()
}
