package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sys/unix"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
	"github.com/parcelkiosk/locker/config"
	"github.com/parcelkiosk/locker/internal/lockertest"
	"github.com/parcelkiosk/locker/internal/xvfb"
	"github.com/parcelkiosk/locker/store"
	"github.com/parcelkiosk/locker/uplink"
)

// env is what TestMain prepared for every test: the built binaries and
// an Xvfb display.
type env struct {
	bin     string // directory holding kiosk, locksim, lockerctl
	display string // ":N", empty when there is no X server
	skip    string // why UI tests skip, if they do
}

// theEnv is set once by TestMain before any test runs and only read after.
var theEnv env

func TestMain(m *testing.M) {
	code, err := mainWithEnv(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func mainWithEnv(m *testing.M) (int, error) {
	bin, err := os.MkdirTemp("", "e2e-bin-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(bin)
	root, err := filepath.Abs("..")
	if err != nil {
		return 0, err
	}
	build := exec.Command("go", "build", "-o", bin, "./cmd/kiosk", "./cmd/locksim", "./cmd/lockerctl")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build: %v\n%s", err, out)
	}
	theEnv.bin = bin
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			theEnv.skip = tool + " is not installed"
		}
	}
	if theEnv.skip == "" {
		x, err := xvfb.Start("1600x900x24", 10*time.Second)
		if err != nil {
			return 0, err
		}
		defer x.Stop()
		display := x.Display()
		theEnv.display = display
		// Every child (xdotool, import, the kiosk) draws on this display.
		os.Setenv("DISPLAY", display)
	}
	return m.Run(), nil
}

// needUI skips the test when there is no X server.
func needUI(t *testing.T) {
	t.Helper()
	if theEnv.skip != "" {
		t.Skip(theEnv.skip)
	}
}

// logBuf is a goroutine-safe growing buffer of a process's output.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuf) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// since returns the output after offset off.
func (b *logBuf) since(off int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	all := b.buf.Bytes()
	if off > len(all) {
		return ""
	}
	return string(all[off:])
}

// tail returns the last n lines.
func (b *logBuf) tail(n int) string {
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// proc is one child process in its own process group.
type proc struct {
	name  string
	cmd   *exec.Cmd
	out   *logBuf
	stdin io.WriteCloser
	done  chan struct{}
	err   error
}

func startProc(t *testing.T, name string, out *logBuf, withStdin bool, env []string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: out, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if withStdin {
		w, err := p.cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		p.stdin = w
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p
}

// kill sends sig to the process group and waits (bounded) for the end.
func (p *proc) kill(sig syscall.Signal) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case <-p.done:
		return nil
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		return fmt.Errorf("%s did not stop within 15s after %v", p.name, sig)
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitFor polls cond every 50ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// locksim drives the lock-bank simulator through its stdin.
type locksim struct {
	t    *testing.T
	p    *proc
	out  *logBuf
	link string
	mu   sync.Mutex
}

const simHelpEnd = "  help               this text\n"

// cmd sends one control line and returns what it printed. A "help"
// sent after it marks the end of the answer.
func (s *locksim) cmd(line string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	off := s.out.Len()
	if _, err := io.WriteString(s.p.stdin, line+"\nhelp\n"); err != nil {
		return "", fmt.Errorf("locksim %q: %w", line, err)
	}
	var ans string
	ok := waitFor(10*time.Second, func() bool {
		got := s.out.since(off)
		i := strings.Index(got, simHelpEnd)
		if i < 0 {
			return false
		}
		j := strings.Index(got, "commands (B = board")
		if j < 0 || j > i {
			return false
		}
		ans = got[:j]
		return true
	})
	if !ok {
		return "", fmt.Errorf("locksim %q: no answer within 10s", line)
	}
	if strings.Contains(ans, "error:") {
		return ans, fmt.Errorf("locksim %q: %s", line, strings.TrimSpace(ans))
	}
	return ans, nil
}

func (s *locksim) must(line string) string {
	s.t.Helper()
	ans, err := s.cmd(line)
	if err != nil {
		s.t.Fatal(err)
	}
	return ans
}

var unlockRE = regexp.MustCompile(`(?m)^\S+ board (\d+) lock (\d+)$`)

// unlocks returns every unlock the simulator received, oldest first.
func (s *locksim) unlocks() []locker.LockAddr {
	s.t.Helper()
	var out []locker.LockAddr
	for _, m := range unlockRE.FindAllStringSubmatch(s.must("unlocks"), -1) {
		b, _ := strconv.Atoi(m[1])
		l, _ := strconv.Atoi(m[2])
		out = append(out, locker.LockAddr{Board: b, Lock: l})
	}
	return out
}

var openRE = regexp.MustCompile(`board (\d+) open doors:(.*)`)

// openDoors returns the simulator's open doors.
func (s *locksim) openDoors() map[locker.LockAddr]bool {
	s.t.Helper()
	out := map[locker.LockAddr]bool{}
	for _, m := range openRE.FindAllStringSubmatch(s.must("state"), -1) {
		b, _ := strconv.Atoi(m[1])
		for _, f := range strings.Fields(m[2]) {
			l, _ := strconv.Atoi(strings.TrimSuffix(f, ":open"))
			out[locker.LockAddr{Board: b, Lock: l}] = true
		}
	}
	return out
}

// natsServer is a real nats-server with JetStream that can be stopped and
// started again on the same port and store.
type natsServer struct {
	port     int
	storeDir string
	emb      *uplink.Embedded
}

func (n *natsServer) start() error {
	emb, err := uplink.StartEmbedded(uplink.EmbeddedOptions{Port: n.port, StoreDir: n.storeDir, ServerName: "e2e"})
	if err != nil {
		return err
	}
	n.emb = emb
	return nil
}

func (n *natsServer) stop() {
	if n.emb != nil {
		n.emb.Shutdown()
		n.emb = nil
	}
}

func (n *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }

// options tune one harness.
type options struct {
	site, kiosk string
	expiry      time.Duration // default 72h
	autoClose   time.Duration // locksim --auto-close; default 1s
	jamAfter    time.Duration // default 3s
	staff       bool          // provision a staff member before the first start
	operatorKey string        // [uplink] operator_keys = [operatorKey] when set
	topTOML     string        // more top-level lines of the kiosk's TOML
	screenTOML  string        // more lines of its [screen] table
	itemSensors bool          // [lockboard] item_sensors = true (sensor_test.go)
}

// staffPIN and staffTOTP are the provisioned staff member's credentials.
const (
	staffID   = "S9"
	staffPIN  = "246810"
	staffTOTP = "JBSWY3DPEHPK3PXP"
)

// harness runs one whole system: locksim, nats-server, scanner pty, kiosk.
type harness struct {
	t       *testing.T
	o       options
	dir     string
	dataDir string
	cfgPath string
	// layoutPath is the kiosk's layout map (--layout-map): the screen
	// shown and where its buttons are, so taps find buttons by label.
	layoutPath string
	sim        *locksim
	nats       *natsServer
	nc         *nats.Conn
	js         jetstream.JetStream
	subj       uplink.Subjects
	scanM      *os.File // scanner pty master: the test writes codes here
	scanS      *os.File // slave, kept open so the line survives kiosk restarts
	kiosk      *proc
	kioskLog   *logBuf // every run of the kiosk, appended
	starts     int
	comps      map[string]locker.LockAddr // compartment -> lock, from the config
	doors      []config.Door
	events     *eventLog
	shots      string
	shotN      int
}

func newHarness(t *testing.T, o options) *harness {
	t.Helper()
	needUI(t)
	if o.site == "" {
		o.site = "e2e"
	}
	if o.kiosk == "" {
		o.kiosk = "k1"
	}
	if o.expiry == 0 {
		o.expiry = 72 * time.Hour
	}
	if o.autoClose == 0 {
		o.autoClose = time.Second
	}
	if o.jamAfter == 0 {
		o.jamAfter = 3 * time.Second
	}
	dir := t.TempDir()
	h := &harness{
		t: t, o: o, dir: dir, dataDir: filepath.Join(dir, "data"),
		subj:     uplink.Subjects{Site: o.site, Kiosk: o.kiosk},
		kioskLog: &logBuf{},
		comps:    map[string]locker.LockAddr{},
		shots:    filepath.Join(dir, "shots"),
	}
	_ = os.MkdirAll(h.shots, 0o755)
	if err := os.MkdirAll(h.dataDir, 0o750); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.close)

	// The lock bank.
	simOut := &logBuf{}
	link := filepath.Join(dir, "locker-bus")
	sp := startProc(t, "locksim", simOut, true, nil, filepath.Join(theEnv.bin, "locksim"),
		"--protocol", "kerong-cu16", "--boards", "2", "--link", link, "--auto-close", o.autoClose.String())
	h.sim = &locksim{t: t, p: sp, out: simOut, link: link}
	if !waitFor(10*time.Second, func() bool { return strings.Contains(simOut.String(), "locksim: ") }) {
		t.Fatalf("locksim did not start:\n%s", simOut.tail(20))
	}

	// NATS with the stream created before the kiosk starts.
	h.nats = &natsServer{port: lockertest.FreePort(t), storeDir: filepath.Join(dir, "nats")}
	if err := h.nats.start(); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(h.nats.url(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		t.Fatal(err)
	}
	h.nc = nc
	if h.js, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := uplink.EnsureStream(ctx, nc, uplink.StreamOptions{Create: true}); err != nil {
		t.Fatal(err)
	}
	h.events = &eventLog{h: h, ids: map[string]bool{}}

	// The serial scanner.
	if h.scanM, h.scanS, err = pty.Open(); err != nil {
		t.Fatal(err)
	}
	if err := makeRaw(h.scanS); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, h.scanM) }()

	h.writeConfig()
	if o.staff {
		h.provisionStaff()
	}
	h.startKiosk()
	return h
}

// makeRaw puts a tty in raw mode (no echo, no line editing).
func makeRaw(f *os.File) error {
	fd := int(f.Fd())
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	return unix.IoctlSetTermios(fd, unix.TCSETS, tio)
}

// writeConfig writes the kiosk's TOML: the demo bank's compartments on the
// locksim link, the test's NATS server and the scanner pty.
func (h *harness) writeConfig() {
	demo, err := config.Parse(assets.DemoConfig(), "demo.toml")
	if err != nil {
		h.t.Fatal(err)
	}
	h.doors = demo.Doors
	var b strings.Builder
	fmt.Fprintf(&b, "site = %q\nkiosk = %q\ndata_dir = %q\nexpiry = %q\n%s\n", h.o.site, h.o.kiosk, h.dataDir, h.o.expiry.String(), h.o.topTOML)
	fmt.Fprintf(&b, "[screen]\nfullscreen = false\nlanguage = \"en\"\n%s\n[log]\nformat = \"json\"\nlevel = \"debug\"\n\n", h.o.screenTOML)
	fmt.Fprintf(&b, "[lockboard]\nprotocol = \"kerong-cu16\"\nport = %q\njam_after = %q\nboards = [0, 1]\nitem_sensors = %v\n\n", h.sim.link, h.o.jamAfter.String(), h.o.itemSensors)
	fmt.Fprintf(&b, "[uplink]\nurl = %q\nheartbeat = \"5s\"\n", h.nats.url())
	if h.o.operatorKey != "" {
		fmt.Fprintf(&b, "operator_keys = [%q]\n", h.o.operatorKey)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "[scanner]\nhid = []\nserial = [%q]\n\n", h.scanS.Name())
	for _, d := range demo.Doors {
		fmt.Fprintf(&b, "[[compartment]]\nid = %q\nsize = %q\nboard = %d\nlock = %d\ncolumn = %d\nrow = %d\naccessible = %v\nrefrigerated = %v\n\n",
			d.ID, d.Size, d.Board, d.Lock, d.Column, d.Row, d.Accessible, d.Refrigerated)
		h.comps[d.ID] = locker.LockAddr{Board: d.Board, Lock: d.Lock}
	}
	h.cfgPath = filepath.Join(h.dir, "kiosk.toml")
	h.layoutPath = filepath.Join(h.dir, "layout.json")
	if err := os.WriteFile(h.cfgPath, []byte(b.String()), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// provisionStaff creates the database before the kiosk's first start with
// its secret and one staff member. There is no command that adds staff
// (only the demo seeds them), so the test writes them through the store.
func (h *harness) provisionStaff() {
	ctx := context.Background()
	db, err := store.Open(ctx, h.dbPath(), store.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	secret := make([]byte, locker.SecretLen)
	_, _ = rand.Read(secret)
	err = db.Apply(ctx, &locker.Change{
		Secret: secret,
		Staff:  []locker.Staff{{ID: staffID, Name: "Trial staff", PINHash: locker.HashStaffPIN(secret, staffPIN), TOTPSecret: staffTOTP}},
		Audit:  []locker.AuditEntry{{Time: time.Now(), Actor: "system", Action: "staff.upsert", Subject: staffID, Detail: "e2e provisioning"}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) dbPath() string { return filepath.Join(h.dataDir, "kiosk.db") }

// startKiosk starts the kiosk and waits until it runs, with its window.
func (h *harness) startKiosk() {
	h.t.Helper()
	h.starts++
	fmt.Fprintf(h.kioskLog, "=== e2e: kiosk start %d\n", h.starts)
	off := h.kioskLog.Len()
	_ = os.Remove(h.layoutPath) // the last run's screen is not this run's
	h.kiosk = startProc(h.t, "kiosk", h.kioskLog, false, []string{"DISPLAY=" + theEnv.display, "LANG=en_US.UTF-8"},
		filepath.Join(theEnv.bin, "kiosk"), "--config", h.cfgPath, "--windowed", "--layout-map", h.layoutPath)
	if !waitFor(30*time.Second, func() bool {
		return strings.Contains(h.kioskLog.since(off), `"msg":"kiosk started"`) || h.kiosk.exited()
	}) || h.kiosk.exited() {
		h.t.Fatalf("kiosk did not start:\n%s", h.kioskLog.tail(40))
	}
	// The window maps a moment after the services run; wait until the
	// first service answer so commands work too.
	if !waitFor(20*time.Second, func() bool { _, err := h.status(); return err == nil }) {
		h.t.Fatalf("kiosk does not answer status:\n%s", h.kioskLog.tail(40))
	}
	h.waitWindow()
	h.waitScannerOpen()
}

// waitScannerOpen waits until the kiosk has the scanner's pty open: codes
// written before are flushed by the port's open.
func (h *harness) waitScannerOpen() {
	h.t.Helper()
	pid := h.kiosk.cmd.Process.Pid
	want := h.scanS.Name()
	ok := waitFor(20*time.Second, func() bool {
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && l == want {
				return true
			}
		}
		return false
	})
	if !ok {
		h.t.Fatalf("kiosk did not open the scanner %s:\n%s", want, h.kioskLog.tail(40))
	}
	time.Sleep(200 * time.Millisecond)
}

// waitWindow waits until the kiosk's window is mapped on the display.
func (h *harness) waitWindow() {
	h.t.Helper()
	ok := waitFor(20*time.Second, func() bool {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "Parcel locker").Output()
		return err == nil && len(bytes.TrimSpace(out)) > 0
	})
	if !ok {
		h.t.Fatalf("kiosk window not visible:\n%s", h.kioskLog.tail(40))
	}
	// The first redraw at the window's size writes the layout map.
	if !waitFor(20*time.Second, func() bool { m, ok := h.layout(); return ok && m.Width > 0 && len(m.Items) > 0 }) {
		h.t.Fatalf("kiosk wrote no layout map to %s:\n%s", h.layoutPath, h.kioskLog.tail(40))
	}
	time.Sleep(300 * time.Millisecond) // first frame drawn
}

// stopKiosk ends the kiosk with sig (SIGTERM: clean stop; SIGKILL: power cut).
func (h *harness) stopKiosk(sig syscall.Signal) {
	h.t.Helper()
	if h.kiosk == nil {
		return
	}
	if err := h.kiosk.kill(sig); err != nil {
		h.t.Error(err)
	}
	fmt.Fprintf(h.kioskLog, "=== e2e: kiosk stopped with %v\n", sig)
	h.kiosk = nil
}

func (h *harness) close() {
	if dir := os.Getenv("E2E_SHOTS"); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, "kiosk.log"), []byte(h.kioskLog.String()), 0o644)
		if h.sim != nil {
			_ = os.WriteFile(filepath.Join(dir, "locksim.log"), []byte(h.sim.out.String()), 0o644)
		}
	}
	if h.t.Failed() {
		h.t.Logf("kiosk output (tail):\n%s", h.kioskLog.tail(60))
		if h.sim != nil {
			h.t.Logf("locksim output (tail):\n%s", h.sim.out.tail(30))
		}
		h.t.Logf("screenshots in %s", h.shots)
	}
	if h.kiosk != nil {
		_ = h.kiosk.kill(syscall.SIGKILL)
	}
	if h.sim != nil {
		_ = h.sim.p.kill(syscall.SIGKILL)
	}
	if h.nc != nil {
		h.nc.Close()
	}
	if h.nats != nil {
		h.nats.stop()
	}
	if h.scanM != nil {
		h.scanM.Close()
		h.scanS.Close()
	}
}

// scan sends one code through the serial scanner.
func (h *harness) scan(code string) {
	h.t.Helper()
	if _, err := io.WriteString(h.scanM, code+"\r\n"); err != nil {
		h.t.Fatal(err)
	}
}

// xdo runs xdotool on the test display.
func (h *harness) xdo(args ...string) {
	h.t.Helper()
	c := exec.Command("xdotool", args...)
	c.Env = append(os.Environ(), "DISPLAY="+theEnv.display)
	if out, err := c.CombinedOutput(); err != nil {
		h.t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
}

// click taps the screen at x, y.
func (h *harness) click(x, y int) {
	h.t.Helper()
	h.xdo("mousemove", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
	time.Sleep(300 * time.Millisecond) // a person's pause between taps
}

// typeText types like a person (150 ms a key) into the focused window.
func (h *harness) typeText(s string) {
	h.t.Helper()
	h.xdo("mousemove", "640", "60") // keys go to the window under the pointer
	h.xdo("type", "--delay", "150", s)
}

// key presses one named key (Return, BackSpace ...).
func (h *harness) key(name string) {
	h.t.Helper()
	h.xdo("key", name)
}

// shot saves a screenshot under the test's temp dir and returns its path.
func (h *harness) shot(name string) string {
	h.shotN++
	p := filepath.Join(h.shots, fmt.Sprintf("%02d-%s.png", h.shotN, name))
	c := exec.Command("import", "-window", "root", p)
	c.Env = append(os.Environ(), "DISPLAY="+theEnv.display)
	if out, err := c.CombinedOutput(); err != nil {
		h.t.Logf("screenshot %s: %v: %s", name, err, out)
	}
	if dir := os.Getenv("E2E_SHOTS"); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
		if b, err := os.ReadFile(p); err == nil {
			_ = os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644)
		}
	}
	return p
}

// reply is a command's answer.
type reply struct {
	OK    bool `json:"ok"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	raw []byte
}

// request sends command name to the kiosk with subjects subj.
func (h *harness) requestTo(subj uplink.Subjects, name string, body any, timeout time.Duration) (reply, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return reply{}, err
	}
	m, err := h.nc.Request(subj.Command(name), b, timeout)
	if err != nil {
		return reply{}, fmt.Errorf("command %s: %w", name, err)
	}
	var r reply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return reply{}, fmt.Errorf("command %s: reply %q: %w", name, m.Data, err)
	}
	r.raw = m.Data
	return r, nil
}

// command sends a command that must succeed and returns the raw reply.
func (h *harness) command(name string, body any) []byte {
	h.t.Helper()
	var r reply
	var err error
	// The kiosk may be restarting: retry for a while.
	ok := waitFor(30*time.Second, func() bool {
		r, err = h.requestTo(h.subj, name, body, 5*time.Second)
		return err == nil
	})
	if !ok {
		h.t.Fatalf("command %s: %v", name, err)
	}
	if !r.OK {
		h.t.Fatalf("command %s refused: %s", name, r.raw)
	}
	return r.raw
}

// statusReply is the status command's answer.
type statusReply struct {
	OK            bool `json:"ok"`
	BoardOnline   bool `json:"board_online"`
	OutboxBacklog int  `json:"outbox_backlog"`
	Compartments  []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Door   string `json:"door"`
	} `json:"compartments"`
}

func (h *harness) status() (statusReply, error) {
	r, err := h.requestTo(h.subj, "status", struct{}{}, 3*time.Second)
	if err != nil {
		return statusReply{}, err
	}
	var st statusReply
	if err := json.Unmarshal(r.raw, &st); err != nil {
		return st, err
	}
	if !st.OK {
		return st, fmt.Errorf("status refused: %s", r.raw)
	}
	return st, nil
}

// lockerctl runs the lockerctl binary and returns its output.
func (h *harness) lockerctl(args ...string) (string, error) {
	c := exec.Command(filepath.Join(theEnv.bin, "lockerctl"), args...)
	out, err := c.CombinedOutput()
	return string(out), err
}

// event is one envelope read back from JetStream.
type event struct {
	StreamSeq uint64 `json:"-"`
	Subject   string `json:"-"`
	MsgID     string `json:"-"`
	ID        string `json:"id"`
	Seq       uint64 `json:"seq"`
	Type      string `json:"type"`
	Site      string `json:"site"`
	Kiosk     string `json:"kiosk"`
	Data      struct {
		ParcelID    string `json:"parcel_id"`
		Barcode     string `json:"barcode"`
		RecipientID string `json:"recipient_id"`
		Compartment string `json:"compartment"`
		PIN         string `json:"pin"`
		QR          string `json:"qr"`
		By          string `json:"by"`
		Commanded   *bool  `json:"commanded"`
		Status      string `json:"status"` // compartment.status
	} `json:"data"`
	Raw []byte `json:"-"`
}

// eventLog reads the stream incrementally.
type eventLog struct {
	h    *harness
	mu   sync.Mutex
	last uint64
	all  []event
	ids  map[string]bool
}

// sync reads every stream message not read yet. Errors (uplink down) leave
// the log as it is.
func (l *eventLog) sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := l.h.js.Stream(ctx, uplink.StreamName)
	if err != nil {
		return err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return err
	}
	for seq := l.last + 1; seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			return fmt.Errorf("stream seq %d: %w", seq, err)
		}
		var e event
		if err := json.Unmarshal(m.Data, &e); err != nil {
			return fmt.Errorf("stream seq %d: %w", seq, err)
		}
		e.StreamSeq, e.Subject, e.MsgID, e.Raw = seq, m.Subject, m.Header.Get(nats.MsgIdHdr), m.Data
		l.all = append(l.all, e)
		l.last = seq
	}
	return nil
}

// snapshot returns a copy of every event read so far.
func (l *eventLog) snapshot() []event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]event(nil), l.all...)
}

// count syncs with the stream and returns how many events it holds: a
// mark for waitAfter.
func (l *eventLog) count() int {
	_ = l.sync()
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.all)
}

// wait polls the stream until an event matching pred arrives, and returns it.
func (l *eventLog) wait(d time.Duration, what string, pred func(event) bool) event {
	l.h.t.Helper()
	return l.waitAfter(0, d, what, pred)
}

// waitAfter is wait for the events after the first n (see count).
func (l *eventLog) waitAfter(n int, d time.Duration, what string, pred func(event) bool) event {
	l.h.t.Helper()
	var found event
	ok := waitFor(d, func() bool {
		_ = l.sync()
		all := l.snapshot()
		for _, e := range all[min(n, len(all)):] {
			if pred(e) {
				found = e
				return true
			}
		}
		return false
	})
	if !ok {
		l.h.shot("no-event")
		l.h.t.Fatalf("no %s event within %v", what, d)
	}
	return found
}

// find returns the events matching pred.
func (l *eventLog) find(pred func(event) bool) []event {
	return l.findAfter(0, pred)
}

// findAfter is find for the events after the first n (see count).
func (l *eventLog) findAfter(n int, pred func(event) bool) []event {
	var out []event
	all := l.snapshot()
	for _, e := range all[min(n, len(all)):] {
		if pred(e) {
			out = append(out, e)
		}
	}
	return out
}

func ofType(typ string) func(event) bool {
	return func(e event) bool { return e.Type == typ }
}

func parcelEvent(typ, parcelID string) func(event) bool {
	return func(e event) bool { return e.Type == typ && e.Data.ParcelID == parcelID }
}

// checkStream asserts the whole stream is this kiosk's events exactly once
// and in order: envelope seq 1..N equal to the stream order, ids unique,
// Nats-Msg-Id the event id, subject per type. It returns the events.
func (h *harness) checkStream() []event {
	h.t.Helper()
	if err := h.events.sync(); err != nil {
		h.t.Fatalf("read stream: %v", err)
	}
	all := h.events.snapshot()
	ids := map[string]uint64{}
	for i, e := range all {
		if e.Seq != uint64(i+1) {
			h.t.Fatalf("stream message %d has event seq %d: not gap-free, duplicated or out of order (type %s id %s)", e.StreamSeq, e.Seq, e.Type, e.ID)
		}
		if prev, dup := ids[e.ID]; dup {
			h.t.Fatalf("event id %s twice in the stream (seq %d and %d)", e.ID, prev, e.Seq)
		}
		ids[e.ID] = e.Seq
		if e.MsgID != e.ID {
			h.t.Errorf("event %d: Nats-Msg-Id %q, want the event id %q", e.Seq, e.MsgID, e.ID)
		}
		if want := h.subj.Event(e.Type); e.Subject != want || e.Site != h.o.site || e.Kiosk != h.o.kiosk {
			h.t.Errorf("event %d: subject %q site %q kiosk %q, want %q", e.Seq, e.Subject, e.Site, e.Kiosk, want)
		}
	}
	return all
}

// waitDrained waits until the kiosk's outbox is empty and the stream has
// caught up, then checks the stream.
func (h *harness) waitDrained(d time.Duration) []event {
	h.t.Helper()
	var st statusReply
	var err error
	if !waitFor(d, func() bool {
		st, err = h.status()
		return err == nil && st.OutboxBacklog == 0
	}) {
		h.t.Fatalf("outbox not drained within %v: backlog %d, err %v", d, st.OutboxBacklog, err)
	}
	return h.checkStream()
}

// checkDoors asserts the database's door states (status command) match the
// simulator's, once the kiosk has polled (bounded wait for them to agree).
func (h *harness) checkDoors() {
	h.t.Helper()
	var diff []string
	ok := waitFor(10*time.Second, func() bool {
		st, err := h.status()
		if err != nil {
			diff = []string{err.Error()}
			return false
		}
		open := h.sim.openDoors()
		diff = nil
		for _, c := range st.Compartments {
			simOpen := open[h.comps[c.ID]]
			if (c.Door == "open") != simOpen {
				diff = append(diff, fmt.Sprintf("%s: kiosk %s, simulator open=%v", c.ID, c.Door, simOpen))
			}
		}
		return len(diff) == 0
	})
	if !ok {
		h.t.Errorf("door states differ between the kiosk and the simulator: %v", diff)
	}
}

// checkAudit runs `lockerctl db check` on the kiosk's database.
func (h *harness) checkAudit() {
	h.t.Helper()
	out, err := h.lockerctl("db", "check", "--db", h.dbPath())
	if err != nil {
		h.t.Errorf("lockerctl db check: %v\n%s", err, out)
	}
}

// exportedParcel is one row of `lockerctl db export --what parcels --format json`.
type exportedParcel struct {
	ID            string `json:"id"`
	Barcode       string `json:"barcode"`
	Status        string `json:"status"`
	CompartmentID string `json:"compartment_id"`
}

// parcels exports the kiosk's parcels with lockerctl.
func (h *harness) parcels() map[string]exportedParcel {
	h.t.Helper()
	out, err := h.lockerctl("db", "export", "--db", h.dbPath(), "--what", "parcels", "--format", "json")
	if err != nil {
		h.t.Fatalf("lockerctl db export: %v\n%s", err, out)
	}
	var list []exportedParcel
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		// Some exporters write one object per line.
		list = nil
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var p exportedParcel
			if err := json.Unmarshal([]byte(line), &p); err != nil {
				h.t.Fatalf("lockerctl db export: %v\n%.500s", err, out)
			}
			list = append(list, p)
		}
	}
	m := map[string]exportedParcel{}
	for _, p := range list {
		m[p.ID] = p
	}
	return m
}

// auditCount returns how many audit rows have action, read with lockerctl.
func (h *harness) auditCount(action string) int {
	h.t.Helper()
	out, err := h.lockerctl("db", "export", "--db", h.dbPath(), "--what", "audit", "--format", "json")
	if err != nil {
		h.t.Logf("lockerctl db export audit: %v: %.300s", err, out)
		return -1
	}
	var rows []struct {
		Action string `json:"action"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		h.t.Fatalf("audit export: %v: %.300s", err, out)
	}
	n := 0
	for _, r := range rows {
		if r.Action == action {
			n++
		}
	}
	return n
}

// windowGeometry returns the kiosk window's position and size.
func (h *harness) windowGeometry() (x, y, w, ht int) {
	h.t.Helper()
	out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "Parcel locker", "getwindowgeometry", "--shell").Output()
	if err != nil {
		h.t.Fatalf("xdotool getwindowgeometry: %v", err)
	}
	for _, line := range strings.Fields(string(out)) {
		k, v, _ := strings.Cut(line, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "X":
			x = n
		case "Y":
			y = n
		case "WIDTH":
			w = n
		case "HEIGHT":
			ht = n
		}
	}
	return x, y, w, ht
}
