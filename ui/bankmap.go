package ui

import (
	"image/color"
	"slices"
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
)

// doorWeight is the drawn height of a door of size z, relative: the inner
// height in millimetres plus a frame, so that an XS door stays tappable.
func doorWeight(z locker.Size) float32 {
	d := z.Dims()
	if d[0] == 0 {
		return 200
	}
	return float32(d[0]) + 80
}

// bankState is the colour class of one compartment on the maintenance map.
type bankState int

const (
	stateFree bankState = iota
	stateReserved
	stateOccupied
	stateOutOfService
	stateFaulty
	stateDoorOpen
	stateReturn // holds a return (screens_returns.go)
)

// stateOf classifies c; an open door wins over everything else.
func stateOf(c locker.Compartment) bankState {
	if c.Door == locker.DoorOpen {
		return stateDoorOpen
	}
	switch c.Status {
	case locker.StatusReserved:
		return stateReserved
	case locker.StatusOccupied:
		return stateOccupied
	case locker.StatusOutOfService:
		return stateOutOfService
	case locker.StatusFaulty:
		return stateFaulty
	}
	return stateFree
}

// stateColors returns the fill and the label colour of a state.
func stateColors(s bankState) (fill, ink color.Color) {
	switch s {
	case stateReserved:
		return color.NRGBA{R: 0xfd, G: 0xe6, B: 0x8a, A: 0xff}, colInk
	case stateOccupied:
		return color.NRGBA{R: 0x1d, G: 0x4e, B: 0xd8, A: 0xff}, colWhite
	case stateOutOfService:
		return color.NRGBA{R: 0x9c, G: 0xa3, B: 0xaf, A: 0xff}, colInk
	case stateFaulty:
		return color.NRGBA{R: 0xdc, G: 0x26, B: 0x26, A: 0xff}, colWhite
	case stateDoorOpen:
		return color.NRGBA{R: 0xf9, G: 0x73, B: 0x16, A: 0xff}, colBlack
	case stateReturn:
		return stateReturnColors()
	}
	return color.NRGBA{R: 0xbb, G: 0xf7, B: 0xd0, A: 0xff}, colInk
}

// bankMap draws the bank to its real layout: one column per configured
// column, doors stacked from row 1 (top) with heights that follow their
// size. With highlight set it greys every door but that one (the "door A7
// is open" drawing); otherwise doors are coloured by state and tapping one
// calls onTap with its id.
type bankMap struct {
	widget.BaseWidget
	comps     []locker.Compartment
	highlight string
	onTap     func(id string)
	selected  string
	returns   map[string]bool // doors holding a return, drawn in their own colour
}

// newBankMap returns a map of comps.
func newBankMap(comps []locker.Compartment, highlight string, onTap func(string)) *bankMap {
	m := &bankMap{comps: comps, highlight: highlight, onTap: onTap}
	m.ExtendBaseWidget(m)
	return m
}

// set shows comps with the door highlight drawn out and the door selected
// marked, redrawing only when something changed.
func (m *bankMap) set(comps []locker.Compartment, highlight, selected string) {
	if m.highlight == highlight && m.selected == selected && slices.EqualFunc(m.comps, comps, sameDrawing) {
		return
	}
	m.comps = slices.Clone(comps)
	m.highlight, m.selected = highlight, selected
	m.Refresh()
}

// sameDrawing reports whether a and b are drawn alike on the map.
func sameDrawing(a, b locker.Compartment) bool {
	return a.ID == b.ID && a.Size == b.Size && a.Column == b.Column && a.Row == b.Row && stateOf(a) == stateOf(b)
}

// door is the drawn position of one compartment.
type door struct {
	id  string
	pos fyne.Position
	sz  fyne.Size
}

// geometry lays the doors out in a box of size s.
func (m *bankMap) geometry(s fyne.Size) []door {
	cols := map[int][]locker.Compartment{}
	var order []int
	for _, c := range m.comps {
		if _, ok := cols[c.Column]; !ok {
			order = append(order, c.Column)
		}
		cols[c.Column] = append(cols[c.Column], c)
	}
	sort.Ints(order)
	if len(order) == 0 {
		return nil
	}
	const gap = 4
	colW := (s.Width - gap*float32(len(order)-1)) / float32(len(order))
	var out []door
	for i, col := range order {
		cs := cols[col]
		sort.Slice(cs, func(a, b int) bool { return cs[a].Row < cs[b].Row })
		var total float32
		for _, c := range cs {
			total += doorWeight(c.Size)
		}
		avail := s.Height - gap*float32(len(cs)-1)
		y := float32(0)
		x := float32(i) * (colW + gap)
		for _, c := range cs {
			h := avail * doorWeight(c.Size) / total
			out = append(out, door{id: c.ID, pos: fyne.NewPos(x, y), sz: fyne.NewSize(colW, h)})
			y += h + gap
		}
	}
	return out
}

// Tapped calls onTap with the compartment under the pointer.
func (m *bankMap) Tapped(ev *fyne.PointEvent) {
	if m.onTap == nil {
		return
	}
	if id := m.doorAt(ev.Position); id != "" {
		m.onTap(id)
	}
}

// doorAt returns the id of the door drawn at p, or "".
func (m *bankMap) doorAt(p fyne.Position) string {
	for _, d := range m.geometry(m.Size()) {
		if p.X >= d.pos.X && p.X < d.pos.X+d.sz.Width && p.Y >= d.pos.Y && p.Y < d.pos.Y+d.sz.Height {
			return d.id
		}
	}
	return ""
}

// centre returns the middle of door id, for tests that tap it.
func (m *bankMap) centre(id string) (fyne.Position, bool) {
	for _, d := range m.geometry(m.Size()) {
		if d.id == id {
			return d.pos.Add(fyne.NewPos(d.sz.Width/2, d.sz.Height/2)), true
		}
	}
	return fyne.Position{}, false
}

// CreateRenderer draws the doors.
func (m *bankMap) CreateRenderer() fyne.WidgetRenderer {
	r := &bankRenderer{m: m}
	r.rebuild()
	return r
}

type bankRenderer struct {
	m       *bankMap
	rects   []*canvas.Rectangle
	labels  []*canvas.Text
	sizes   []float32 // each label's text size before Layout fits it to its door
	objects []fyne.CanvasObject
}

// rebuild styles a rectangle and a label per compartment, reusing those
// of the last drawing.
func (r *bankRenderer) rebuild() {
	th := r.m.Theme()
	for len(r.rects) < len(r.m.comps) {
		r.rects = append(r.rects, canvas.NewRectangle(color.Transparent))
		r.labels = append(r.labels, canvas.NewText("", color.Black))
		r.sizes = append(r.sizes, 0)
	}
	r.objects = r.objects[:0]
	for i, c := range r.m.comps {
		var fill, ink color.Color
		stroke := color.Color(colInk)
		width := float32(2)
		switch {
		case r.m.highlight == "":
			fill, ink = stateColors(r.m.stateOf(c))
		case c.ID == r.m.highlight:
			fill, ink = th.Color(theme.ColorNamePrimary, 0), th.Color(theme.ColorNameForegroundOnPrimary, 0)
			stroke, width = th.Color(theme.ColorNameForeground, 0), 6
		default:
			fill, ink = th.Color(theme.ColorNameButton, 0), th.Color(theme.ColorNameDisabled, 0)
		}
		if c.ID == r.m.selected {
			stroke, width = th.Color(theme.ColorNamePrimary, 0), 8
		}
		rect := r.rects[i]
		rect.FillColor, rect.StrokeColor, rect.StrokeWidth, rect.CornerRadius = fill, stroke, width, 6
		lbl := r.labels[i]
		lbl.Text, lbl.Color = c.ID, ink
		lbl.TextStyle.Bold = true
		lbl.Alignment = fyne.TextAlignCenter
		lbl.TextSize = th.Size(theme.SizeNameText)
		if c.ID == r.m.highlight {
			lbl.TextSize = th.Size(theme.SizeNameHeadingText)
		}
		r.sizes[i] = lbl.TextSize
		r.objects = append(r.objects, rect, lbl)
	}
}

func (r *bankRenderer) Layout(s fyne.Size) {
	geo := r.m.geometry(s)
	pos := map[string]door{}
	for _, d := range geo {
		pos[d.id] = d
	}
	for i, c := range r.m.comps {
		d := pos[c.ID]
		r.rects[i].Move(d.pos)
		r.rects[i].Resize(d.sz)
		// From the styled size each time: a layout in a smaller box
		// (a bar showing for a moment) must not shrink the label for good.
		r.labels[i].TextSize = r.sizes[i]
		ts := r.labels[i].MinSize()
		if ts.Height > d.sz.Height && d.sz.Height > 0 {
			r.labels[i].TextSize = r.labels[i].TextSize * d.sz.Height / ts.Height
			ts = r.labels[i].MinSize()
		}
		r.labels[i].Move(d.pos.Add(fyne.NewPos(0, (d.sz.Height-ts.Height)/2)))
		r.labels[i].Resize(fyne.NewSize(d.sz.Width, ts.Height))
	}
}

func (r *bankRenderer) MinSize() fyne.Size {
	k := fixedScale(r.m.Theme())
	return fyne.NewSize(200*k, 240*k)
}

func (r *bankRenderer) Refresh() {
	r.rebuild()
	r.Layout(r.m.Size())
	for _, o := range r.objects {
		o.Refresh()
	}
}

func (r *bankRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *bankRenderer) Destroy() {}
