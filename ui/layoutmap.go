package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// LayoutMap is what the window shows after an update: the screen's name
// and the place of everything that can be tapped, read from the live
// widget tree. With Options.LayoutFile set the UI rewrites it after every
// update, so end-to-end tests (and a support
// tool looking at a kiosk from afar) find a button by its label instead of
// by a pixel position that moves when the layout gets denser or the panel
// turns.
type LayoutMap struct {
	Seq     int     `json:"seq"`     // counts updates since start
	Screen  string  `json:"screen"`  // "home", "maint.menu", ... (see screen)
	Width   float32 `json:"width"`   // the window's size in pixels
	Height  float32 `json:"height"`  //
	Overlay bool    `json:"overlay"` // "are you still there?" covers the screen
	// Busy is set while an action's service call runs: the kiosk ignores
	// taps until it ends (one tap, one action), so a tool waits for it.
	Busy bool `json:"busy,omitempty"`
	// Help is the page of the Help card covering the screen ("contact",
	// "report" or "sent"); "" when it is closed. Only the card and the
	// header's buttons can be touched then.
	Help string `json:"help,omitempty"`
	// Message is the sentence of the red bar (the last problem, or what a
	// scan got), in the language shown; "" when none shows.
	Message string       `json:"message,omitempty"`
	Items   []LayoutItem `json:"items"`
}

// LayoutItem is one tappable thing on the screen. Label is a button's or
// tile's text; buttons drawn without text are named by what they stand
// for ("size:M", "recipient:R003") and the doors of the bank map by their
// compartment ("door:A1"). X, Y, W and H are pixels from the window's
// top-left corner.
type LayoutItem struct {
	Label    string  `json:"label"`
	X        float32 `json:"x"`
	Y        float32 `json:"y"`
	W        float32 `json:"w"`
	H        float32 `json:"h"`
	Enabled  bool    `json:"enabled"`
	Selected bool    `json:"selected,omitempty"` // a highlighted button, such as the open tab
}

// layoutMap describes what is drawn now, covered by the idle overlay or not.
func (u *UI) layoutMap() LayoutMap {
	scale := u.win.Canvas().Scale()
	size := u.win.Canvas().Size()
	m := LayoutMap{Screen: u.screenKey, Width: size.Width * scale, Height: size.Height * scale, Overlay: u.warned, Busy: u.busy, Help: helpNames[u.help],
		Message: u.msgText()}
	add := func(label string, at fyne.Position, sz fyne.Size, enabled, selected bool) {
		if at.X+sz.Width/2 < 0 || at.Y+sz.Height/2 < 0 || at.X+sz.Width/2 > size.Width || at.Y+sz.Height/2 > size.Height {
			return // scrolled out of sight
		}
		m.Items = append(m.Items, LayoutItem{Label: label, X: at.X * scale, Y: at.Y * scale,
			W: sz.Width * scale, H: sz.Height * scale, Enabled: enabled, Selected: selected})
	}
	root := u.win.Canvas().Content()
	if root == nil {
		return m
	}
	var walk func(o fyne.CanvasObject, at fyne.Position)
	walk = func(o fyne.CanvasObject, at fyne.Position) {
		if !o.Visible() {
			return
		}
		switch t := o.(type) {
		case *fyne.Container:
			objs := t.Objects
			if t == u.frame.inner && u.warned {
				objs = []fyne.CanvasObject{u.frame.chrome[2]} // only the idle card can be touched
			} else if t == u.frame.bodyStack && u.help != helpClosed {
				objs = []fyne.CanvasObject{u.frame.chrome[3]} // the Help card covers the screen
			}
			for _, c := range objs {
				walk(c, at.Add(c.Position()))
			}
		case *container.ThemeOverride: // the keypads' larger digits
			if t.Content != nil {
				walk(t.Content, at.Add(t.Content.Position()))
			}
		case *container.Scroll:
			if t.Content != nil {
				walk(t.Content, at.Add(t.Content.Position()))
			}
		case *picButton:
			add(t.name, at, t.Size(), !t.Disabled(), false)
		case *padKey:
			add(t.Text, at, t.Size(), !t.Disabled(), t.Importance == widget.HighImportance)
		case *iconButton:
			add(t.Text, at, t.Size(), !t.Disabled(), t.Importance == widget.HighImportance)
		case *widget.Button:
			add(t.Text, at, t.Size(), !t.Disabled(), t.Importance == widget.HighImportance)
		case *widget.List:
			// The directory's rows: the tiles the list shows now, inside it.
			shown, ok := u.screens["deposit.recipient"]
			if !ok {
				return
			}
			s, ok := shown.screen.(*recipientScreen)
			if !ok || s.list != t {
				return
			}
			origin := u.app.Driver().AbsolutePositionForObject(t)
			seen := map[string]bool{}
			for _, r := range s.tiles {
				if r.index < 0 || !r.obj.Visible() || seen[r.btn.name] {
					continue
				}
				p := u.app.Driver().AbsolutePositionForObject(r.btn).Subtract(origin)
				sz := r.btn.Size()
				if p.X+sz.Width/2 < 0 || p.Y+sz.Height/2 < 0 || p.X+sz.Width/2 > t.Size().Width || p.Y+sz.Height/2 > t.Size().Height {
					continue // scrolled out of the list, or put aside for reuse
				}
				seen[r.btn.name] = true
				add(r.btn.name, at.Add(p), sz, !r.btn.Disabled(), false)
			}
		case *tile:
			add(t.label, at, t.Size(), true, false)
		case *bankMap:
			for _, d := range t.geometry(t.Size()) {
				add("door:"+d.id, at.Add(d.pos), d.sz, true, d.id == t.selected)
			}
		}
	}
	walk(root, root.Position())
	// Reading order, top to bottom then left to right.
	sort.SliceStable(m.Items, func(i, j int) bool {
		a, b := m.Items[i], m.Items[j]
		if a.Y != b.Y {
			return a.Y < b.Y
		}
		return a.X < b.X
	})
	return m
}

// writeLayout saves the layout map to Options.LayoutFile, replacing the
// file in one step so a reader never sees half of it.
func (u *UI) writeLayout() {
	if u.o.LayoutFile == "" {
		return
	}
	u.layoutSeq++
	m := u.layoutMap()
	m.Seq = u.layoutSeq
	b, err := json.Marshal(m)
	if err == nil {
		err = writeReplace(u.o.LayoutFile, b)
	}
	if err != nil {
		u.log.Warn("ui: layout map", "err", err)
	}
}

// writeReplace writes b to a temporary file beside path and renames it
// over path.
func writeReplace(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("ui: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("ui: %w", err)
	}
	return nil
}
