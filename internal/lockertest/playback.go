package lockertest

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

// Step is one scripted exchange of a Playback: the bytes the code under
// test must write, and the bytes the far end sends back (nil: silence).
type Step struct {
	Want  []byte
	Reply []byte
}

// Playback is an io.ReadWriter that plays a script of Steps, standing in
// for a serial device. Each Write must equal the next step's Want; the
// step's Reply is then returned by Read. It reports an unexpected write
// with t.Errorf and, when the test ends, every step left unused. Read
// blocks until a reply is due and returns io.EOF once the test has ended.
type Playback struct {
	t     testing.TB
	mu    sync.Mutex
	steps []Step
	next  int
	rx    chan []byte
	done  chan struct{}
	once  sync.Once

	readMu sync.Mutex
	rest   []byte // the part of a reply a short Read left
}

// NewPlayback returns a Playback of steps, checked when t ends.
func NewPlayback(t testing.TB, steps ...Step) *Playback {
	p := &Playback{t: t, steps: steps, rx: make(chan []byte, len(steps)+1), done: make(chan struct{})}
	t.Cleanup(p.finish)
	return p
}

// finish ends the reads and reports the steps left unused.
func (p *Playback) finish() {
	p.once.Do(func() { close(p.done) })
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next < len(p.steps) {
		p.t.Errorf("playback: %d of %d steps left unused; next wants % X", len(p.steps)-p.next, len(p.steps), p.steps[p.next].Want)
	}
}

// Write checks b against the next step and queues that step's reply.
func (p *Playback) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next >= len(p.steps) {
		p.t.Errorf("playback: unexpected write % X after the last step", b)
		return len(b), nil
	}
	st := p.steps[p.next]
	p.next++
	if !bytes.Equal(b, st.Want) {
		p.t.Errorf("playback step %d: wrote % X, want % X", p.next, b, st.Want)
	}
	if st.Reply != nil {
		p.rx <- bytes.Clone(st.Reply)
	}
	return len(b), nil
}

// Read returns the next reply, waiting for it; a reply longer than b is
// returned over several Reads.
func (p *Playback) Read(b []byte) (int, error) {
	p.readMu.Lock()
	defer p.readMu.Unlock()
	if len(p.rest) == 0 {
		select {
		case p.rest = <-p.rx:
		case <-p.done:
			return 0, io.EOF
		}
	}
	n := copy(b, p.rest)
	p.rest = p.rest[n:]
	return n, nil
}
