package main

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestNotifierSendsState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := notifier{addr: path}
	if err := n.send("READY=1"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	k, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:k]); got != "READY=1" {
		t.Errorf("got %q, want READY=1", got)
	}
}

func TestNotifierWithoutSocketIsSilent(t *testing.T) {
	if err := (notifier{}).send("READY=1"); err != nil {
		t.Errorf("send without NOTIFY_SOCKET = %v, want nil", err)
	}
}

func TestWatchdogInterval(t *testing.T) {
	tests := []struct {
		env  string
		want time.Duration
	}{
		{"", 0},
		{"junk", 0},
		{"-5", 0},
		{"20000000", 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv("WATCHDOG_USEC", tc.env)
			if got := watchdogInterval(); got != tc.want {
				t.Errorf("watchdogInterval() = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestWatchdogPingsOnlyWhileEveryPartAnswers runs the watchdog against a
// real unixgram socket standing in for systemd: it pings while the
// service and the UI answer, stops while one of them is stuck (as in a
// deadlock), and resumes when it answers again.
func TestWatchdogPingsOnlyWhileEveryPartAnswers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pings := make(chan string, 1000)
	go func() {
		buf := make([]byte, 64)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				return
			}
			pings <- string(buf[:k])
		}
	}()

	var mu sync.Mutex // held = the "UI thread" is stuck
	service := probe{"service", func(done func()) { go done() }}
	ui := probe{"ui", func(done func()) {
		go func() {
			mu.Lock()
			mu.Unlock() // an empty critical section: it waits while the part is stuck
			done()
		}()
	}}
	const every = 40 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan error, 1)
	go func() {
		ended <- notifier{addr: path}.watch(ctx, every, slog.New(slog.DiscardHandler), []probe{service, ui})
	}()
	defer func() {
		cancel()
		if err := <-ended; err != nil {
			t.Errorf("watch: %v", err)
		}
	}()

	waitPings := func(n int, what string) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for i := 0; i < n; i++ {
			select {
			case p := <-pings:
				if p != "WATCHDOG=1" {
					t.Fatalf("sent %q, want WATCHDOG=1", p)
				}
			case <-timeout:
				t.Fatalf("%s: only %d of %d pings", what, i, n)
			}
		}
	}
	waitPings(3, "both answering")

	for len(pings) > 0 {
		<-pings
	}
	mu.Lock() // the UI thread hangs
	// The round asked just before the hang may still ping once; no more.
	time.Sleep(15 * every)
	if n := len(pings); n > 1 {
		t.Errorf("%d pings while the UI thread was stuck for 15 periods, want at most 1", n)
	}
	for len(pings) > 0 {
		<-pings
	}
	mu.Unlock()
	waitPings(2, "after the UI thread answered again")
}
