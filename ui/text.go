package ui

import (
	"image/color"
	"slices"
	"sort"
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

// lineLabel is one line of text drawn as a widget.Label with
// TextTruncateEllipsis draws it: with the label's inner padding around it,
// cut short with an ellipsis when it is too long for its width. It is the
// header's name. Fyne's label shapes its whole text again, with a new
// shaper, every time it is laid out at a new width to find where to cut,
// even a text that fits: about half a millisecond each time the header is
// restyled in another look. A lineLabel measures with Fyne's cached text
// sizes and cuts only a text that does not fit.
type lineLabel struct {
	widget.BaseWidget
	text  string
	size  fyne.ThemeSizeName
	style fyne.TextStyle
}

// newLineLabel returns a line of text at the theme's size size in style.
func newLineLabel(size fyne.ThemeSizeName, style fyne.TextStyle) *lineLabel {
	l := &lineLabel{size: size, style: style}
	l.ExtendBaseWidget(l)
	return l
}

// SetText changes the text.
func (l *lineLabel) SetText(s string) {
	if l.text == s {
		return
	}
	l.text = s
	l.Refresh()
}

// CreateRenderer draws the text.
func (l *lineLabel) CreateRenderer() fyne.WidgetRenderer {
	r := &lineLabelRenderer{l: l, t: canvas.NewText("", color.Black)}
	r.style()
	return r
}

type lineLabelRenderer struct {
	l *lineLabel
	t *canvas.Text
}

func (r *lineLabelRenderer) style() {
	th := r.l.Theme()
	r.t.Color = th.Color(theme.ColorNameForeground, 0)
	r.t.TextSize = th.Size(r.l.size)
	r.t.TextStyle = r.l.style
}

// Layout shows as much of the text as fits inside the padding, ending
// in "…" when cut.
func (r *lineLabelRenderer) Layout(s fyne.Size) {
	pad := r.l.Theme().Size(theme.SizeNameInnerPadding)
	r.t.Text = r.l.text
	if room := s.Width - 2*pad; r.width(r.l.text) > room {
		// The longest start of the text that fits with the ellipsis.
		rs := []rune(r.l.text)
		n := sort.Search(len(rs)+1, func(n int) bool { return r.width(string(rs[:n])+"…") > room }) - 1
		r.t.Text = string(rs[:max(n, 0)]) + "…"
	}
	r.t.Move(fyne.NewPos(pad, pad))
	r.t.Resize(r.t.MinSize())
}

// width is how wide s is drawn in the label's text size and style.
func (r *lineLabelRenderer) width(s string) float32 {
	return fyne.MeasureText(s, r.t.TextSize, r.t.TextStyle).Width
}

// MinSize is a label's that may be cut short: room for a letter and the
// ellipsis, and the line's height with the padding.
func (r *lineLabelRenderer) MinSize() fyne.Size {
	th := r.l.Theme()
	size, pad := th.Size(theme.SizeNameText), th.Size(theme.SizeNameInnerPadding)
	w := fyne.MeasureText("M", size, fyne.TextStyle{}).Width + fyne.MeasureText("…", size, fyne.TextStyle{}).Width
	return fyne.NewSize(w, fyne.MeasureText(r.l.text, r.t.TextSize, r.t.TextStyle).Height+2*pad)
}

func (r *lineLabelRenderer) Refresh() {
	r.style()
	r.Layout(r.l.Size())
	r.t.Refresh()
}

func (r *lineLabelRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.t} }

func (r *lineLabelRenderer) Destroy() {}

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
