package lockio

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal for the simulator: Sim.Serve reads and writes
// Master, and a bus opens Path (or Link) like a serial adapter. It exists so
// that cmd/locksim, the kiosk's demo mode and tests share one way to make a
// raw pty; only those callers open one.
type PTY struct {
	Master *os.File
	slave  *os.File // kept open so the master never reads EIO between bus reopens
	Path   string   // the slave's device path, e.g. /dev/pts/7
	Link   string   // the symlink made to Path, if any
}

// OpenPTY opens a pty in raw mode (no echo, no line editing). If link is not
// empty, it (re)points the symlink link at the slave device.
func OpenPTY(link string) (*PTY, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("lockio: open pty: %w", err)
	}
	p := &PTY{Master: m, slave: s, Path: s.Name()}
	if err := makeRaw(s); err != nil {
		p.Close()
		return nil, err
	}
	if link != "" {
		tmp := link + ".tmp"
		_ = os.Remove(tmp)
		if err := os.Symlink(p.Path, tmp); err != nil {
			p.Close()
			return nil, fmt.Errorf("lockio: link pty: %w", err)
		}
		if err := os.Rename(tmp, link); err != nil {
			_ = os.Remove(tmp)
			p.Close()
			return nil, fmt.Errorf("lockio: link pty: %w", err)
		}
		p.Link, _ = filepath.Abs(link)
	}
	return p, nil
}

func makeRaw(f *os.File) error {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("lockio: pty termios: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fmt.Errorf("lockio: pty raw mode: %w", err)
	}
	return nil
}

// Close closes both sides (a bus on the slave sees the adapter unplugged)
// and removes the link if it still points at this pty.
func (p *PTY) Close() error {
	var errs []error
	if p.Link != "" {
		if dst, err := os.Readlink(p.Link); err == nil && dst == p.Path {
			errs = append(errs, os.Remove(p.Link))
		}
	}
	errs = append(errs, p.slave.Close(), p.Master.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("lockio: close pty: %w", err)
	}
	return nil
}
