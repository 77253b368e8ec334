package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parcelkiosk/locker/internal/lockertest"
	"github.com/parcelkiosk/locker/internal/xvfb"
	"github.com/parcelkiosk/locker/store"
	"github.com/parcelkiosk/locker/uplink"
)

// lockedBuf is a bytes.Buffer safe for a writer and a reader.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestShutdownUnderLoad builds the kiosk, runs it with its window on Xvfb
// (the demo: simulated bank, embedded NATS), loads it with a stream of
// commands and two CPU burners (on the 2-core machine that is every core
// busy), sends SIGTERM and measures how long the process takes to exit. It
// must stop cleanly (exit 0, "kiosk stopped" logged) within the 5 s bound.
func TestShutdownUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the kiosk binary")
	}
	x, err := xvfb.Start("1280x1024x24", 20*time.Second)
	if err != nil {
		t.Fatalf("Xvfb: %v", err)
	}
	defer x.Stop()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kiosk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	port := lockertest.FreePort(t)
	var logs lockedBuf
	cmd := exec.Command(bin, "--demo", "--windowed", "--data", filepath.Join(dir, "data"), "--nats-port", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "DISPLAY="+x.Display())
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(logs.String(), `"msg":"kiosk started"`) {
		if time.Now().After(deadline) {
			t.Fatalf("kiosk did not start:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", port), nats.MaxReconnects(0))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	// Load: four clients asking for the status as fast as it answers, one
	// changing a compartment's status back and forth (each change is
	// committed and acknowledged), and a CPU burner per core.
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var answered atomic.Int64
	var ackedMu sync.Mutex
	var acked []string // reasons of the out_of_service changes the kiosk acknowledged
	subjs := uplink.Subjects{Site: "demo", Kiosk: "k1"}
	subj := subjs.Command("status")
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			st, reason := "available", ""
			if i%2 == 0 {
				st, reason = "out_of_service", fmt.Sprintf("shutdown load %d", i)
			}
			body := fmt.Sprintf(`{"compartment":"A1","status":%q,"staff_id":"S1","reason":%q}`, st, reason)
			m, err := nc.Request(subjs.Command("compartment.set"), []byte(body), 2*time.Second)
			if err == nil && reason != "" && strings.Contains(string(m.Data), `"ok":true`) {
				ackedMu.Lock()
				acked = append(acked, reason)
				ackedMu.Unlock()
			}
		}
	}()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := nc.Request(subj, []byte(`{}`), 2*time.Second); err == nil {
					answered.Add(1)
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := 0
			for ctx.Err() == nil {
				for i := range 100000 {
					x ^= i
				}
			}
			_ = x
		}()
	}
	defer func() { stopLoad(); wg.Wait() }()
	for answered.Load() < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("the kiosk answered only %d status commands under load", answered.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var werr error
	select {
	case werr = <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("kiosk still running 30 s after SIGTERM:\n%s", logs.String())
	}
	took := time.Since(start)
	t.Logf("kiosk stopped %v after SIGTERM under load (%d status commands answered before)", took.Round(time.Millisecond), answered.Load())
	if werr != nil {
		t.Errorf("kiosk exit: %v\n%s", werr, logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"kiosk stopped"`) {
		t.Errorf("no clean stop logged:\n%s", logs.String())
	}
	if os.Getenv("SHUTDOWN_LOG") != "" {
		t.Log(logs.String())
	}
	if took >= shutdownTimeout {
		t.Errorf("kiosk took %v to stop after SIGTERM, want under %v", took, shutdownTimeout)
	}

	// Every change the kiosk acknowledged is in its database, whose
	// integrity and audit chain check on open.
	stopLoad()
	wg.Wait()
	db, err := store.Open(context.Background(), filepath.Join(dir, "data", "kiosk.db"), store.Options{})
	if err != nil {
		t.Fatalf("database after the stop: %v", err)
	}
	defer db.Close()
	details := map[string]bool{}
	for off := 0; ; off += 500 {
		page, total, err := db.AuditPage(context.Background(), off, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page {
			if a.Action == "compartment.status" && a.Subject == "A1" {
				// "<old> -> out_of_service <reason>"
				if _, after, ok := strings.Cut(a.Detail, " -> out_of_service "); ok {
					details[after] = true
				}
			}
		}
		if off+500 >= total {
			break
		}
	}
	ackedMu.Lock()
	defer ackedMu.Unlock()
	missing := 0
	for _, r := range acked {
		if !details[r] {
			missing++
		}
	}
	if len(acked) == 0 || missing > 0 {
		t.Errorf("%d of %d acknowledged compartment changes missing from the database", missing, len(acked))
	} else {
		t.Logf("%d acknowledged compartment changes, all in the database", len(acked))
	}
}
