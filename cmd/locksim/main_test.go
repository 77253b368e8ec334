package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/lockio"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLocksim runs the command in-process: it links a pty, a bus on the link
// sees a forced door after the "open" command, and the link survives an
// unplug/plug cycle.
func TestLocksim(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttySIM")
	stdin, w := io.Pipe()
	out := &syncBuf{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--protocol", "gen8a", "--boards", "2", "--link", link}, stdin, out, io.Discard)
	}()
	defer func() {
		cancel()
		w.Close()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if _, err := os.Lstat(link); !os.IsNotExist(err) {
			t.Errorf("link left behind after exit: %v", err)
		}
	}()
	waitFor(t, "the link", func() bool { _, err := os.Stat(link); return err == nil })
	if !strings.Contains(out.String(), "boards [1 2]") {
		t.Errorf("banner = %q", out.String())
	}

	port := lockio.NewPort(link, 9600)
	defer port.Close()
	bus, err := lockio.NewBus(port, lockio.Options{Protocol: "gen8a", Boards: []int{2}, SensorClosedBit: 1, PollIdle: 30 * time.Millisecond, ReplyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bctx, bcancel := context.WithCancel(ctx)
	defer bcancel()
	go bus.Run(bctx)
	a := locker.LockAddr{Board: 2, Lock: 5}
	waitFor(t, "closed door", func() bool { return bus.State(a).Door == locker.DoorClosed })
	io.WriteString(w, "open 2 5\n")
	waitFor(t, "forced door", func() bool { return bus.State(a).Door == locker.DoorOpen })
	io.WriteString(w, "unplug\n")
	waitFor(t, "door unknown", func() bool { return bus.State(a).Door == locker.DoorUnknown })
	io.WriteString(w, "plug\nclose 2 5\n")
	waitFor(t, "door closed after replug", func() bool { return bus.State(a).Door == locker.DoorClosed })
	if err := bus.Unlock(ctx, a); err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "unlocks\n")
	waitFor(t, "unlock listed", func() bool { return strings.Contains(out.String(), "board 2 lock 5") })
	io.WriteString(w, "bogus\n")
	waitFor(t, "error reply", func() bool { return strings.Contains(out.String(), `unknown command "bogus"`) })
}
