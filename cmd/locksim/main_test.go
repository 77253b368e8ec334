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

	"github.com/parcelkiosk/locker/internal/lockertest"

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
	lockertest.WaitFor(t, 5*time.Second, "the link", func() bool { _, err := os.Stat(link); return err == nil })
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
	lockertest.WaitFor(t, 5*time.Second, "closed door", func() bool { return bus.State(a).Door == locker.DoorClosed })
	io.WriteString(w, "open 2 5\n")
	lockertest.WaitFor(t, 5*time.Second, "forced door", func() bool { return bus.State(a).Door == locker.DoorOpen })
	io.WriteString(w, "unplug\n")
	lockertest.WaitFor(t, 5*time.Second, "door unknown", func() bool { return bus.State(a).Door == locker.DoorUnknown })
	io.WriteString(w, "plug\nclose 2 5\n")
	lockertest.WaitFor(t, 5*time.Second, "door closed after replug", func() bool { return bus.State(a).Door == locker.DoorClosed })
	if err := bus.Unlock(ctx, a); err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "unlocks\n")
	lockertest.WaitFor(t, 5*time.Second, "unlock listed", func() bool { return strings.Contains(out.String(), "board 2 lock 5") })
	io.WriteString(w, "bogus\n")
	lockertest.WaitFor(t, 5*time.Second, "error reply", func() bool { return strings.Contains(out.String(), `unknown command "bogus"`) })
}

// TestLocksimItemSensor sets the item sensor of a kerong-cu16 lock from
// stdin and reads it on the real pty through the bus, as the kiosk does.
func TestLocksimItemSensor(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttySIM")
	stdin, w := io.Pipe()
	out := &syncBuf{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--protocol", "kerong-cu16", "--boards", "1", "--link", link}, stdin, out, io.Discard)
	}()
	defer func() {
		cancel()
		w.Close()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	lockertest.WaitFor(t, 5*time.Second, "the link", func() bool { _, err := os.Stat(link); return err == nil })
	port := lockio.NewPort(link, 19200)
	defer port.Close()
	bus, err := lockio.NewBus(port, lockio.Options{Protocol: "kerong-cu16", Boards: []int{0}, SensorClosedBit: 1, PollIdle: 30 * time.Millisecond, ReplyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bctx, bcancel := context.WithCancel(ctx)
	defer bcancel()
	go bus.Run(bctx)
	a := locker.LockAddr{Board: 0, Lock: 3}
	lockertest.WaitFor(t, 5*time.Second, "empty", func() bool { return bus.State(a).Item == locker.ItemEmpty })
	io.WriteString(w, "item 0 3 on\nstate\n")
	lockertest.WaitFor(t, 5*time.Second, "item present", func() bool { return bus.State(a).Item == locker.ItemPresent })
	lockertest.WaitFor(t, 5*time.Second, "state lists it", func() bool { return strings.Contains(out.String(), "board 0 items: 3\n") })
	if st := bus.State(locker.LockAddr{Board: 0, Lock: 4}); st.Item != locker.ItemEmpty {
		t.Errorf("lock 4 item %q, want empty", st.Item)
	}
	io.WriteString(w, "item 0 3 off\n")
	lockertest.WaitFor(t, 5*time.Second, "empty again", func() bool { return bus.State(a).Item == locker.ItemEmpty })
	io.WriteString(w, "item 0 3 maybe\n")
	lockertest.WaitFor(t, 5*time.Second, "usage", func() bool { return strings.Contains(out.String(), "usage: item B L on|off") })
}
