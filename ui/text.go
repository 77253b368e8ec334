package ui

import (
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// text returns a wrapping label.
func text(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// heading returns a large bold title.
func heading(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// subheading returns a medium bold title.
func subheading(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// textRows draws rows of text without per-row padding, for dense panels
// (details, audit log, diagnostics). Rows longer than maxRunes are cut.
// SetRows changes them in place; the canvas texts are kept and reused.
type textRows struct {
	widget.BaseWidget
	rows     []string
	size     fyne.ThemeSizeName
	maxRunes int
}

// newTextRows returns rows drawn at the theme's text size size.
func newTextRows(size fyne.ThemeSizeName, maxRunes int) *textRows {
	t := &textRows{size: size, maxRunes: maxRunes}
	t.ExtendBaseWidget(t)
	return t
}

// SetRows replaces the rows.
func (t *textRows) SetRows(rows []string) {
	if slices.Equal(t.rows, rows) {
		return
	}
	t.rows = slices.Clone(rows)
	t.Refresh()
}

// String is the rows, one a line.
func (t *textRows) String() string { return strings.Join(t.rows, "\n") }

// CreateRenderer draws the rows.
func (t *textRows) CreateRenderer() fyne.WidgetRenderer {
	r := &rowsRenderer{t: t}
	r.style()
	return r
}

type rowsRenderer struct {
	t     *textRows
	texts []*canvas.Text
	objs  []fyne.CanvasObject
}

func (r *rowsRenderer) style() {
	th := r.t.Theme()
	for len(r.texts) < len(r.t.rows) {
		c := canvas.NewText("", color.Black)
		r.texts = append(r.texts, c)
	}
	r.objs = r.objs[:0]
	for i, c := range r.texts {
		if i >= len(r.t.rows) {
			c.Text = ""
			continue
		}
		s := r.t.rows[i]
		if rs := []rune(s); r.t.maxRunes > 0 && len(rs) > r.t.maxRunes {
			s = string(rs[:r.t.maxRunes-1]) + "…"
		}
		c.Text = s
		c.Color = th.Color(theme.ColorNameForeground, 0)
		c.TextSize = th.Size(r.t.size)
		r.objs = append(r.objs, c)
	}
}

func (r *rowsRenderer) Layout(s fyne.Size) {
	pad := r.t.Theme().Size(theme.SizeNamePadding)
	y := pad
	for _, c := range r.objs {
		h := c.MinSize().Height
		c.Move(fyne.NewPos(pad, y))
		c.Resize(fyne.NewSize(s.Width-2*pad, h))
		y += h
	}
}

func (r *rowsRenderer) MinSize() fyne.Size {
	pad := r.t.Theme().Size(theme.SizeNamePadding)
	var w, h float32
	for _, c := range r.objs {
		m := c.MinSize()
		w = max(w, m.Width)
		h += m.Height
	}
	return fyne.NewSize(w+2*pad, h+2*pad)
}

func (r *rowsRenderer) Refresh() {
	r.style()
	r.Layout(r.t.Size())
	for _, c := range r.objs {
		c.Refresh()
	}
}

func (r *rowsRenderer) Objects() []fyne.CanvasObject { return r.objs }

func (r *rowsRenderer) Destroy() {}

// plainText is one line of text in a theme size and colour, without the
// padding of a label: the names on the directory's tiles, the map's legend.
type plainText struct {
	widget.BaseWidget
	text  string
	size  fyne.ThemeSizeName
	bold  bool
	align fyne.TextAlign
}

// newPlainText returns a line of text at the theme's size size.
func newPlainText(size fyne.ThemeSizeName, bold bool) *plainText {
	p := &plainText{size: size, bold: bold}
	p.ExtendBaseWidget(p)
	return p
}

// SetText changes the text.
func (p *plainText) SetText(s string) {
	if p.text == s {
		return
	}
	p.text = s
	p.Refresh()
}

// CreateRenderer draws the text.
func (p *plainText) CreateRenderer() fyne.WidgetRenderer {
	r := &plainRenderer{p: p, t: canvas.NewText("", color.Black)}
	r.style()
	return r
}

type plainRenderer struct {
	p *plainText
	t *canvas.Text
}

func (r *plainRenderer) style() {
	th := r.p.Theme()
	r.t.Text = r.p.text
	r.t.Color = th.Color(theme.ColorNameForeground, 0)
	r.t.TextSize = th.Size(r.p.size)
	r.t.TextStyle.Bold = r.p.bold
	r.t.Alignment = r.p.align
}

func (r *plainRenderer) Layout(s fyne.Size) {
	h := r.t.MinSize().Height
	r.t.Move(fyne.NewPos(0, (s.Height-h)/2))
	r.t.Resize(fyne.NewSize(s.Width, h))
}

func (r *plainRenderer) MinSize() fyne.Size { return r.t.MinSize() }

func (r *plainRenderer) Refresh() {
	r.style()
	r.Layout(r.p.Size())
	r.t.Refresh()
}

func (r *plainRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.t} }

func (r *plainRenderer) Destroy() {}
