package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/store"
	"github.com/parcelkiosk/locker/uplink"
)

// openBus is a lock bus whose doors open when unlocked.
type openBus struct {
	mu   sync.Mutex
	open map[locker.LockAddr]bool
}

func (b *openBus) Unlock(ctx context.Context, a locker.LockAddr) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.open[a] = true
	return nil
}

func (b *openBus) State(a locker.LockAddr) locker.LockState {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := locker.DoorClosed
	if b.open[a] {
		d = locker.DoorOpen
	}
	return locker.LockState{Door: d, Online: true}
}

// kiosk starts an embedded server and a kiosk (real store and service)
// serving commands and relaying events, and returns the server URL.
func kiosk(t *testing.T) (string, *locker.Service, *store.DB) {
	t.Helper()
	return kioskWith(t, nil)
}

// kioskWith is kiosk with the command options changed by opt.
func kioskWith(t *testing.T, opt func(*uplink.CommandOptions)) (string, *locker.Service, *store.DB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := uplink.StartEmbedded(uplink.EmbeddedOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "k.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := locker.NewService(locker.Options{
		Site: "demo", Kiosk: "k1", Version: "v-test", Store: db, Bus: &openBus{open: map[locker.LockAddr]bool{}},
		Compartments: []locker.Compartment{{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Remote commands act only for staff on record: s1 is written straight
	// to the store, so that no staff.changed event comes before the ones
	// the tests count.
	if err := db.Apply(ctx, &locker.Change{Staff: []locker.Staff{{ID: "s1", Name: "Sam", PINHash: "x", TOTPSecret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	nc, err := uplink.Connect(ctx, srv.URL(), uplink.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	co := uplink.CommandOptions{Site: "demo", Kiosk: "k1", Backlog: db}
	if opt != nil {
		opt(&co)
	}
	cmds, err := uplink.NewCommands(nc, svc, co)
	if err != nil {
		t.Fatal(err)
	}
	relay := uplink.NewRelay(nc, db, uplink.RelayOptions{CreateStream: true, Poll: 50 * time.Millisecond})
	var wg sync.WaitGroup
	for _, fn := range []func(context.Context) error{cmds.Run, relay.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		nc.Close()
		_ = db.Close()
		srv.Shutdown()
	})
	// Wait until the kiosk answers and its first events are relayed.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var out bytes.Buffer
		err := run(context.Background(), []string{"cmd", "--nats", srv.URL(), "--site", "demo", "--kiosk", "k1", "--timeout", "1s", "status"}, &out, &out)
		if err == nil && strings.Contains(out.String(), `"outbox_backlog":0`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kiosk not ready: %v %s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return srv.URL(), svc, db
}

func TestCmd(t *testing.T) {
	url, _, db := kiosk(t)
	base := []string{"cmd", "--nats", url, "--site", "demo", "--kiosk", "k1"}
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		want    string // in stdout
	}{
		{"status", []string{"status"}, false, `"version":"v-test"`},
		{"status with body", []string{"status", "{}"}, false, `"compartments":[{"id":"A1","size":"S","status":"available","door":"closed"}]`},
		{"expect", []string{"parcel.expect", `{"barcode":"1Z1","carrier":"ups","recipient_id":"r1","idempotency_key":"k"}`}, false, `"expected_id":"`},
		{"refused: unknown field", []string{"parcel.expect", `{"barcode":"1Z2","carrier":"ups","recipient_id":"r1","x":1}`}, true, `"code":"bad_request"`},
		{"refused: not found", []string{"parcel.cancel", `{"barcode":"none"}`}, true, `"code":"not_found"`},
		{"refused: no staff", []string{"door.open", `{"compartment":"A1","reason":"r"}`}, true, `"code":"unauthorized"`},
		{"refused: unknown staff", []string{"door.open", `{"compartment":"A1","staff_id":"ghost","reason":"r"}`}, true, `"code":"unauthorized"`},
		{"door open", []string{"door.open", `{"compartment":"A1","staff_id":"s1","reason":"r"}`}, false, `"opened":true`},
		{"unknown command", []string{"nope"}, true, `"code":"unknown_command"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append(append([]string{}, base...), tc.args...), &stdout, &stderr)
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error %v", err, tc.wantErr)
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("stdout %q does not contain %q", stdout.String(), tc.want)
			}
			if !json.Valid(bytes.TrimSpace(stdout.Bytes())) {
				t.Errorf("stdout is not one JSON reply: %q", stdout.String())
			}
		})
	}
	if _, err := db.ExpectedByBarcode(context.Background(), "1Z2"); err == nil {
		t.Errorf("refused parcel.expect was stored")
	}
}

func TestCmdUsage(t *testing.T) {
	for _, args := range [][]string{
		{"cmd", "status"},
		{"cmd", "--nats", "nats://127.0.0.1:1", "status"},
		{"cmd", "--nats", "nats://127.0.0.1:1", "--site", "demo", "--kiosk", "k1"},
		{"events", "extra"},
		{"events"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, &out); err == nil {
			t.Errorf("run %q succeeded", args)
		}
	}
	// No server: fails fast instead of waiting forever.
	var out bytes.Buffer
	start := time.Now()
	err := run(context.Background(), []string{"cmd", "--nats", "nats://127.0.0.1:1", "--site", "demo", "--kiosk", "k1", "status"}, &out, &out)
	if err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("cmd with no server: %v after %v", err, time.Since(start))
	}
}

func TestEvents(t *testing.T) {
	url, svc, _ := kiosk(t)
	ctx := context.Background()
	for _, st := range []locker.CompartmentStatus{locker.StatusOutOfService, locker.StatusAvailable} {
		if err := svc.RemoteSetCompartment(ctx, "A1", st, "s1", "test"); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("jetstream from the start", func(t *testing.T) {
		var out bytes.Buffer
		// kiosk.started, then the two compartment.status events.
		err := run(ctx, []string{"events", "--nats", url, "--all", "--count", "3", "--site", "demo", "--kiosk", "k1"}, &out, &out)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d lines: %q", len(lines), out.String())
		}
		var prev uint64
		for i, l := range lines {
			var ev locker.Event
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("line %d %q: %v", i, l, err)
			}
			if ev.Seq <= prev || ev.Site != "demo" || ev.Kiosk != "k1" || ev.ID == "" {
				t.Errorf("line %d: %+v after seq %d", i, ev, prev)
			}
			prev = ev.Seq
		}
		if !strings.Contains(lines[0], `"type":"kiosk.started"`) || !strings.Contains(lines[2], `"type":"compartment.status"`) {
			t.Errorf("events %q", lines)
		}
	})
	t.Run("other kiosk filtered out", func(t *testing.T) {
		var out bytes.Buffer
		cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		if err := run(cctx, []string{"events", "--nats", url, "--all", "--kiosk", "k2"}, &out, &out); err != nil {
			t.Fatal(err)
		}
		if out.Len() != 0 {
			t.Errorf("events of k2: %q", out.String())
		}
	})
	t.Run("core live", func(t *testing.T) {
		var out bytes.Buffer
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"events", "--nats", url, "--core", "--count", "1", "--type", "compartment.status"}, &out, &out)
		}()
		time.Sleep(300 * time.Millisecond) // let it subscribe
		if err := svc.RemoteSetCompartment(ctx, "A1", locker.StatusOutOfService, "s1", "live"); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no live event")
		}
		if !strings.Contains(out.String(), `"type":"compartment.status"`) {
			t.Errorf("live event %q", out.String())
		}
	})
}

func TestCmdSigned(t *testing.T) {
	op, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := op.PublicKey()
	seed, _ := op.Seed()
	other, _ := nkeys.CreateUser()
	otherSeed, _ := other.Seed()
	dir := t.TempDir()
	opFile, otherFile := filepath.Join(dir, "op.nk"), filepath.Join(dir, "other.nk")
	if err := os.WriteFile(opFile, append(seed, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(otherFile, otherSeed, 0o600); err != nil {
		t.Fatal(err)
	}
	url, _, _ := kioskWith(t, func(o *uplink.CommandOptions) {
		o.OperatorKeys = []string{pub}
		o.Nonces = o.Backlog.(*store.DB) // the kiosk's own database
	})
	base := []string{"cmd", "--nats", url, "--site", "demo", "--kiosk", "k1"}
	open := []string{"door.open", `{"compartment":"A1","staff_id":"s1","reason":"r"}`}
	for _, tc := range []struct {
		name    string
		flags   []string
		wantErr bool
		want    string
	}{
		{"signed", []string{"--sign-key", opFile}, false, `"opened":true`},
		{"signed again (new nonce)", []string{"--sign-key", opFile}, false, `"opened":true`},
		{"unsigned", nil, true, `"code":"unauthorized"`},
		{"another key", []string{"--sign-key", otherFile}, true, `"code":"unauthorized"`},
		{"no key file", []string{"--sign-key", filepath.Join(dir, "none")}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(append(append([]string{}, base...), tc.flags...), open...)
			err := run(context.Background(), args, &stdout, &stderr)
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error %v (stdout %s)", err, tc.wantErr, stdout.String())
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("stdout %q does not contain %q", stdout.String(), tc.want)
			}
		})
	}
}
