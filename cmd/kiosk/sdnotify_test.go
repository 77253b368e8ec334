package main

import (
	"net"
	"path/filepath"
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
