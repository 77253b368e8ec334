package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/parcelkiosk/locker"
)

// PersonTyped types r into the entry box of the screen as if a person
// typed it ('\n' is Enter, '\b' erases), for key sources other than the
// window. It is safe to call from any goroutine.
func (u *UI) PersonTyped(r rune) {
	fyne.Do(func() { u.personKey(r) })
}

// hookKeys forwards the window's keys to the KeySink (or straight to the
// entry box when there is none).
func (u *UI) hookKeys() {
	c := u.win.Canvas()
	c.SetOnTypedRune(func(r rune) {
		u.touch()
		if u.o.Keys != nil {
			u.typeAll(u.o.Keys.Key(r, u.o.Clock.Now()))
			u.keyHeld()
			return
		}
		u.personKey(r)
	})
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			u.touch()
			if u.o.Keys != nil {
				typed, scan := u.o.Keys.Enter(u.o.Clock.Now())
				u.typeAll(typed)
				u.keyHeld()
				if scan {
					return // the scanner's Enter: the Scan arrives through HandleScan
				}
			}
			u.personKey('\n')
		case fyne.KeyBackspace:
			u.touch()
			u.personKey('\b')
		case fyne.KeyEscape:
			u.touch()
			if u.view.Flow == locker.FlowIdle && u.local != localHome {
				u.goHome()
			}
		}
	})
	if dc, ok := c.(desktop.Canvas); ok {
		// A key held down counts as activity even before it types.
		dc.SetOnKeyDown(func(*fyne.KeyEvent) { u.touch() })
	}
}

// keyHeld tells Run that the KeySink may hold keys to flush.
func (u *UI) keyHeld() {
	select {
	case u.keyed <- struct{}{}:
	default: // Run has been told already
	}
}

// typeAll types the keys a KeySink gave back.
func (u *UI) typeAll(rs []rune) {
	for _, r := range rs {
		u.personKey(r)
	}
}

// flushKeys releases the keys the KeySink held back as typing.
func (u *UI) flushKeys(now time.Time) {
	if u.o.Keys != nil {
		u.typeAll(u.o.Keys.Flush(now))
	}
}

// personKey types r into the entry box of the screen.
func (u *UI) personKey(r rune) {
	if u.focus == nil {
		return
	}
	switch r {
	case '\n', '\r':
		u.focus.submit()
	case '\b':
		u.focus.backspace()
		u.speakKey('\b')
	default:
		u.typeKey(r)
	}
}

// typeKey types r into the focused entry box and, when it took it, says
// it (spoken guidance).
func (u *UI) typeKey(r rune) {
	if u.focus == nil {
		return
	}
	before := u.focus.text
	u.focus.typeRune(r)
	if u.focus != nil && u.focus.text != before && !u.focus.secret {
		u.speakKey(r)
	}
}

// touch records activity for the idle timer.
func (u *UI) touch() {
	u.lastTouch = u.o.Clock.Now()
	if u.warned {
		u.warned = false
		u.refresh()
	}
}

// touched wraps a button's callback so it counts as activity.
func (u *UI) touched(f func()) func() {
	return func() {
		u.touch()
		f()
	}
}
