package lockertest

import (
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestWaitFor(t *testing.T) {
	var n atomic.Int32
	WaitFor(t, 10*time.Second, "the third poll", func() bool { return n.Add(1) >= 3 })
	if got := n.Load(); got != 3 {
		t.Errorf("cond called %d times, want 3", got)
	}
}

func TestWaitForTimesOut(t *testing.T) {
	rec := &fatalRecorder{recorder: recorder{TB: t}}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine, as it ends a test
		defer close(done)
		WaitFor(rec, 20*time.Millisecond, "never", func() bool { return false })
	}()
	<-done
	if !rec.failed {
		t.Error("WaitFor returned without failing when cond never held")
	}
}

// fatalRecorder records a Fatalf and ends the calling goroutine, as
// testing.T does.
type fatalRecorder struct {
	recorder
	failed bool
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.failed = true
	runtime.Goexit()
}

func TestFreePort(t *testing.T) {
	p := FreePort(t)
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("port %d is not free: %v", p, err)
	}
	l.Close()
}
