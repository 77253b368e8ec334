package lockio

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// bauds maps the supported rates to their termios speed bits.
var bauds = map[int]uint32{
	1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600,
	19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600,
	115200: unix.B115200, 230400: unix.B230400,
}

// tty is a serial device opened non-blocking, so that a read waiting for
// bytes parks its goroutine in Go's network poller instead of holding a
// thread in a system call: an idle bus then costs no thread wake-ups
// beyond its read deadline's timer.
type tty struct {
	f *os.File
}

// openTTY opens path raw at baud 8N1 with no flow control, for this
// process alone (TIOCEXCL), and drops whatever the device had buffered.
func openTTY(path string, baud int) (*tty, error) {
	speed, ok := bauds[baud]
	if !ok {
		return nil, fmt.Errorf("lockio: %s: baud %d not supported", path, baud)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("lockio: open %s: %w", path, err)
	}
	fail := func(what string, err error) (*tty, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("lockio: %s %s: %w", what, path, err)
	}
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fail("termios of", err) // not a terminal
	}
	// cfmakeraw, then 8N1 at speed, receiver on, modem lines ignored.
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | speed
	t.Ispeed, t.Ospeed = speed, speed
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fail("set termios of", err)
	}
	if err := unix.IoctlSetInt(fd, unix.TIOCEXCL, 0); err != nil {
		return fail("exclusive use of", err)
	}
	_ = unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH) // stale bytes from before the open
	// A non-blocking descriptor makes os.NewFile use the poller.
	return &tty{f: os.NewFile(uintptr(fd), path)}, nil
}

// read reads what has arrived, waiting at most timeout: (0, nil) when
// nothing came.
func (t *tty) read(b []byte, timeout time.Duration) (int, error) {
	if err := t.f.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return 0, err
	}
	n, err := t.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}

// write writes all of b.
func (t *tty) write(b []byte) (int, error) { return t.f.Write(b) }

// close closes the device; a read waiting on it returns.
func (t *tty) close() error { return t.f.Close() }
