// Package scanner reads barcodes: USB HID scanners through evdev, keyboard
// wedge scanners typing into the window, serial scanners, a V4L2 camera
// decoded with gozxing, and image files. All of them feed one stream of
// Scans; Classify tells what a scanned text is for.
//
// The image Decoder reads QR, Data Matrix and Aztec (gozxing), PDF417 (its
// own reader, pdf417*.go) and the 1D symbologies (gozxing's row readers).
// It works as a cascade: an image with no edge structure that a code could
// make is given up at once; a cheap pass (the image, and first a 640-pixel
// copy of a large one) comes next; the try-harder preparations (scales,
// binarizers, crops, turns, sharpening) run only when that pass read
// nothing on an image with much structure, on two cores, each scanning
// fewer rows for bars than the cheap pass. The camera's fast decoder
// reads 2D codes dark on light first, then bars, then the rest of its
// cheap pass, each binarized image once. It prefers no
// read to a wrong one: a 1D text must be read on a band of agreeing rows
// at least a few percent of the code's width high (a row of a stacked or
// 2D symbol is not), EAN-8 and UPC-E also need their quiet zones, and a
// PDF417 corrects errors only with check codewords to spare.
package scanner

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// Scan is one code read by any source.
type Scan struct {
	// Text is the decoded content.
	Text string
	// Symbology is one of the Sym* names ("QR", "Code128", ...), or
	// SymKeyboard for scanners that type.
	Symbology string
	// Source names the source that read it ("hid", "wedge", "serial",
	// "camera", "file:NAME").
	Source string
	// At is when it was read.
	At time.Time
}

// Source produces scans until its context ends.
type Source interface {
	Run(ctx context.Context, out chan<- Scan) error
}

// MergeBuffer is how many scans each source may have in flight in Merge
// before it is held back.
const MergeBuffer = 16

// Merge runs every source and forwards their scans to out, one bounded
// buffer per source, until ctx ends or every source has returned. It
// returns the sources' errors joined (context ends are not errors).
func Merge(ctx context.Context, out chan<- Scan, srcs ...Source) error {
	var wg sync.WaitGroup
	errs := make([]error, len(srcs))
	for i, src := range srcs {
		ch := make(chan Scan, MergeBuffer)
		wg.Add(2)
		go func() {
			defer wg.Done()
			defer close(ch)
			if err := src.Run(ctx, ch); err != nil && ctx.Err() == nil {
				errs[i] = err
			}
		}()
		go func() {
			defer wg.Done()
			for s := range ch {
				select {
				case out <- s:
				case <-ctx.Done():
					// Drain so the source never blocks on a full buffer.
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Supervised runs a Source again whenever it fails (its device went away,
// it sent junk), waiting between attempts, until ctx ends. Use it around
// device sources.
type Supervised struct {
	// Source is the source to keep running.
	Source Source
	// Backoff is the first wait after a failure; it doubles up to
	// MaxBackoff and resets after a run that lasted longer than MaxBackoff.
	// Defaults 500ms and 10s.
	Backoff, MaxBackoff time.Duration
	// OnError, if set, is told about every failure (for logs and the
	// maintenance screen).
	OnError func(error)
	// After waits; default time.After. Inject one in tests.
	After func(time.Duration) <-chan time.Time
	// Now tells the time; default time.Now.
	Now func() time.Time
}

// Run keeps the source running until ctx ends; it returns nil then. A
// source that returns nil (it has nothing more to read) ends Run too.
func (s *Supervised) Run(ctx context.Context, out chan<- Scan) error {
	backoff, maxBackoff := s.Backoff, s.MaxBackoff
	if backoff <= 0 {
		backoff = 500 * time.Millisecond
	}
	if maxBackoff <= 0 {
		maxBackoff = 10 * time.Second
	}
	after := s.After
	if after == nil {
		after = time.After
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	wait := backoff
	for {
		start := now()
		err := s.Source.Run(ctx, out)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			return nil
		}
		if s.OnError != nil {
			s.OnError(err)
		}
		if now().Sub(start) > maxBackoff {
			wait = backoff
		}
		select {
		case <-after(wait):
		case <-ctx.Done():
			return nil
		}
		wait = min(2*wait, maxBackoff)
	}
}

// send delivers s on out unless ctx ends first.
func send(ctx context.Context, out chan<- Scan, s Scan) error {
	select {
	case out <- s:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// closeOnDone closes c when ctx ends, so a blocked Read returns; call the
// returned stop when done with c.
func closeOnDone(ctx context.Context, c io.Closer) (stop func()) {
	done := make(chan struct{})
	var once sync.Once
	go func() {
		select {
		case <-ctx.Done():
			c.Close()
		case <-done:
		}
	}()
	return func() { once.Do(func() { close(done) }) }
}
