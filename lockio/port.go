package lockio

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// Port is a serial port that finds its device again after the USB adapter
// is unplugged and plugged back: when a read or write fails, or the path
// disappears or points to another device, it closes the device and reopens
// the path (at most every ReopenEvery) on the next Read or Write. Meanwhile
// Read and Write return an error wrapping ErrPortGone. Read returns (0, nil)
// about every 100ms when nothing arrives, so a reader can notice its context
// ending. Port is safe for one reader and one writer at a time.
type Port struct {
	path string
	baud int

	mu      sync.Mutex
	dev     *tty
	devInfo os.FileInfo
	lastTry time.Time
	checked time.Time
	closed  bool
}

// ReopenEvery is the least time between two attempts to reopen a gone port.
const ReopenEvery = 250 * time.Millisecond

const portReadTimeout = 100 * time.Millisecond

// NewPort returns a Port for path at baud 8N1 without opening it; the first
// Read or Write opens it. Use it when the adapter may be absent at start.
func NewPort(path string, baud int) *Port {
	return &Port{path: path, baud: baud}
}

// OpenPort opens path at baud 8N1 and returns a Port that reopens it after
// an unplug. It fails if the path cannot be opened now.
func OpenPort(path string, baud int) (*Port, error) {
	p := NewPort(path, baud)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.openLocked(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Port) openLocked() error {
	p.lastTry = time.Now()
	dev, err := openTTY(p.path, p.baud)
	if err != nil {
		return err
	}
	p.dev = dev
	p.devInfo, _ = os.Stat(p.path)
	p.checked = time.Now()
	return nil
}

// get returns the open device, reopening it if it is due.
func (p *Port) get() (*tty, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("lockio: %s: port closed: %w", p.path, os.ErrClosed)
	}
	if p.dev != nil {
		return p.dev, nil
	}
	if time.Since(p.lastTry) < ReopenEvery {
		return nil, fmt.Errorf("%w: %s", ErrPortGone, p.path)
	}
	if err := p.openLocked(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPortGone, err)
	}
	return p.dev, nil
}

// drop closes dev if it is still the current device.
func (p *Port) drop(dev *tty) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dev == dev && dev != nil {
		dev.close()
		p.dev = nil
		p.lastTry = time.Now()
	}
}

// stale reports whether the path no longer leads to the open device. It
// looks at most once a second.
func (p *Port) stale(dev *tty) bool {
	p.mu.Lock()
	if p.dev != dev || time.Since(p.checked) < time.Second {
		p.mu.Unlock()
		return false
	}
	p.checked = time.Now()
	was := p.devInfo
	p.mu.Unlock()
	now, err := os.Stat(p.path)
	return err != nil || (was != nil && !os.SameFile(was, now))
}

// Read reads from the device, reopening it when it is gone.
func (p *Port) Read(b []byte) (int, error) {
	dev, err := p.get()
	if err != nil {
		time.Sleep(portReadTimeout)
		return 0, err
	}
	n, err := dev.read(b, portReadTimeout)
	if err != nil {
		p.drop(dev)
		return n, fmt.Errorf("%w: read %s: %w", ErrPortGone, p.path, err)
	}
	if n == 0 && p.stale(dev) {
		p.drop(dev)
		return 0, fmt.Errorf("%w: %s now leads to another device", ErrPortGone, p.path)
	}
	return n, nil
}

// Write writes to the device, reopening it when it is gone.
func (p *Port) Write(b []byte) (int, error) {
	dev, err := p.get()
	if err != nil {
		return 0, err
	}
	n, err := dev.write(b)
	if err != nil {
		p.drop(dev)
		return n, fmt.Errorf("%w: write %s: %w", ErrPortGone, p.path, err)
	}
	return n, nil
}

// Close closes the device for good.
func (p *Port) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.dev == nil {
		return nil
	}
	err := p.dev.close()
	p.dev = nil
	return err
}
