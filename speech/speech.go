// Package speech speaks the kiosk's instructions aloud for people who
// cannot read the screen, with Debian's espeak-ng.
//
// An Espeak never blocks its caller: Say queues an utterance and returns;
// one goroutine (Run) speaks them in turn, one espeak-ng process at a
// time. An utterance that waited longer than Options.MaxAge is dropped
// (the screen it described is gone), Interrupt drops the queue and stops
// the one being spoken (a new screen), and Run kills the process in
// progress when its context ends.
//
//	sp, err := speech.New(speech.Options{})
//	go sp.Run(ctx)
//	sp.Say("es", "Escriba su código")
package speech

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Binary is the espeak-ng program's name.
const Binary = "espeak-ng"

// ErrNoEngine is returned by New when the espeak-ng program is missing.
var ErrNoEngine = errors.New("speech: espeak-ng not found (install the Debian package espeak-ng)")

// Options configures an Espeak. Zero values take the defaults.
type Options struct {
	// Binary is the path or name of espeak-ng; default Binary.
	Binary string
	// Voices maps a language tag to an espeak-ng voice; default "en" ->
	// "en", "es" -> "es". A language without a voice is spoken in "en".
	Voices map[string]string
	// Rate is the speed in words per minute; default 150 (espeak-ng's
	// 175 is quick for someone following instructions).
	Rate int
	// Dir, when set, writes each utterance as Dir/NNNNNN-LANG.wav instead
	// of playing it (espeak-ng -w): for tests and for checking a kiosk
	// without loudspeakers.
	Dir string
	// MaxAge drops an utterance that waited longer than this; default 3s.
	MaxAge time.Duration
	// Queue is the most utterances waiting; a new one beyond it drops the
	// oldest. Default 8.
	Queue int
	// Timeout bounds one utterance; default 20s.
	Timeout time.Duration
	// Logger defaults to discarding.
	Logger *slog.Logger
}

// utterance is one text to speak.
type utterance struct {
	lang, text string
	at         time.Time
}

// Espeak speaks through the espeak-ng program. It is safe for concurrent
// use.
type Espeak struct {
	o    Options
	wake chan struct{}

	mu      sync.Mutex
	queue   []utterance
	stop    context.CancelFunc // ends the utterance being spoken
	n       int                // utterances spoken (file numbers)
	dropped int
}

// New checks that espeak-ng is installed and returns an Espeak. Call Run.
func New(o Options) (*Espeak, error) {
	if o.Binary == "" {
		o.Binary = Binary
	}
	path, err := exec.LookPath(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoEngine, err)
	}
	o.Binary = path
	if o.Voices == nil {
		o.Voices = map[string]string{"en": "en", "es": "es"}
	}
	if o.Rate <= 0 {
		o.Rate = 150
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 3 * time.Second
	}
	if o.Queue <= 0 {
		o.Queue = 8
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Dir != "" {
		if err := os.MkdirAll(o.Dir, 0o750); err != nil {
			return nil, fmt.Errorf("speech: %w", err)
		}
	}
	return &Espeak{o: o, wake: make(chan struct{}, 1)}, nil
}

// Say queues text to be spoken in language lang and returns at once.
// Blank text is ignored.
func (e *Espeak) Say(lang, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	e.mu.Lock()
	if len(e.queue) >= e.o.Queue {
		e.queue = e.queue[1:]
		e.dropped++
	}
	e.queue = append(e.queue, utterance{lang: lang, text: text, at: time.Now()})
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Interrupt drops every utterance waiting and stops the one being spoken:
// what they said no longer matches the screen.
func (e *Espeak) Interrupt() {
	e.mu.Lock()
	e.dropped += len(e.queue)
	e.queue = nil
	if e.stop != nil {
		e.stop()
	}
	e.mu.Unlock()
}

// Dropped counts the utterances dropped so far (stale, interrupted or
// pushed out of a full queue).
func (e *Espeak) Dropped() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dropped
}

// Run speaks the queued utterances until ctx ends; then it kills the
// espeak-ng process in progress, if any, and returns nil.
func (e *Espeak) Run(ctx context.Context) error {
	for {
		u, ok := e.next()
		if !ok {
			select {
			case <-ctx.Done():
				return nil
			case <-e.wake:
				continue
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if err := e.speak(ctx, u); err != nil && ctx.Err() == nil {
			e.o.Logger.Warn("speech: utterance failed", "lang", u.lang, "err", err)
		}
	}
}

// next takes the oldest utterance that is not stale.
func (e *Espeak) next() (utterance, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.queue) > 0 {
		u := e.queue[0]
		e.queue = e.queue[1:]
		if time.Since(u.at) > e.o.MaxAge {
			e.dropped++
			continue
		}
		return u, true
	}
	return utterance{}, false
}

// speak runs espeak-ng for one utterance, the text on its standard input
// (never as an argument, so no text is taken for an option).
func (e *Espeak) speak(ctx context.Context, u utterance) error {
	voice, ok := e.o.Voices[u.lang]
	if !ok {
		voice = e.o.Voices["en"]
	}
	ctx, cancel := context.WithTimeout(ctx, e.o.Timeout)
	defer cancel()
	e.mu.Lock()
	e.stop = cancel
	e.n++
	n := e.n
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.stop = nil
		e.mu.Unlock()
	}()
	args := []string{"-v", voice, "-s", fmt.Sprint(e.o.Rate), "-b", "1", "--stdin"}
	var out, tmp string
	if e.o.Dir != "" {
		out = filepath.Join(e.o.Dir, fmt.Sprintf("%06d-%s.wav", n, safeTag(u.lang)))
		tmp = out + ".part"
		args = append(args, "-w", tmp)
	}
	cmd := exec.CommandContext(ctx, e.o.Binary, args...)
	cmd.Stdin = strings.NewReader(u.text)
	cmd.WaitDelay = time.Second
	msg, err := cmd.CombinedOutput()
	if err != nil {
		if tmp != "" {
			_ = os.Remove(tmp)
		}
		if ctx.Err() != nil {
			return nil // interrupted or shut down: not a failure
		}
		return fmt.Errorf("speech: %s: %w: %s", Binary, err, strings.TrimSpace(string(msg)))
	}
	if tmp != "" {
		if err := os.Rename(tmp, out); err != nil {
			return fmt.Errorf("speech: %w", err)
		}
	}
	e.o.Logger.Debug("speech: said", "lang", u.lang, "voice", voice, "chars", len(u.text))
	return nil
}

// safeTag keeps a language tag fit for a file name.
func safeTag(tag string) string {
	var b strings.Builder
	for _, r := range tag {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "xx"
	}
	return b.String()
}
