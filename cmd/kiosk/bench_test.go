package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nats-io/nats.go"

	"github.com/parcelkiosk/locker/assets"
	"github.com/parcelkiosk/locker/internal/xvfb"
	"github.com/parcelkiosk/locker/uplink"
)

// The benchmarks here run the real kiosk binary in a real X window (a
// private Xvfb), as a person would meet it.

// startXvfb starts a private X server and returns its DISPLAY.
func startXvfb(b *testing.B) string {
	b.Helper()
	if _, err := exec.LookPath("xdotool"); err != nil {
		b.Skip("xdotool not installed (packaging/deps.sh installs it)")
	}
	x, err := xvfb.Start("1280x800x24", 10*time.Second)
	if errors.Is(err, xvfb.ErrNotInstalled) {
		b.Skip("Xvfb not installed (packaging/deps.sh installs it)")
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(x.Stop)
	return x.Display()
}

// buildKiosk builds this command into a temporary directory.
func buildKiosk(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "kiosk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// windowShown reports whether a visible window named "Parcel locker" is on display.
func windowShown(display string) bool {
	cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Parcel locker$")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	return err == nil && len(strings.TrimSpace(string(out))) > 0
}

// BenchmarkColdStart measures the real binary from exec to its window on
// screen: `kiosk --demo` with a new data directory each time (migrations,
// the simulated bank on a pty, the embedded NATS server, the demo data).
func BenchmarkColdStart(b *testing.B) {
	display := startXvfb(b)
	bin := buildKiosk(b)
	b.ResetTimer()
	for i := range b.N {
		data := filepath.Join(b.TempDir(), strconv.Itoa(i))
		cmd := exec.Command(bin, "--demo", "--windowed", "--data", data)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for !windowShown(display) {
			if time.Since(start) > 30*time.Second {
				_ = cmd.Process.Kill()
				b.Fatal("no window within 30s")
			}
			time.Sleep(10 * time.Millisecond)
		}
		b.StopTimer()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/start")
}

// BenchmarkFlowsRSS runs whole deposits and pickups through the real
// binary: a pre-advice over NATS, the courier's badge and the parcel on a
// serial scanner (a pty), the simulated door closing, "Finish" and "Done"
// clicked, the pickup QR from the parcel.deposited event scanned on the
// home screen, the door closing again, "Done". It reports the kiosk's
// resident memory after a warm-up and after the measured flows; growth per
// 1,000 flows should stay near zero. Use -benchtime=200x or more.
func BenchmarkFlowsRSS(b *testing.B) {
	display := startXvfb(b)
	bin := buildKiosk(b)
	dir := b.TempDir()
	master, slave, err := pty.Open()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { master.Close(); slave.Close() })
	cfg := string(assets.DemoConfig()) + fmt.Sprintf("\n[scanner]\nserial = [%q]\nhid = []\nwedge = false\n", slave.Name())
	cfgPath := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	port := freePort(b)
	cmd := exec.Command(bin, "--demo", "--config", cfgPath, "--data", filepath.Join(dir, "data"),
		"--windowed", "--nats-port", strconv.Itoa(port), "--sim-autoclose", "300ms")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if os.Getenv("FYNE_CACHE") == "" {
		cmd.Env = append(cmd.Env, "FYNE_CACHE=10s") // as the systemd unit sets it
	}
	logs, err := os.Create(filepath.Join(dir, "kiosk.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	fail := func(format string, args ...any) {
		tail, _ := os.ReadFile(logs.Name())
		if len(tail) > 3000 {
			tail = tail[len(tail)-3000:]
		}
		b.Fatalf(format+"\nkiosk log tail:\n%s", append(args, tail)...)
	}

	var nc *nats.Conn
	for deadline := time.Now().Add(30 * time.Second); ; {
		if nc, err = nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", port)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			fail("no NATS server: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer nc.Close()
	events := make(chan *nats.Msg, 256)
	if _, err := nc.ChanSubscribe("locker.demo.k1.evt.parcel.>", events); err != nil {
		b.Fatal(err)
	}
	for !windowShown(display) {
		time.Sleep(50 * time.Millisecond)
	}
	click := func(x, y int) {
		c := exec.Command("xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
		c.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := c.CombinedOutput(); err != nil {
			fail("xdotool: %v %s", err, out)
		}
	}
	scan := func(text string) {
		if _, err := master.Write([]byte(text + "\r\n")); err != nil {
			b.Fatal(err)
		}
	}
	await := func(typ, barcode string) map[string]any {
		timeout := time.After(20 * time.Second)
		for {
			select {
			case m := <-events:
				var ev struct {
					Type string         `json:"type"`
					Data map[string]any `json:"data"`
				}
				if err := json.Unmarshal(m.Data, &ev); err != nil {
					fail("event %q: %v", m.Data, err)
				}
				if ev.Type == typ && (barcode == "" || ev.Data["barcode"] == barcode) {
					return ev.Data
				}
			case <-timeout:
				fail("no %s event for %s within 20s", typ, barcode)
			}
		}
	}
	subj := uplink.Subjects{Site: "demo", Kiosk: "k1"}
	flow := func(i int) {
		barcode := fmt.Sprintf("BENCH%07d", i)
		req := fmt.Sprintf(`{"barcode":%q,"carrier":"UPS","recipient_id":"R100","size":"S"}`, barcode)
		if m, err := nc.Request(subj.Command("parcel.expect"), []byte(req), 10*time.Second); err != nil || !strings.Contains(string(m.Data), `"ok":true`) {
			fail("parcel.expect: %v %v", err, m)
		}
		scan("BADGE:USPS-3")
		time.Sleep(600 * time.Millisecond) // the sign-in reaches the screen
		scan(barcode)
		dep := await("parcel.deposited", barcode)
		time.Sleep(300 * time.Millisecond)
		click(949, 733) // Finish
		time.Sleep(300 * time.Millisecond)
		click(1096, 733) // Done, on the receipt
		time.Sleep(300 * time.Millisecond)
		scan(dep["qr"].(string))
		await("parcel.picked_up", "")
		time.Sleep(300 * time.Millisecond)
		click(640, 622) // Done, on "All done"
		time.Sleep(300 * time.Millisecond)
	}
	// Warm up past Fyne's cache horizon (FYNE_CACHE, one minute by
	// default): screens drawn within it are still held, by design.
	for i := range 30 {
		flow(-1 - i)
	}
	// A growth figure needs many flows: at least 60 even when the
	// benchmark framework asks for one (its default -benchtime).
	n := max(b.N, 60)
	rss0 := rssOf(b, cmd.Process.Pid)
	b.ResetTimer()
	for i := range n {
		flow(i)
	}
	b.StopTimer()
	rss1 := rssOf(b, cmd.Process.Pid)
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n), "ms/flow")
	b.ReportMetric(float64(rss1)/(1<<20), "rss-MB")
	b.ReportMetric((float64(rss1)-float64(rss0))/(1<<10)/float64(n)*1000, "rss-growth-KB/1000flows")
}

// rssOf reads a process's resident set size from /proc.
func rssOf(b *testing.B, pid int) uint64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// freePort returns a TCP port free on the loopback interface now.
func freePort(b testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
