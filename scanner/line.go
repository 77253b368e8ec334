package scanner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"go.bug.st/serial"
)

// Errors of the scanner streams; the source returns them (wrapped) and its
// Supervised wrapper restarts it.
var (
	// ErrLineTooLong: a scanner sent more than the allowed characters
	// without a line end.
	ErrLineTooLong = errors.New("scanner: line too long")
	// ErrJunk: a scanner sent bytes that are not text.
	ErrJunk = errors.New("scanner: binary junk from scanner")
)

// DefaultMaxLine bounds one scanned line (a large QR code holds ~3 KB; a
// kiosk's codes are far shorter).
const DefaultMaxLine = 4096

// LineReader splits a scanner's byte stream into lines ended by CR, LF or
// CRLF, in bounded memory.
type LineReader struct {
	r    *bufio.Reader
	max  int
	buf  []byte
	skip bool // discarding the rest of a bad line
}

// NewLineReader reads lines of at most maxLen bytes (0: DefaultMaxLine)
// from r.
func NewLineReader(r io.Reader, maxLen int) *LineReader {
	if maxLen <= 0 {
		maxLen = DefaultMaxLine
	}
	return &LineReader{r: bufio.NewReaderSize(r, 512), max: maxLen}
}

// Next returns the next non-empty line without its terminator. A line
// longer than the limit returns ErrLineTooLong as soon as the limit is
// passed, bytes that are not text return ErrJunk; either way the rest of
// that line is skipped by the next call. The end of the stream returns
// io.EOF (a last line without terminator is returned first).
func (l *LineReader) Next() (string, error) {
	l.buf = l.buf[:0]
	for {
		c, err := l.r.ReadByte()
		if err != nil {
			if len(l.buf) > 0 && !l.skip {
				return l.finish()
			}
			return "", err
		}
		if c == '\r' || c == '\n' {
			if l.skip || len(l.buf) == 0 {
				l.skip = false
				l.buf = l.buf[:0]
				continue // the rest of a bad line, a blank line, or the LF of a CRLF
			}
			return l.finish()
		}
		if l.skip {
			continue
		}
		if !textByte(c) {
			l.skip = true
			return "", fmt.Errorf("%w: byte 0x%02x", ErrJunk, c)
		}
		if len(l.buf) >= l.max {
			l.skip = true
			return "", fmt.Errorf("%w: more than %d bytes", ErrLineTooLong, l.max)
		}
		l.buf = append(l.buf, c)
	}
}

func (l *LineReader) finish() (string, error) {
	if !utf8.Valid(l.buf) {
		return "", fmt.Errorf("%w: invalid UTF-8", ErrJunk)
	}
	return string(l.buf), nil
}

// textByte tells whether c may appear in a scanned line: printable ASCII,
// UTF-8 bytes, tab and the GS1/ISO 15434 separators (GS, RS, EOT).
func textByte(c byte) bool {
	switch {
	case c >= 0x20 && c != 0x7f:
		return true
	case c == '\t' || c == 0x1d || c == 0x1e || c == 0x04:
		return true
	}
	return false
}

// StreamSource reads scans from a byte stream that carries one code per
// line: a serial (USB CDC) scanner. Wrap it in Supervised.
type StreamSource struct {
	// Open opens the stream; it is called at every (re)start.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Name is the Scan.Source; default "serial".
	Name string
	// MaxLine bounds a line; default DefaultMaxLine.
	MaxLine int
	// Now stamps scans; default time.Now.
	Now func() time.Time
}

// Run opens the stream and sends each line as a Scan until the stream
// fails (returned, wrapped) or ctx ends (nil).
func (s *StreamSource) Run(ctx context.Context, out chan<- Scan) error {
	name := s.Name
	if name == "" {
		name = "serial"
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	rc, err := s.Open(ctx)
	if err != nil {
		return fmt.Errorf("scanner: %s: open: %w", name, err)
	}
	defer rc.Close()
	stop := closeOnDone(ctx, rc)
	defer stop()
	lr := NewLineReader(rc, s.MaxLine)
	for {
		line, err := lr.Next()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("scanner: %s: device closed: %w", name, err)
			}
			return fmt.Errorf("scanner: %s: %w", name, err)
		}
		if err := send(ctx, out, Scan{Text: line, Symbology: SymKeyboard, Source: name, At: now()}); err != nil {
			return nil
		}
	}
}

// OpenSerial opens a serial scanner (USB CDC ACM, /dev/ttyACM*) at baud
// (0: 9600) 8N1, for StreamSource.Open.
func OpenSerial(path string, baud int) (io.ReadCloser, error) {
	if baud <= 0 {
		baud = 9600
	}
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("scanner: open %s: %w", path, err)
	}
	return p, nil
}
