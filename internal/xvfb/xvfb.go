// Package xvfb starts a virtual X server for the tests and benchmarks that
// drive the kiosk's real window.
//
// The server picks its own free display (Xvfb -displayfd), so stale lock
// files and sockets left by servers that were killed do not use up display
// numbers, and Stop ends it with SIGTERM so it removes its own.
package xvfb

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// ErrNotInstalled is returned by Start when Xvfb is not on the PATH.
var ErrNotInstalled = errors.New("xvfb: Xvfb not installed")

// Server is a running Xvfb.
type Server struct {
	cmd     *exec.Cmd
	display string
}

// Start runs Xvfb with one screen of the given geometry ("1280x800x24")
// and waits until it accepts clients, at most timeout.
func Start(screen string, timeout time.Duration) (*Server, error) {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		return nil, ErrNotInstalled
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("xvfb: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w} // fd 3 in the child
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("xvfb: %w", err)
	}
	w.Close()
	s := &Server{cmd: cmd}
	type result struct {
		line string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		got <- result{line, err}
	}()
	select {
	case res := <-got:
		n := strings.TrimSpace(res.line)
		if n == "" {
			s.Stop()
			return nil, fmt.Errorf("xvfb: no display number from Xvfb: %v", res.err)
		}
		s.display = ":" + n
		return s, nil
	case <-time.After(timeout):
		s.Stop()
		return nil, fmt.Errorf("xvfb: Xvfb did not start within %v", timeout)
	}
}

// Display is the server's DISPLAY value, such as ":1".
func (s *Server) Display() string { return s.display }

// Stop ends the server with SIGTERM, so it removes its lock file and
// socket, and with SIGKILL if it has not ended after two seconds.
func (s *Server) Stop() {
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}
