package ui

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parcelkiosk/locker/internal/lockertest"
)

// countingSink is a KeySink that holds every key and counts the calls of
// Flush.
type countingSink struct{ flushes atomic.Int32 }

func (s *countingSink) Key(rune, time.Time) []rune     { return nil }
func (s *countingSink) Enter(time.Time) ([]rune, bool) { return nil, false }
func (s *countingSink) Flush(time.Time) []rune         { s.flushes.Add(1); return nil }

// TestRunFlushesKeysOnlyAfterAKey checks that Run asks the keyboard wedge
// for held keys after a key, and not all day on an idle screen (it would
// wake the kiosk twenty times a second).
func TestRunFlushesKeysOnlyAfterAKey(t *testing.T) {
	sink := &countingSink{}
	h := newServiceHarness(t, Options{Keys: sink})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.u.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	// Six flush periods without a key: a late timer only makes fewer calls.
	time.Sleep(300 * time.Millisecond)
	if n := sink.flushes.Load(); n != 0 {
		t.Fatalf("Flush called %d times before any key", n)
	}
	h.u.win.Canvas().OnTypedRune()('7')
	lockertest.WaitFor(t, 10*time.Second, "a Flush after a key", func() bool { return sink.flushes.Load() > 0 })
}
