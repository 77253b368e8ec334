package packaging

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"
)

// recipeFile is one `- src:` / `dst:` pair of nfpm.yaml's contents.
var recipeFile = regexp.MustCompile(`(?m)^\s*- src: (\S+)\n\s*dst: (\S+)$`)

// recipeSources maps each file nfpm.yaml packages to its source, relative
// to the repository root, for the files taken from the tree as they are
// (not the built binaries).
func recipeSources(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[string]string{}
	for _, m := range recipeFile.FindAllStringSubmatch(string(b), -1) {
		if !strings.Contains(m[1], "$") {
			srcs[m[2]] = m[1]
		}
	}
	if len(srcs) < 5 {
		t.Fatalf("found only %d source files in nfpm.yaml: %v", len(srcs), srcs)
	}
	return srcs
}

// qemuTimeout bounds one program run under qemu-user: a few seconds are
// enough, the margin is for a loaded machine. It turns a hang into a failure.
const qemuTimeout = 5 * time.Minute

// TestDebArm64 builds the arm64 package with the cross toolchain, checks it
// holds the same files as the tree and the native package, and runs its
// programs under qemu-user. qemu runs them without -L: the dynamic loader
// and the X11/GL libraries the kiosk links are the arm64 multiarch packages
// deps.sh installs in /lib and /usr/lib/aarch64-linux-gnu.
func TestDebArm64(t *testing.T) {
	if runtime.GOARCH == "arm64" {
		t.Skip("this machine is arm64: TestDeb builds and runs the arm64 package natively")
	}
	need(t, "qemu-aarch64")
	deb := buildDeb(t, "arm64")

	t.Run("control", func(t *testing.T) {
		fields := string(run(t, "", nil, "dpkg-deb", "-f", deb, "Package", "Architecture", "Depends"))
		for _, want := range []string{"Package: parcelkiosk", "Architecture: arm64", "libgl1", "xserver-xorg-core"} {
			if !strings.Contains(fields, want) {
				t.Errorf("control lacks %q:\n%s", want, fields)
			}
		}
	})

	t.Run("contents", func(t *testing.T) {
		files, modes := debFiles(t, deb)
		if !slices.Equal(files, packaged) {
			t.Errorf("dpkg-deb -c lists\n%s\nwant\n%s", strings.Join(files, "\n"), strings.Join(packaged, "\n"))
		}
		if got := modes["/usr/bin/kiosk"]; got != "-rwxr-xr-x root/root" {
			t.Errorf("/usr/bin/kiosk: %q", got)
		}
	})

	root := t.TempDir()
	run(t, "", nil, "dpkg-deb", "-x", deb, root)

	t.Run("same unit, rules and session files as the tree", func(t *testing.T) {
		for dst, src := range recipeSources(t) {
			got, err := os.ReadFile(filepath.Join(root, dst))
			if err != nil {
				t.Errorf("%s: %v", dst, err)
				continue
			}
			want, err := os.ReadFile(filepath.Join(repoRoot, src))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s", dst, src)
			}
		}
	})

	t.Run("binaries are arm64", func(t *testing.T) {
		for _, name := range []string{"kiosk", "lockerctl", "locksim"} {
			f, err := elf.Open(filepath.Join(root, "usr/bin", name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if f.Machine != elf.EM_AARCH64 {
				t.Errorf("%s is for %v, want EM_AARCH64", name, f.Machine)
			}
			// The kiosk links the arm64 GL and X11 libraries (cgo for Fyne).
			if name == "kiosk" {
				libs, err := f.ImportedLibraries()
				if err != nil || !slices.Contains(libs, "libGL.so.1") || !slices.Contains(libs, "libX11.so.6") {
					t.Errorf("kiosk links %v (%v); want libGL.so.1 and libX11.so.6", libs, err)
				}
			}
			f.Close()
		}
	})

	// arm64 runs a packaged program under qemu-user and returns its standard
	// output; its standard error goes into the failure message.
	arm64 := func(t *testing.T, prog string, args ...string) (string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), qemuTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "qemu-aarch64", append([]string{filepath.Join(root, "usr/bin", prog)}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			err = &runError{err: err, stderr: stderr.String()}
		}
		return string(out), err
	}

	t.Run("lockerctl decode", func(t *testing.T) {
		const text = "PK-ARM64-7Q2M"
		img := filepath.Join(t.TempDir(), "code.png")
		if err := qrcode.WriteFile(text, qrcode.Medium, 256, img); err != nil {
			t.Fatal(err)
		}
		out, err := arm64(t, "lockerctl", "decode", img)
		if err != nil || out != img+"\tQR\t"+text+"\n" {
			t.Errorf("lockerctl decode under qemu: %q, %v; want %q", out, err, img+"\tQR\t"+text+"\n")
		}
	})

	t.Run("kiosk --version", func(t *testing.T) {
		out, err := arm64(t, "kiosk", "--version")
		if err != nil || out != testVersion+"\n" {
			t.Errorf("kiosk --version under qemu: %q, %v; want %q", out, err, testVersion)
		}
	})

	t.Run("kiosk --check-config", func(t *testing.T) {
		packagedConf, err := os.ReadFile(filepath.Join(root, "etc/parcelkiosk/kiosk.toml"))
		if err != nil {
			t.Fatal(err)
		}
		// The packaged configuration as installed: an absent lock-bus
		// device is a warning, so the check passes.
		if _, err := os.Stat("/dev/locker-bus"); err == nil {
			t.Log("this machine has a /dev/locker-bus: the absent-device case is not checked")
		} else if out, err := arm64(t, "kiosk", "--check-config", filepath.Join(root, "etc/parcelkiosk/kiosk.toml")); err != nil {
			t.Errorf("kiosk --check-config on the installed configuration under qemu: %q, %v; want success (the absent device is a warning)", out, err)
		}

		// The same with the lock-bus port pointing at a file that exists:
		// no warning, just "ok".
		dir := t.TempDir()
		port := filepath.Join(dir, "locker-bus")
		if err := os.WriteFile(port, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		good := strings.Replace(string(packagedConf), `port = "/dev/locker-bus"`, `port = "`+port+`"`, 1)
		if good == string(packagedConf) {
			t.Fatal(`the packaged configuration has no port = "/dev/locker-bus" line`)
		}
		conf := filepath.Join(dir, "kiosk.toml")
		if err := os.WriteFile(conf, []byte(good), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := arm64(t, "kiosk", "--check-config", conf)
		if err != nil || out != conf+": ok\n" {
			t.Errorf("kiosk --check-config on the packaged configuration under qemu: %q, %v; want %q", out, err, conf+": ok\n")
		}

		// And a mistake is found, with its line.
		bad := strings.Replace(good, `protocol = "kerong-cu16"`, `protocol = "kerong-cu99"`, 1)
		if err := os.WriteFile(conf, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = arm64(t, "kiosk", "--check-config", conf)
		want := regexp.MustCompile(`config: ` + regexp.QuoteMeta(conf) + `:\d+: lockboard.protocol "kerong-cu99"`)
		var re *runError
		if err == nil || !errors.As(err, &re) || !want.MatchString(re.stderr) {
			t.Errorf("kiosk --check-config on a wrong protocol under qemu: %v; want a failure matching %s", err, want)
		}
	})
}

// runError is a program that failed, with what it wrote on standard error.
type runError struct {
	err    error
	stderr string
}

func (e *runError) Error() string { return e.err.Error() + "\n" + e.stderr }

func (e *runError) Unwrap() error { return e.err }
