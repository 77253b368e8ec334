package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parcelkiosk/locker/assets"
	"github.com/parcelkiosk/locker/store"
	"github.com/parcelkiosk/locker/uplink"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"demo", []string{"--demo"}, ""},
		{"config", []string{"--config", "x.toml"}, ""},
		{"check", []string{"--check-config", "x.toml"}, ""},
		{"nothing", nil, "give --config FILE or --demo"},
		{"stray argument", []string{"--demo", "extra"}, `unexpected argument "extra"`},
		{"unknown flag", []string{"--nope"}, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, &bytes.Buffer{})
			if tc.wantErr == "" && err != nil {
				t.Fatalf("parseFlags(%q) = %v", tc.args, err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("parseFlags(%q) = %v, want error containing %q", tc.args, err, tc.wantErr)
			}
		})
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	if err := os.WriteFile(good, assets.DemoConfig(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--check-config", good}, &out, &out); err != nil {
		t.Fatalf("demo config: %v", err)
	}
	if !strings.Contains(out.String(), "good.toml: ok") {
		t.Errorf("output %q lacks the ok line", out.String())
	}
	// The packaged example names /dev/locker-bus, absent here: a warning
	// with its line, and success.
	example := filepath.Join("..", "..", "packaging", "kiosk.example.toml")
	if _, err := os.Stat("/dev/locker-bus"); err == nil {
		t.Log("this machine has a /dev/locker-bus: the warning is not checked")
	} else {
		out.Reset()
		if err := run(context.Background(), []string{"--check-config", example}, &out, &out); err != nil {
			t.Fatalf("example config without the device: %v", err)
		}
		if !regexp.MustCompile(`warning: config: \S+kiosk.example.toml:\d+: port "/dev/locker-bus" does not exist`).MatchString(out.String()) {
			t.Errorf("output lacks the absent-device warning with its line:\n%s", out.String())
		}
	}
	bad := filepath.Join(dir, "bad.toml")
	cfg := strings.Replace(string(assets.DemoConfig()), `size = "M"`, `size = "XXL"`, 1)
	if err := os.WriteFile(bad, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"--check-config", bad}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "XXL") || !strings.Contains(err.Error(), "bad.toml:") {
		t.Fatalf("bad size: err = %v, want a message naming XXL with the file and line", err)
	}
}

// TestDemoHeadless starts the whole kiosk as `kiosk --demo --headless`
// does: the simulated bank on a real pty, the store, the service, the
// embedded NATS server and the relay, and checks that it is wired: the
// kiosk.started event reaches JetStream and the status command answers
// with the demo bank and the boards online.
func TestDemoHeadless(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	k, err := setup(ctx, flags{demo: true, headless: true, data: t.TempDir(), simClose: "1s"}, &logs)
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, logs.String())
	}
	url := k.emb.URL()
	done := make(chan error, 1)
	go func() { done <- k.run(ctx) }()

	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	var started bool
	for !started && time.Now().Before(deadline) {
		cons, err := js.OrderedConsumer(ctx, uplink.StreamName, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"locker.demo.k1.evt.kiosk.started"}})
		if err != nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		msgs, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			continue
		}
		for m := range msgs.Messages() {
			var ev struct {
				Type string `json:"type"`
				Seq  uint64 `json:"seq"`
			}
			if err := json.Unmarshal(m.Data(), &ev); err != nil {
				t.Fatalf("event body: %v", err)
			}
			started = ev.Type == "kiosk.started" && ev.Seq >= 1
		}
	}
	if !started {
		t.Fatalf("no kiosk.started event in JetStream\n%s", logs.String())
	}

	var st struct {
		OK           bool `json:"ok"`
		BoardOnline  bool `json:"board_online"`
		Compartments []struct {
			ID string `json:"id"`
		} `json:"compartments"`
	}
	for time.Now().Before(deadline) {
		msg, err := nc.Request(uplink.Subjects{Site: "demo", Kiosk: "k1"}.Command("status"), []byte(`{}`), 5*time.Second)
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		if err := json.Unmarshal(msg.Data, &st); err != nil {
			t.Fatalf("status reply %q: %v", msg.Data, err)
		}
		if st.BoardOnline {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !st.OK || !st.BoardOnline || len(st.Compartments) != 27 {
		t.Errorf("status = %+v, want ok, boards online, 27 compartments", st)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run ended with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("kiosk did not stop within 15s of its context ending")
	}
}

// TestDemoRefusesARealBank checks that --demo neither drives real lock
// boards nor seeds its couriers and staff into a real bank's data.
func TestDemoRefusesARealBank(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	real := filepath.Join(dir, "real.toml")
	cfg := strings.Replace(string(assets.DemoConfig()), `protocol = "sim"`, `protocol = "kerong-cu16"`+"\nport = \"/dev/null\"", 1)
	if err := os.WriteFile(real, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	k, err := setup(ctx, flags{demo: true, headless: true, config: real, data: filepath.Join(dir, "d1")}, &logs)
	if err == nil {
		k.close()
	}
	if err == nil || !strings.Contains(err.Error(), "--demo runs only on the simulated lock board") {
		t.Errorf("--demo with a Kerong bank: %v", err)
	}
	if _, serr := os.Stat(filepath.Join(dir, "d1", "kiosk.db")); serr == nil {
		t.Error("--demo with a Kerong bank created a database")
	}

	data := filepath.Join(dir, "bank")
	if err := os.MkdirAll(data, 0o750); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(data, "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	k, err = setup(ctx, flags{demo: true, headless: true, data: data, simClose: "1s"}, &logs)
	if err == nil {
		k.close()
	}
	if err == nil || !strings.Contains(err.Error(), "holds a real bank's database") {
		t.Errorf("--demo on a real bank's data directory: %v", err)
	}
}
