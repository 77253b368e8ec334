package packaging

import (
	"bufio"
	"bytes"
	"image/png"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/parcelkiosk/locker/config"
)

const repoRoot = ".."

// packaged is every file the .deb must hold, and nothing else.
var packaged = []string{
	"/etc/parcelkiosk/kiosk.toml",
	"/usr/bin/kiosk",
	"/usr/bin/lockerctl",
	"/usr/bin/locksim",
	"/usr/lib/parcelkiosk/x11-prepare",
	"/usr/lib/parcelkiosk/x11-ready",
	"/usr/lib/systemd/system/parcelkiosk-x11.service",
	"/usr/lib/systemd/system/parcelkiosk.service",
	"/usr/lib/udev/rules.d/60-parcelkiosk.rules",
	"/usr/share/doc/parcelkiosk/INSTALL.md",
	"/usr/share/doc/parcelkiosk/kiosk.example.toml",
	"/usr/share/icons/hicolor/512x512/apps/org.parcelkiosk.kiosk.png",
	"/usr/share/parcelkiosk/xorg-kiosk.conf",
}

// missing skips the test for something this machine lacks, or fails it
// under CI, where packaging/deps.sh has installed everything.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format+" (CI ran packaging/deps.sh, so this is a failure)", args...)
	}
	t.Skipf(format, args...)
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing(t, "%s is not installed (bash packaging/deps.sh installs it)", tool)
		}
	}
}

func run(t *testing.T, dir string, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// testVersion is the version the test packages are built with: the
// kiosk's --version must print it.
const testVersion = "0.1.0-packagetest"

// buildDeb builds the .deb for the Go architecture arch with `make package
// ARCH=arch` into a temporary directory and returns its path. It needs the
// Debian packages `bash packaging/deps.sh arch` installs (it checks, and
// installs nothing itself).
func buildDeb(t *testing.T, arch string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: building the binaries and the .deb takes a while")
	}
	need(t, "make", "dpkg-deb")
	check := exec.CommandContext(t.Context(), "bash", "deps.sh", "--check", arch)
	if out, err := check.CombinedOutput(); err != nil {
		missing(t, "cannot build the %s package here: %v\n%s(bash packaging/deps.sh %s installs what it needs)", arch, err, out, arch)
	}
	bin := t.TempDir()
	// make runs nfpm with `go tool`, which builds it on a cold cache: the
	// first run on a fresh machine works as well as the next.
	run(t, repoRoot, nil, "make", "--no-print-directory", "package",
		"ARCH="+arch, "BIN="+bin, "VERSION="+testVersion, "PKG_PRERELEASE=test")
	deb := filepath.Join(bin, "parcelkiosk_0.1.0~test-1_"+arch+".deb")
	if _, err := os.Stat(deb); err != nil {
		ents, _ := os.ReadDir(bin)
		t.Fatalf("no %s; make package made %v", filepath.Base(deb), ents)
	}
	return deb
}

// debFiles lists the files (not directories) of a .deb, sorted, with their
// "mode owner" as dpkg-deb -c shows them.
func debFiles(t *testing.T, deb string) ([]string, map[string]string) {
	t.Helper()
	listing := string(run(t, "", nil, "dpkg-deb", "-c", deb))
	var files []string
	modes := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(listing), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || strings.HasPrefix(f[0], "d") {
			continue
		}
		name := strings.TrimPrefix(f[5], ".")
		files = append(files, name)
		modes[name] = f[0] + " " + f[1]
	}
	slices.Sort(files)
	return files, modes
}

func TestDeb(t *testing.T) {
	need(t, "systemd-analyze")
	deb := buildDeb(t, runtime.GOARCH)

	t.Run("contents", func(t *testing.T) {
		files, modes := debFiles(t, deb)
		if !slices.Equal(files, packaged) {
			t.Errorf("dpkg-deb -c lists\n%s\nwant\n%s", strings.Join(files, "\n"), strings.Join(packaged, "\n"))
		}
		for name, want := range map[string]string{
			"/usr/bin/kiosk":                             "-rwxr-xr-x root/root",
			"/usr/lib/parcelkiosk/x11-ready":             "-rwxr-xr-x root/root",
			"/etc/parcelkiosk/kiosk.toml":                "-rw-r----- root/root",
			"/usr/lib/udev/rules.d/60-parcelkiosk.rules": "-rw-r--r-- root/root",
		} {
			if modes[name] != want {
				t.Errorf("%s: %q, want %q", name, modes[name], want)
			}
		}
	})

	t.Run("control", func(t *testing.T) {
		fields := string(run(t, "", nil, "dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends"))
		for _, want := range []string{"Package: parcelkiosk", "Version: 0.1.0~test-1", "Architecture: " + runtime.GOARCH, "xserver-xorg-core", "x11-xserver-utils", "xauth"} {
			if !strings.Contains(fields, want) {
				t.Errorf("control lacks %q:\n%s", want, fields)
			}
		}
		ctl := t.TempDir()
		run(t, "", nil, "dpkg-deb", "-e", deb, ctl)
		conf, err := os.ReadFile(filepath.Join(ctl, "conffiles"))
		if err != nil || strings.TrimSpace(string(conf)) != "/etc/parcelkiosk/kiosk.toml" {
			t.Errorf("conffiles = %q, %v; want /etc/parcelkiosk/kiosk.toml", conf, err)
		}
		for _, s := range []string{"postinst", "prerm", "postrm"} {
			st, err := os.Stat(filepath.Join(ctl, s))
			if err != nil || st.Mode()&0o111 == 0 {
				t.Errorf("%s: %v, mode %v; want an executable maintainer script", s, err, st)
				continue
			}
			run(t, "", nil, "sh", "-n", filepath.Join(ctl, s))
		}
	})

	root := t.TempDir()
	run(t, "", nil, "dpkg-deb", "-x", deb, root)

	t.Run("systemd-analyze verify", func(t *testing.T) {
		verifyUnits(t, root)
	})

	t.Run("packaged config loads", func(t *testing.T) {
		o := config.Options{Stat: func(name string) (fs.FileInfo, error) {
			if name == "/dev/locker-bus" {
				return nil, nil
			}
			return nil, fs.ErrNotExist
		}}
		c, err := config.LoadWith(filepath.Join(root, "etc/parcelkiosk/kiosk.toml"), o)
		if err != nil {
			t.Fatal(err)
		}
		if c.Lockboard.Port != "/dev/locker-bus" || c.DataDir != "/var/lib/parcelkiosk" {
			t.Errorf("packaged config: port %q data_dir %q; want the udev name and the unit's data dir", c.Lockboard.Port, c.DataDir)
		}
	})

	t.Run("binaries run", func(t *testing.T) {
		out, _ := exec.CommandContext(t.Context(), filepath.Join(root, "usr/bin/lockerctl"), "help").CombinedOutput()
		if !strings.Contains(string(out), "usage: lockerctl") {
			t.Errorf("packaged lockerctl help:\n%s", out)
		}
		// The packaged kiosk checks the packaged config; the bus adapter is
		// not plugged in here: a warning with its line, and exit 0.
		conf := filepath.Join(root, "etc/parcelkiosk/kiosk.toml")
		out, err := exec.CommandContext(t.Context(), filepath.Join(root, "usr/bin/kiosk"), "--check-config", conf).CombinedOutput()
		if _, statErr := os.Stat("/dev/locker-bus"); statErr == nil {
			t.Skip("this machine has a /dev/locker-bus")
		}
		want := regexp.MustCompile(`warning: config: ` + regexp.QuoteMeta(conf) + `:\d+: port "/dev/locker-bus" does not exist`)
		if err != nil || !want.Match(out) {
			t.Errorf("kiosk --check-config: %v\n%s\nwant success with a warning matching %s", err, out, want)
		}
	})
}

// execPath finds the program of Exec*= lines, after systemd's prefixes.
var execPath = regexp.MustCompile(`(?m)^(Exec[A-Za-z]*=[-@:+!]*)(/\S+)`)

// verifyUnits copies the unpacked units with their programs pointing into
// root (systemd-analyze verify needs every ExecStart program to exist), and
// verifies them together. Programs of other packages missing on this host
// (Xorg) are replaced by /bin/true, with a note.
func verifyUnits(t *testing.T, root string) {
	dir := t.TempDir()
	var units []string
	for _, name := range []string{"parcelkiosk.service", "parcelkiosk-x11.service"} {
		b, err := os.ReadFile(filepath.Join(root, "usr/lib/systemd/system", name))
		if err != nil {
			t.Fatal(err)
		}
		rooted := 0
		src := execPath.ReplaceAllStringFunc(string(b), func(m string) string {
			p := execPath.FindStringSubmatch(m)
			switch {
			case fileExists(filepath.Join(root, p[2])):
				rooted++
				return p[1] + filepath.Join(root, p[2])
			case fileExists(p[2]):
				return m
			default:
				t.Logf("%s: %s is not installed on this host; verifying with /bin/true in its place", name, p[2])
				return p[1] + "/bin/true"
			}
		})
		if rooted == 0 {
			t.Errorf("%s runs none of the packaged programs", name)
		}
		units = append(units, filepath.Join(dir, name))
		if err := os.WriteFile(units[len(units)-1], []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), "systemd-analyze", append([]string{"verify"}, units...)...)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// unitSettings reads a unit file into key -> values (in order).
func unitSettings(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok {
			out[k] = append(out[k], v)
		}
	}
	return out
}

func TestKioskUnitSettings(t *testing.T) {
	s := unitSettings(t, "parcelkiosk.service")
	for k, want := range map[string]string{
		"Type":                  "notify",
		"NotifyAccess":          "main",
		"Restart":               "always",
		"WatchdogSec":           "30s",
		"User":                  "parcelkiosk",
		"ProtectSystem":         "strict",
		"ReadWritePaths":        "/var/lib/parcelkiosk",
		"PrivateTmp":            "yes",
		"DevicePolicy":          "closed",
		"NoNewPrivileges":       "yes",
		"Requires":              "parcelkiosk-x11.service",
		"ExecStart":             "/usr/bin/kiosk --config /etc/parcelkiosk/kiosk.toml",
		"StartLimitIntervalSec": "0",
	} {
		if got := s[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, dev := range []string{"char-ttyUSB rw", "char-ttyACM rw", "char-video4linux rw", "char-input rw", "char-drm rw"} {
		if !slices.Contains(s["DeviceAllow"], dev) {
			t.Errorf("DeviceAllow lacks %q: %q", dev, s["DeviceAllow"])
		}
	}
	x := unitSettings(t, "kiosk-session/parcelkiosk-x11.service")
	start := strings.Join(x["ExecStart"], " ")
	for _, want := range []string{"/usr/bin/Xorg :0 vt7", "-nocursor", "-s 0", "-dpms", "-nolisten tcp", "-auth /run/parcelkiosk-x11/Xauthority"} {
		if !strings.Contains(start, want) {
			t.Errorf("Xorg ExecStart %q lacks %q", start, want)
		}
	}
	if got := x["Restart"]; !slices.Equal(got, []string{"always"}) {
		t.Errorf("X unit Restart = %q", got)
	}
	ready, err := os.ReadFile("kiosk-session/x11-ready")
	if err != nil || !strings.Contains(string(ready), "xset s off -dpms s noblank") {
		t.Errorf("x11-ready does not turn blanking off: %v", err)
	}
}

func TestUdevRules(t *testing.T) {
	const path = "udev/60-parcelkiosk.rules"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	symlinks := map[string]bool{}
	active := 0
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		active++
		if !strings.Contains(line, `GROUP="parcelkiosk"`) || !strings.Contains(line, `MODE="0660"`) {
			t.Errorf("line %d does not give the device to group parcelkiosk, mode 0660: %s", i+1, line)
		}
		if !strings.Contains(line, `ATTRS{idVendor}==`) && !strings.Contains(line, `SUBSYSTEM=="video4linux"`) {
			t.Errorf("line %d matches no vendor: %s", i+1, line)
		}
		for _, m := range regexp.MustCompile(`SYMLINK\+="([^"]+)"`).FindAllStringSubmatch(line, -1) {
			symlinks[m[1]] = true
		}
	}
	for _, want := range []string{"locker-bus", "locker-scanner"} {
		if !symlinks[want] {
			t.Errorf("no rule makes /dev/%s (have %v)", want, slices.Sorted(maps.Keys(symlinks)))
		}
	}
	if active < 3 {
		t.Errorf("only %d active rules", active)
	}
	if _, err := exec.LookPath("udevadm"); err == nil {
		out, err := exec.CommandContext(t.Context(), "udevadm", "verify", path).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "Unknown command") && !strings.Contains(string(out), "verify") {
			t.Errorf("udevadm verify: %v\n%s", err, out)
		}
	}
}

// fakeCommands puts shell scripts named after each command in a directory:
// each logs its name and arguments to log. getent succeeds only for the
// entries listed in known ("passwd parcelkiosk", "group dialout", ...).
func fakeCommands(t *testing.T, known []string, cmds ...string) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(dir, "calls.log")
	for _, c := range cmds {
		script := "#!/bin/sh\necho \"" + c + " $*\" >> " + log + "\n"
		if c == "getent" {
			script += "case \"$1 $2\" in\n"
			for _, k := range known {
				script += "'" + k + "') exit 0 ;;\n"
			}
			script += "esac\nexit 2\n"
		}
		if err := os.WriteFile(filepath.Join(dir, c), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, log
}

// runScript runs a maintainer script with only the fake commands on PATH
// (so nothing on this machine is touched) and returns the calls it made.
func runScript(t *testing.T, script string, known []string, args ...string) []string {
	t.Helper()
	dir, log := fakeCommands(t, known, "getent", "groupadd", "useradd", "usermod", "install",
		"chown", "chmod", "udevadm", "systemctl", "rm")
	cmd := exec.CommandContext(t.Context(), "/bin/sh", append([]string{script}, args...)...)
	cmd.Env = []string{"PATH=" + dir}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, out)
	}
	b, _ := os.ReadFile(log)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestMaintainerScripts(t *testing.T) {
	_, err := os.Stat("/run/systemd/system")
	systemd := err == nil // the scripts talk to systemctl only on a systemd host
	has := func(calls []string, prefix string) bool {
		return slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, prefix) })
	}

	t.Run("fresh install", func(t *testing.T) {
		calls := runScript(t, "scripts/postinst", []string{"group dialout", "group input"}, "configure", "")
		for _, want := range []string{
			"groupadd --system parcelkiosk",
			"useradd --system --gid parcelkiosk --home-dir /var/lib/parcelkiosk --no-create-home --shell /usr/sbin/nologin",
			"usermod --append --groups dialout parcelkiosk",
			"usermod --append --groups input parcelkiosk",
			"install -d -o parcelkiosk -g parcelkiosk -m 0750 /var/lib/parcelkiosk",
			"chown root:parcelkiosk /etc/parcelkiosk /etc/parcelkiosk/kiosk.toml",
			"chmod 0640 /etc/parcelkiosk/kiosk.toml",
			"udevadm control --reload-rules",
		} {
			if !has(calls, want) {
				t.Errorf("postinst did not run %q; calls:\n%s", want, strings.Join(calls, "\n"))
			}
		}
		if has(calls, "usermod --append --groups video") {
			t.Error("postinst added the user to a group that does not exist")
		}
		if has(calls, "systemctl enable parcelkiosk.service") != systemd || has(calls, "systemctl try-restart") {
			t.Errorf("postinst systemctl calls wrong for a fresh install (systemd host: %v):\n%s", systemd, strings.Join(calls, "\n"))
		}
	})

	t.Run("upgrade", func(t *testing.T) {
		calls := runScript(t, "scripts/postinst", []string{"group parcelkiosk", "passwd parcelkiosk"}, "configure", "0.0.9-1")
		if has(calls, "groupadd") || has(calls, "useradd") {
			t.Errorf("postinst recreated an existing user:\n%s", strings.Join(calls, "\n"))
		}
		if !has(calls, "install -d -o parcelkiosk -g parcelkiosk -m 0750 /var/lib/parcelkiosk") {
			t.Errorf("postinst did not ensure the data directory on upgrade")
		}
		if has(calls, "systemctl try-restart parcelkiosk.service") != systemd || has(calls, "systemctl enable") {
			t.Errorf("postinst systemctl calls wrong for an upgrade:\n%s", strings.Join(calls, "\n"))
		}
	})

	t.Run("remove keeps the data", func(t *testing.T) {
		calls := runScript(t, "scripts/postrm", nil, "remove")
		if has(calls, "rm") {
			t.Errorf("postrm remove deleted something:\n%s", strings.Join(calls, "\n"))
		}
	})

	t.Run("purge keeps the database", func(t *testing.T) {
		calls := runScript(t, "scripts/postrm", nil, "purge")
		if !has(calls, "rm -rf /etc/parcelkiosk /run/parcelkiosk-x11") {
			t.Errorf("postrm purge did not remove the configuration:\n%s", strings.Join(calls, "\n"))
		}
		for _, c := range calls {
			if strings.HasPrefix(c, "rm") && strings.Contains(c, "/var/lib/parcelkiosk") {
				t.Errorf("postrm purge deleted the database: %s", c)
			}
		}
	})

	t.Run("prerm stops the kiosk on remove only", func(t *testing.T) {
		calls := runScript(t, "scripts/prerm", nil, "remove")
		if has(calls, "systemctl stop parcelkiosk.service parcelkiosk-x11.service") != systemd {
			t.Errorf("prerm remove calls:\n%s", strings.Join(calls, "\n"))
		}
		if calls := runScript(t, "scripts/prerm", nil, "upgrade", "0.2.0-1"); has(calls, "systemctl") {
			t.Errorf("prerm upgrade stopped the kiosk:\n%s", strings.Join(calls, "\n"))
		}
	})
}

func TestX11Prepare(t *testing.T) {
	need(t, "xauth", "od")
	// chgrp to parcelkiosk needs the group: fake it, use the real rest.
	fake, log := fakeCommands(t, nil, "chgrp")
	auth := filepath.Join(t.TempDir(), "x11", "Xauthority")
	cookie := regexp.MustCompile(`MIT-MAGIC-COOKIE-1\s+([0-9a-f]{32})`)
	var cookies []string
	for range 2 {
		cmd := exec.CommandContext(t.Context(), "/bin/sh", "kiosk-session/x11-prepare", auth)
		cmd.Env = []string{"PATH=" + fake + ":" + os.Getenv("PATH")}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("x11-prepare: %v\n%s", err, out)
		}
		st, err := os.Stat(auth)
		if err != nil || st.Mode().Perm() != 0o640 {
			t.Fatalf("auth file: %v, mode %v; want 0640", err, st)
		}
		list := run(t, "", nil, "xauth", "-f", auth, "list")
		m := cookie.FindSubmatch(list)
		if m == nil {
			t.Fatalf("xauth list = %q, want one MIT-MAGIC-COOKIE-1 for :0", list)
		}
		cookies = append(cookies, string(m[1]))
	}
	if cookies[0] == cookies[1] {
		t.Error("x11-prepare wrote the same cookie twice")
	}
	calls, _ := os.ReadFile(log)
	if !strings.Contains(string(calls), "chgrp parcelkiosk "+auth) {
		t.Errorf("the auth file was not given to group parcelkiosk; calls: %s", calls)
	}
}

func TestShellScriptsParse(t *testing.T) {
	for _, s := range []string{"scripts/postinst", "scripts/prerm", "scripts/postrm", "kiosk-session/x11-prepare", "kiosk-session/x11-ready"} {
		st, err := os.Stat(s)
		if err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable in the tree: %v", s, err)
		}
		run(t, "", nil, "sh", "-n", s)
	}
}

// nfpmVersion is the version line of nfpm.yaml.
var nfpmVersion = regexp.MustCompile(`(?m)^version: (\S+)$`)

func TestFyneApp(t *testing.T) {
	var app struct {
		Details struct {
			Icon, Name, ID, Version string
			Build                   int
		}
	}
	md, err := toml.DecodeFile(filepath.Join(repoRoot, "FyneApp.toml"), &app)
	if err != nil {
		t.Fatal(err)
	}
	if !md.IsDefined("Details", "Name") || app.Details.ID != "org.parcelkiosk.kiosk" || app.Details.Build < 1 {
		t.Errorf("FyneApp.toml details: %+v", app.Details)
	}
	recipe, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m := nfpmVersion.FindSubmatch(recipe); m == nil || string(m[1]) != app.Details.Version {
		t.Errorf("FyneApp.toml version %q differs from nfpm.yaml %q", app.Details.Version, m)
	}
	f, err := os.Open(filepath.Join(repoRoot, app.Details.Icon))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 512 || cfg.Height != 512 {
		t.Errorf("icon %s: %dx%d, %v; want a 512x512 PNG", app.Details.Icon, cfg.Width, cfg.Height, err)
	}
}
