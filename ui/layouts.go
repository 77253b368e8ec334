package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// split lays two objects side by side in landscape and one above the
// other in portrait, so one screen serves landscape (1280x800) and
// portrait (1080x1920). ratio is the first object's share.
type split struct {
	ratio float32
	look  *look // the orientation; landscape when nil
	// fitFirst gives the first object only the height it needs in
	// portrait, and the rest (e.g. a keypad) to the second.
	fitFirst bool
}

// portrait reports whether the objects go one above the other.
func (l split) portrait() bool { return l.look != nil && l.look.portrait }

// MinSize is the larger of the two arrangements' needs along each axis.
func (l split) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) < 2 {
		return fyne.Size{}
	}
	a, b := objs[0].MinSize(), objs[1].MinSize()
	if !objs[1].Visible() {
		return a
	}
	pad := theme.Padding() * 3
	if l.portrait() {
		return fyne.NewSize(max(a.Width, b.Width), a.Height+b.Height+pad)
	}
	return fyne.NewSize(a.Width+b.Width+pad, max(a.Height, b.Height))
}

// Layout places the two objects; the first takes the whole space while
// the second is hidden.
func (l split) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	if len(objs) < 2 {
		return
	}
	if !objs[1].Visible() {
		objs[0].Move(fyne.NewPos(0, 0))
		objs[0].Resize(s)
		return
	}
	pad := theme.Padding() * 3
	if !l.portrait() {
		// The first object's share, but never less than it needs, nor so
		// much that the second gets less than it needs (while both fit).
		w := (s.Width - pad) * l.ratio
		w = min(w, s.Width-pad-objs[1].MinSize().Width)
		w = max(w, objs[0].MinSize().Width)
		objs[0].Move(fyne.NewPos(0, 0))
		objs[0].Resize(fyne.NewSize(w, s.Height))
		objs[1].Move(fyne.NewPos(w+pad, 0))
		objs[1].Resize(fyne.NewSize(s.Width-w-pad, s.Height))
		return
	}
	h := (s.Height - pad) * l.ratio
	h = min(h, s.Height-pad-objs[1].MinSize().Height)
	if m := objs[0].MinSize().Height; h < m || l.fitFirst {
		h = m
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(s.Width, h))
	objs[1].Move(fyne.NewPos(0, h+pad))
	objs[1].Resize(fyne.NewSize(s.Width, s.Height-h-pad))
}

// sized gives its objects a minimum size of w x h units at the look's
// density (exactly w x h without a look) and stacks them.
type sized struct {
	look *look
	w, h float32
}

// MinSize is w x h, scaled.
func (s *sized) MinSize([]fyne.CanvasObject) fyne.Size {
	k := s.look.scale()
	return fyne.NewSize(s.w*k, s.h*k)
}

// Layout gives every object the whole space.
func (s *sized) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// flowGrid lays cells in as many columns as fit cells of at least minCell
// in the width given (at most maxCols), sharing the space evenly.
type flowGrid struct {
	look    *look
	minCell fyne.Size // at scale 1
	maxCols int
}

func (g *flowGrid) cols(w float32, n int) int {
	pad := theme.Padding()
	c := int((w + pad) / (g.minCell.Width*g.look.scale() + pad))
	c = max(1, min(c, g.maxCols, n))
	return c
}

// MinSize is two cells wide and one cell high: the grid wraps to fit.
func (g *flowGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	k := g.look.scale()
	return fyne.NewSize(g.minCell.Width*k*2+theme.Padding(), g.minCell.Height*k)
}

// Layout places the visible cells row by row.
func (g *flowGrid) Layout(all []fyne.CanvasObject, s fyne.Size) {
	objs := visible(all)
	if len(objs) == 0 {
		return
	}
	pad := theme.Padding()
	c := g.cols(s.Width, len(objs))
	rows := (len(objs) + c - 1) / c
	w := (s.Width - float32(c-1)*pad) / float32(c)
	h := (s.Height - float32(rows-1)*pad) / float32(rows)
	for i, o := range objs {
		o.Move(fyne.NewPos(float32(i%c)*(w+pad), float32(i/c)*(h+pad)))
		o.Resize(fyne.NewSize(w, h))
	}
}

// visible returns the objects that show.
func visible(objs []fyne.CanvasObject) []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, 0, len(objs))
	for _, o := range objs {
		if o.Visible() {
			out = append(out, o)
		}
	}
	return out
}
