package scanner

import (
	"context"
	"strings"
	"sync"
	"time"
)

// WedgeOptions configure a Wedge. Zero values take the defaults.
type WedgeOptions struct {
	// MinLen is the fewest characters of a scan; default 6.
	MinLen int
	// MaxGap is the longest gap between two keys of a scan; default 40ms.
	// People rarely type two keys within it; scanners always do.
	MaxGap time.Duration
	// Prefix, if set, must start a scan (scanners can be programmed to
	// send one); it is removed from the text.
	Prefix string
	// MaxLen bounds a scan; longer bursts are typed. Default DefaultMaxLine.
	MaxLen int
	// Buffer is how many scans may wait for Run; default 16. When full, a
	// new scan is dropped (and reported by Enter as not typed).
	Buffer int
	// Name is the Scan.Source; default "wedge".
	Name string
}

// Wedge tells a keyboard-wedge scanner from a person typing on a physical
// keyboard in the kiosk window. The UI forwards every key with its time:
// Key and Flush return the characters that turned out to be typing, for
// the focused field; Enter tells whether the keys before it were a scan
// (then sent by Run as a Scan) or typing. Safe for concurrent use.
type Wedge struct {
	o       WedgeOptions
	mu      sync.Mutex
	pending []rune
	last    time.Time
	scans   chan Scan
}

// NewWedge returns a Wedge with o's settings.
func NewWedge(o WedgeOptions) *Wedge {
	if o.MinLen <= 0 {
		o.MinLen = 6
	}
	if o.MaxGap <= 0 {
		o.MaxGap = 40 * time.Millisecond
	}
	if o.MaxLen <= 0 {
		o.MaxLen = DefaultMaxLine
	}
	if o.Buffer <= 0 {
		o.Buffer = 16
	}
	if o.Name == "" {
		o.Name = "wedge"
	}
	return &Wedge{o: o, scans: make(chan Scan, o.Buffer)}
}

// Key records a typed character at time at. It returns the characters
// that are now known to be typing (possibly including r), to be inserted
// into the focused field in order; while a burst may still be a scan, it
// returns nothing and holds the keys.
func (w *Wedge) Key(r rune, at time.Time) (typed []rune) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) > 0 && at.Sub(w.last) > w.o.MaxGap {
		typed = w.release()
	}
	w.last = at
	w.pending = append(w.pending, r)
	if len(w.pending) > w.o.MaxLen || !w.prefixPossible() {
		typed = append(typed, w.release()...)
	}
	return typed
}

// Flush releases held keys as typing once more than MaxGap has passed
// since the last key (no scanner pauses that long). The UI calls it from a
// timer, e.g. every 50 ms, with the current time.
func (w *Wedge) Flush(now time.Time) (typed []rune) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) > 0 && now.Sub(w.last) > w.o.MaxGap {
		return w.release()
	}
	return nil
}

// Enter records the Enter key at time at. If the held keys form a scan it
// queues the Scan for Run and returns scan == true: the UI must not act on
// this Enter. Otherwise it returns the held keys as typing, to be inserted
// before handling Enter as usual.
func (w *Wedge) Enter(at time.Time) (typed []rune, scan bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 || at.Sub(w.last) > w.o.MaxGap {
		return w.release(), false
	}
	text := string(w.pending)
	rest, ok := strings.CutPrefix(text, w.o.Prefix)
	if !ok || len([]rune(rest)) < w.o.MinLen {
		return w.release(), false
	}
	s := Scan{Text: rest, Symbology: SymKeyboard, Source: w.o.Name, At: at}
	select {
	case w.scans <- s:
	default:
		return w.release(), false
	}
	w.pending = w.pending[:0]
	return nil, true
}

// Run sends the wedge's scans to out until ctx ends; it returns nil then.
func (w *Wedge) Run(ctx context.Context, out chan<- Scan) error {
	for {
		select {
		case s := <-w.scans:
			if send(ctx, out, s) != nil {
				return nil
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// release empties the held keys and returns them.
func (w *Wedge) release() []rune {
	out := append([]rune(nil), w.pending...)
	w.pending = w.pending[:0]
	return out
}

// prefixPossible tells whether the held keys can still start with Prefix.
func (w *Wedge) prefixPossible() bool {
	if w.o.Prefix == "" {
		return true
	}
	p := []rune(w.o.Prefix)
	n := min(len(p), len(w.pending))
	for i := 0; i < n; i++ {
		if p[i] != w.pending[i] {
			return false
		}
	}
	return true
}
