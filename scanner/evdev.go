package scanner

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux input event constants (linux/input-event-codes.h).
const (
	evKey        = 0x01
	keyEnter     = 28
	keyKPEnter   = 96
	keyLeftShift = 42
	keyRightShft = 54
	// eviocgrab is _IOW('E', 0x90, int).
	eviocgrab = 0x40044590
)

// InputEventSize is the size of the kernel's struct input_event on this
// platform: a struct timeval followed by type, code (uint16) and value
// (int32).
const InputEventSize = int(unsafe.Sizeof(unix.Timeval{})) + 8

// US layout, indexed by evdev key code (0-57): unshifted and shifted. A
// NUL marks keys that type nothing.
const (
	usPlain = "\x00\x00" + "1234567890" + "-=" + "\x00\t" + "qwertyuiop" + "[]" + "\x00\x00" +
		"asdfghjkl" + ";'`" + "\x00" + "\\" + "zxcvbnm" + ",./" + "\x00" + "*" + "\x00" + " "
	usShift = "\x00\x00" + "!@#$%^&*()" + "_+" + "\x00\t" + "QWERTYUIOP" + "{}" + "\x00\x00" +
		"ASDFGHJKL" + ":\"~" + "\x00" + "|" + "ZXCVBNM" + "<>?" + "\x00" + "*" + "\x00" + " "
	// usKeypad covers key codes 71-83.
	usKeypad   = "789-456+1230."
	keyKP7     = 71
	keyKPSlash = 98
)

// KeyRune returns the character a US keyboard types for an evdev key code
// with or without shift, and false for keys that type nothing.
func KeyRune(code uint16, shift bool) (rune, bool) {
	switch {
	case int(code) < len(usPlain):
		c := usPlain[code]
		if shift {
			c = usShift[code]
		}
		return rune(c), c != 0
	case code >= keyKP7 && int(code) < keyKP7+len(usKeypad):
		return rune(usKeypad[code-keyKP7]), true
	case code == keyKPSlash:
		return '/', true
	}
	return 0, false
}

// InputEvent is one decoded struct input_event.
type InputEvent struct {
	Time       time.Time
	Type, Code uint16
	Value      int32
}

// ReadInputEvent reads one struct input_event in the host's layout.
func ReadInputEvent(r io.Reader, buf []byte) (InputEvent, error) {
	buf = buf[:InputEventSize]
	if _, err := io.ReadFull(r, buf); err != nil {
		return InputEvent{}, err
	}
	tv := InputEventSize - 8
	var sec, usec int64
	if tv == 16 {
		sec = int64(binary.NativeEndian.Uint64(buf[0:]))
		usec = int64(binary.NativeEndian.Uint64(buf[8:]))
	} else {
		sec = int64(int32(binary.NativeEndian.Uint32(buf[0:])))
		usec = int64(int32(binary.NativeEndian.Uint32(buf[4:])))
	}
	return InputEvent{
		Time:  time.Unix(sec, usec*1000),
		Type:  binary.NativeEndian.Uint16(buf[tv:]),
		Code:  binary.NativeEndian.Uint16(buf[tv+2:]),
		Value: int32(binary.NativeEndian.Uint32(buf[tv+4:])),
	}, nil
}

// AppendInputEvent appends ev in the kernel's layout (for tests and
// simulators).
func AppendInputEvent(b []byte, ev InputEvent) []byte {
	tv := InputEventSize - 8
	out := make([]byte, InputEventSize)
	usec := int64(ev.Time.Nanosecond() / 1000)
	if tv == 16 {
		binary.NativeEndian.PutUint64(out[0:], uint64(ev.Time.Unix()))
		binary.NativeEndian.PutUint64(out[8:], uint64(usec))
	} else {
		binary.NativeEndian.PutUint32(out[0:], uint32(ev.Time.Unix()))
		binary.NativeEndian.PutUint32(out[4:], uint32(usec))
	}
	binary.NativeEndian.PutUint16(out[tv:], ev.Type)
	binary.NativeEndian.PutUint16(out[tv+2:], ev.Code)
	binary.NativeEndian.PutUint32(out[tv+4:], uint32(ev.Value))
	return append(b, out...)
}

// HIDSource reads a USB HID scanner that presents itself as a keyboard,
// through its evdev device: key presses are turned into characters with a
// US layout and Enter ends a scan. Wrap it in Supervised so it comes back
// after the scanner is unplugged and plugged in again.
type HIDSource struct {
	// Open opens the event device; it is called at every (re)start. Use
	// OpenEvdev for a real device.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Name is the Scan.Source; default "hid".
	Name string
	// MaxLine bounds a scan; default DefaultMaxLine.
	MaxLine int
	// Now stamps scans; default time.Now.
	Now func() time.Time
}

// Run reads key events and sends a Scan at each Enter, until the device
// fails (returned, wrapped) or ctx ends (nil).
func (h *HIDSource) Run(ctx context.Context, out chan<- Scan) error {
	name := h.Name
	if name == "" {
		name = "hid"
	}
	now := h.Now
	if now == nil {
		now = time.Now
	}
	maxLine := h.MaxLine
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	rc, err := h.Open(ctx)
	if err != nil {
		return fmt.Errorf("scanner: %s: open: %w", name, err)
	}
	defer rc.Close()
	stop := closeOnDone(ctx, rc)
	defer stop()
	buf := make([]byte, InputEventSize)
	line := make([]rune, 0, 64)
	shifts := 0 // number of shift keys held
	for {
		ev, err := ReadInputEvent(rc, buf)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("scanner: %s: truncated input event: %w", name, err)
			}
			return fmt.Errorf("scanner: %s: device gone: %w", name, err)
		}
		if ev.Type != evKey {
			continue
		}
		switch ev.Code {
		case keyLeftShift, keyRightShft:
			switch ev.Value {
			case 1:
				shifts++
			case 0:
				shifts = max(0, shifts-1)
			}
			continue
		}
		if ev.Value == 0 {
			continue // release
		}
		if ev.Code == keyEnter || ev.Code == keyKPEnter {
			if len(line) > 0 {
				if err := send(ctx, out, Scan{Text: string(line), Symbology: SymKeyboard, Source: name, At: now()}); err != nil {
					return nil
				}
			}
			line = line[:0]
			continue
		}
		r, ok := KeyRune(ev.Code, shifts > 0)
		if !ok {
			continue
		}
		if len(line) >= maxLine {
			return fmt.Errorf("scanner: %s: %w: more than %d characters", name, ErrLineTooLong, maxLine)
		}
		line = append(line, r)
	}
}

// DefaultHIDGlob matches the event devices of USB HID scanners (and
// keyboards); the kiosk's configuration names the scanner's own.
const DefaultHIDGlob = "/dev/input/by-id/*-event-kbd"

// OpenEvdev opens an input event device (e.g. /dev/input/by-id/...-event-kbd)
// and grabs it exclusively (EVIOCGRAB), so its keystrokes do not also reach
// the window. Use it as HIDSource.Open.
func OpenEvdev(path string) (io.ReadCloser, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("scanner: open %s: %w", path, err)
	}
	if err := unix.IoctlSetInt(int(f.Fd()), eviocgrab, 1); err != nil {
		f.Close()
		return nil, fmt.Errorf("scanner: grab %s: %w", path, err)
	}
	return f, nil
}
