package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nats-io/nats.go"

	"github.com/parcelkiosk/locker/assets"
	"github.com/parcelkiosk/locker/internal/lockertest"
	"github.com/parcelkiosk/locker/internal/xvfb"
	"github.com/parcelkiosk/locker/ui"
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

// releaseTags are the build tags `make build` and `make package` give the
// kiosk (the Makefile's TAGS): no_emoji leaves out Fyne's colour emoji
// font, which Fyne would otherwise parse (about 4 MB) for every text style.
var releaseTags = []string{"no_emoji"}

// buildKiosk builds this command into a temporary directory as released,
// with the extra build tags given.
func buildKiosk(b *testing.B, tags ...string) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "kiosk")
	tags = append(slices.Clone(releaseTags), tags...)
	if out, err := exec.Command("go", "build", "-tags", strings.Join(tags, ","), "-o", bin, ".").CombinedOutput(); err != nil {
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
// tapped where the kiosk's layout map (--layout-map) places them, the
// pickup QR from the parcel.deposited event scanned on the home screen, the
// door closing again, "Done". Fyne's cache keeps its default (one minute)
// unless FYNE_CACHE is set in the environment.
//
// It reports the kiosk's resident memory after 100 flows and after all of
// them (at least 100; -benchtime=1000x for the README's figure), beside a
// bare Fyne window (testdata/barewindow: full screen, a label and a dozen
// buttons, built with the same tags) measured first in the same Xvfb; and
// the kiosk's CPU time (/proc) while the home screen stands idle for
// IDLE_SECONDS (default 60) before the flows, beside the bare window's over
// a third of that: Fyne's event loop wakes 60 times a second in any window.
// The kiosk runs as a building runs it: the demo's bank, residents and
// couriers, with the NATS server in the benchmark's process and the lock
// bank in a locksim process on a pty (deployedBank), a serial scanner on a
// pty and the keyboard wedge on, as configured by default; the figures are
// the kiosk's process alone. BENCH_KIOSK=demo runs `kiosk --demo` instead,
// whose process also holds the NATS server and the simulated bank.
//
// With BENCH_PROFILES=DIR the kiosk is built with the benchprof tag and
// serves net/http/pprof on loopback; heap profiles (after a GC) and the
// runtime's memory statistics are saved into DIR after the idle minute,
// after 100 flows and after all of them, to compare with
// `go tool pprof -top -inuse_space -diff_base DIR/heap-100.pb.gz DIR/heap-N.pb.gz`.
func BenchmarkFlowsRSS(b *testing.B) {
	if b.N == 1 && explicitRuns() > 1 {
		return // the testing package's probe run: the run asked for follows
	}
	display := startXvfb(b)
	idle := 60 * time.Second
	if s, err := strconv.Atoi(os.Getenv("IDLE_SECONDS")); err == nil {
		idle = time.Duration(s) * time.Second
	}
	profDir := os.Getenv("BENCH_PROFILES")
	var bin, pprofAddr string
	if profDir != "" {
		bin = buildKiosk(b, "benchprof")
		pprofAddr = fmt.Sprintf("127.0.0.1:%d", lockertest.FreePort(b))
	} else {
		bin = buildKiosk(b)
	}
	bare, bareCPU := bareWindow(b, display, idle/3)
	dir := b.TempDir()
	master, slave, err := pty.Open()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { master.Close(); slave.Close() })
	go func() { _, _ = io.Copy(io.Discard, master) }() // the pty's echo
	layoutPath := filepath.Join(dir, "layout.json")
	port := lockertest.FreePort(b)
	scannerTOML := fmt.Sprintf("\n[scanner]\nserial = [%q]\nhid = []\n", slave.Name())
	var args []string
	demo := os.Getenv("BENCH_KIOSK") == "demo"
	if demo {
		// The demo: the NATS server and the simulated bank in the
		// kiosk's own process.
		cfgPath := filepath.Join(dir, "kiosk.toml")
		if err := os.WriteFile(cfgPath, append(assets.DemoConfig(), scannerTOML...), 0o644); err != nil {
			b.Fatal(err)
		}
		args = []string{"--demo", "--config", cfgPath, "--data", filepath.Join(dir, "data"),
			"--nats-port", strconv.Itoa(port), "--sim-autoclose", "300ms"}
	} else {
		args = []string{"--config", deployedBank(b, dir, port, scannerTOML)}
	}
	cmd := exec.Command(bin, append(args, "--windowed", "--layout-map", layoutPath)...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "KIOSK_PPROF="+pprofAddr, "LANG=en_US.UTF-8")
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
	subj := uplink.Subjects{Site: "demo", Kiosk: "k1"}
	if !demo {
		seedDemoPeople(b, nc, subj)
	}
	events := make(chan *nats.Msg, 256)
	if _, err := nc.ChanSubscribe("locker.demo.k1.evt.parcel.>", events); err != nil {
		b.Fatal(err)
	}
	win := waitWindow(b, display)
	// waitScreen waits for the layout map to show screen with no action
	// running (taps are ignored while one runs) and returns it.
	waitScreen := func(screen string) ui.LayoutMap {
		deadline := time.Now().Add(20 * time.Second)
		for {
			var m ui.LayoutMap
			if raw, err := os.ReadFile(layoutPath); err == nil && json.Unmarshal(raw, &m) == nil && m.Screen == screen && !m.Busy {
				return m
			}
			if time.Now().After(deadline) {
				fail("the kiosk did not show %s within 20s", screen)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	tap := func(screen, label string) {
		m := waitScreen(screen)
		for _, it := range m.Items {
			if it.Label == label && it.Enabled {
				c := exec.Command("xdotool", "mousemove", "--window", win,
					strconv.Itoa(int(it.X+it.W/2)), strconv.Itoa(int(it.Y+it.H/2)), "click", "1")
				c.Env = append(os.Environ(), "DISPLAY="+display)
				if out, err := c.CombinedOutput(); err != nil {
					fail("xdotool: %v %s", err, out)
				}
				return
			}
		}
		fail("no %q on %s", label, screen)
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
	flow := func(i int) {
		barcode := fmt.Sprintf("BENCH%07d", i)
		req := fmt.Sprintf(`{"barcode":%q,"carrier":"UPS","recipient_id":"R100","size":"S"}`, barcode)
		if m, err := nc.Request(subj.Command("parcel.expect"), []byte(req), 10*time.Second); err != nil || !strings.Contains(string(m.Data), `"ok":true`) {
			fail("parcel.expect: %v %v", err, m)
		}
		waitScreen("home")
		scan("BADGE:USPS-3")
		waitScreen("deposit.scan")
		scan(barcode)
		dep := await("parcel.deposited", barcode)
		tap("deposit.done", "Finish")
		tap("receipt", "Done")
		waitScreen("home")
		scan(dep["qr"].(string))
		await("parcel.picked_up", "")
		tap("pickup.done", "Done")
	}

	// The home screen standing idle.
	waitScreen("home")
	cpu0 := cpuOf(b, cmd.Process.Pid)
	time.Sleep(idle)
	idleCPU := (cpuOf(b, cmd.Process.Pid) - cpu0).Seconds() / idle.Seconds() * 100
	profile := func(name string) {
		if profDir != "" {
			if name == "idle" {
				saveProfile(b, pprofAddr, "profile?seconds=20", filepath.Join(profDir, "cpu-idle.pb.gz"))
			}
			saveProfile(b, pprofAddr, "heap?gc=1", filepath.Join(profDir, "heap-"+name+".pb.gz"))
			saveProfile(b, pprofAddr, "heap?debug=1", filepath.Join(profDir, "heap-"+name+".txt"))
			saveProfile(b, pprofAddr, "goroutine?debug=1", filepath.Join(profDir, "goroutine-"+name+".txt"))
		}
	}
	profile("idle")

	n := max(b.N, 100)
	b.ResetTimer()
	var rss100 uint64
	for i := range n {
		flow(i)
		if i == 99 {
			rss100 = rssOf(b, cmd.Process.Pid)
			profile("100")
		}
		if (i+1)%100 == 0 { // progress, for a run stopped early
			fmt.Printf("after %d flows: rss %.1f MB (bare window %.1f MB)\n", i+1, float64(rssOf(b, cmd.Process.Pid))/(1<<20), float64(bare)/(1<<20))
		}
	}
	b.StopTimer()
	rssN := rssOf(b, cmd.Process.Pid)
	profile(strconv.Itoa(n))
	mb := func(v uint64) float64 { return float64(v) / (1 << 20) }
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n), "ms/flow")
	b.ReportMetric(float64(n), "flows")
	b.ReportMetric(mb(bare), "bare-MB")
	b.ReportMetric(mb(rss100), "rss100-MB")
	b.ReportMetric(mb(rssN), "rss-MB")
	b.ReportMetric(mb(rssN)-mb(bare), "over-bare-MB")
	b.ReportMetric(float64(rssN)/float64(rss100), "rss/rss100")
	b.ReportMetric(idleCPU, "idle-cpu-%")
	b.ReportMetric(bareCPU, "bare-idle-cpu-%")
}

// explicitRuns is the count of -benchtime=Nx, 0 for a duration.
func explicitRuns() int {
	f := flag.Lookup("test.benchtime")
	if f == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSuffix(f.Value.String(), "x"))
	if err != nil || !strings.HasSuffix(f.Value.String(), "x") {
		return 0
	}
	return n
}

// saveProfile fetches /debug/pprof/what from the kiosk's pprof server at
// addr into file.
func saveProfile(b *testing.B, addr, what, file string) {
	b.Helper()
	resp, err := http.Get("http://" + addr + "/debug/pprof/" + what)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err == nil {
		err = os.WriteFile(file, raw, 0o644)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// waitWindow waits for the kiosk's window and returns its X window id.
func waitWindow(b *testing.B, display string) string {
	b.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Parcel locker$")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.Output(); err == nil {
			if ids := strings.Fields(string(out)); len(ids) > 0 {
				return ids[0]
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("no window within 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// bareWindow runs testdata/barewindow in display and returns its resident
// memory once its window has shown for three seconds, and the share of a
// core it uses over the next idle.
func bareWindow(b *testing.B, display string, idle time.Duration) (rss uint64, cpuPct float64) {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "barewindow")
	if out, err := exec.Command("go", "build", "-tags", strings.Join(releaseTags, ","), "-o", bin, "./testdata/barewindow").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	waitWindow(b, display)
	time.Sleep(3 * time.Second)
	rss = rssOf(b, cmd.Process.Pid)
	cpu0 := cpuOf(b, cmd.Process.Pid)
	time.Sleep(idle)
	return rss, (cpuOf(b, cmd.Process.Pid) - cpu0).Seconds() / idle.Seconds() * 100
}

// cpuOf reads the CPU time (user and system) a process has used.
func cpuOf(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
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

// deployedBank sets up the kiosk as a building runs it, for
// BenchmarkFlowsRSS: the NATS server (with the events stream) in the
// benchmark's process and the lock bank in a locksim process on a pty, both
// outside the kiosk, whose process is then the kiosk alone. It writes the
// demo's configuration pointed at them and returns its path; the kiosk
// keeps its data in dir/data.
func deployedBank(b *testing.B, dir string, natsPort int, scannerTOML string) string {
	b.Helper()
	srv, err := uplink.StartEmbedded(uplink.EmbeddedOptions{Port: natsPort, StoreDir: filepath.Join(dir, "nats"), ServerName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", natsPort))
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := uplink.EnsureStream(ctx, nc, uplink.StreamOptions{Create: true}); err != nil {
		b.Fatal(err)
	}

	sim := filepath.Join(b.TempDir(), "locksim")
	if out, err := exec.Command("go", "build", "-o", sim, "../locksim").CombinedOutput(); err != nil {
		b.Fatalf("go build locksim: %v\n%s", err, out)
	}
	link := filepath.Join(dir, "locker-bus")
	simLog, err := os.Create(filepath.Join(dir, "locksim.log"))
	if err != nil {
		b.Fatal(err)
	}
	lc := exec.Command(sim, "--protocol", "kerong-cu16", "--boards", "2", "--link", link, "--auto-close", "300ms")
	lc.Stdout, lc.Stderr = simLog, simLog
	stdin, err := lc.StdinPipe() // held open: locksim reads commands from it
	if err != nil {
		b.Fatal(err)
	}
	if err := lc.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = lc.Process.Kill(); _ = lc.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, err := os.Stat(link); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("locksim made no link within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	cfg := string(assets.DemoConfig())
	for old, repl := range map[string]string{
		`protocol = "sim"`: fmt.Sprintf("protocol = \"kerong-cu16\"\nport = %q\nboards = [0, 1]", link),
		`url = ""`:         fmt.Sprintf("url = \"nats://127.0.0.1:%d\"", natsPort),
	} {
		if !strings.Contains(cfg, old) {
			b.Fatalf("the demo configuration has no %s line any more: update deployedBank", old)
		}
		cfg = strings.Replace(cfg, old, repl, 1)
	}
	cfg = fmt.Sprintf("data_dir = %q\n", filepath.Join(dir, "data")) + cfg + scannerTOML
	path := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// seedDemoPeople gives a deployed kiosk the demo's residents and couriers
// through the uplink's commands, as the operator's cloud would.
func seedDemoPeople(b *testing.B, nc *nats.Conn, subj uplink.Subjects) {
	b.Helper()
	var dir struct {
		Recipients []map[string]any `json:"recipients"`
	}
	var people struct {
		Couriers []map[string]any `json:"couriers"`
	}
	if err := json.Unmarshal(assets.DemoDirectory(), &dir); err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(assets.DemoPeople(), &people); err != nil {
		b.Fatal(err)
	}
	send := func(name string, body any) {
		raw, err := json.Marshal(body)
		if err != nil {
			b.Fatal(err)
		}
		// The kiosk answers once it has started: retry for a while.
		for deadline := time.Now().Add(30 * time.Second); ; {
			m, err := nc.Request(subj.Command(name), raw, 5*time.Second)
			if err == nil && strings.Contains(string(m.Data), `"ok":true`) {
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s: %v %v", name, err, m)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	send("directory.upsert", map[string]any{"recipients": dir.Recipients})
	for _, c := range people.Couriers {
		send("courier.upsert", map[string]any{"id": c["id"], "carrier": c["carrier"], "name": c["name"], "code": c["code"]})
	}
}
