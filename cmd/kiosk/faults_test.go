package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/lockio"
)

// writeConfig writes a small kiosk configuration with a Kerong bank on
// port (a path that may not exist yet) and returns its path.
func writeConfig(t *testing.T, dir, port string) string {
	t.Helper()
	src := fmt.Sprintf(`site = "t"
kiosk = "k1"
data_dir = %q

[lockboard]
protocol = "kerong-cu16"
port = %q
poll_idle = "100ms"
reply_timeout = "50ms"

[[compartment]]
id = "A1"
size = "S"
board = 0
lock = 1
column = 1
row = 1

[[compartment]]
id = "A2"
size = "M"
board = 0
lock = 2
column = 1
row = 2
`, filepath.Join(dir, "data"), port)
	path := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBootWithoutAdapter starts the kiosk with its lock-bus adapter
// missing: it starts, shows the doors out of order (a courier is told the
// locks are not answering), and when the adapter appears (a real pty with
// the simulator, linked at the configured path) the boards come back by
// themselves and deposits work.
func TestBootWithoutAdapter(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "ttyLOCK")
	conf := writeConfig(t, dir, link)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	k, err := setup(ctx, flags{config: conf, headless: true}, &logs)
	if err != nil {
		t.Fatalf("setup without the adapter: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "lock-bus device absent") {
		t.Errorf("no warning about the absent device in the log:\n%s", logs.String())
	}
	done := make(chan error, 1)
	go func() { done <- k.run(ctx) }()
	if err := k.svc.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "ups", Name: "Una"}, "COURIER-1"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "the boards reported offline", func() bool { return !k.svc.View().BoardsOnline })
	if err := k.svc.CourierSignIn(ctx, "COURIER-1"); !errors.Is(err, locker.ErrBusUnavailable) {
		t.Errorf("courier sign-in with the doors out of order = %v, want ErrBusUnavailable", err)
	}

	sim, err := lockio.NewSim(lockio.SimOptions{Protocol: lockio.ProtocolKerong, Boards: 1, SensorClosedBit: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := lockio.OpenPTY(link) // the adapter is plugged in
	if err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() { defer close(served); _ = sim.Serve(sctx, p.Master) }()
	defer func() { scancel(); p.Close(); <-served }()

	waitUntil(t, 20*time.Second, "the boards back online", func() bool { return k.svc.View().BoardsOnline })
	if err := k.svc.CourierSignIn(ctx, "COURIER-1"); err != nil {
		t.Errorf("courier sign-in once the adapter is back: %v", err)
	}
	if err := k.svc.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("kiosk did not stop")
	}
}
