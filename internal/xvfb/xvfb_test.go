package xvfb

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestStartStop starts two servers at once, checks each answers on its
// own display, and that Stop leaves no lock file or socket behind.
func TestStartStop(t *testing.T) {
	a, err := Start("640x480x24", 10*time.Second)
	if errors.Is(err, ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := Start("320x240x24", 10*time.Second)
	if err != nil {
		a.Stop()
		t.Fatal(err)
	}
	if a.Display() == b.Display() || !strings.HasPrefix(a.Display(), ":") {
		t.Errorf("displays %q and %q, want two different ones", a.Display(), b.Display())
	}
	if _, err := exec.LookPath("xdpyinfo"); err == nil {
		for _, s := range []*Server{a, b} {
			out, err := exec.Command("xdpyinfo", "-display", s.Display()).CombinedOutput()
			if err != nil {
				t.Errorf("xdpyinfo on %s: %v\n%s", s.Display(), err, out)
			}
		}
	}
	for _, s := range []*Server{a, b} {
		n := strings.TrimPrefix(s.Display(), ":")
		s.Stop()
		for _, f := range []string{fmt.Sprintf("/tmp/.X%s-lock", n), "/tmp/.X11-unix/X" + n} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("%s left behind after Stop", f)
			}
		}
	}
}
