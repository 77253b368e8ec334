package ui

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// field is a text the person is entering with the on-screen keypad or
// keyboard, or a physical keyboard. It is drawn as a large box; masked
// fields show dots.
type field struct {
	text     string
	max      int
	mask     bool
	digits   bool // accept only 0-9
	onChange func(string)
	onSubmit func(string)
	box      *canvas.Rectangle
	label    *canvas.Text
	hint     string
	size     float32 // text size; the hint is drawn smaller
	obj      fyne.CanvasObject
}

// newField returns a field of at most max characters.
func newField(hint string, max int, digits, mask bool, size float32) *field {
	f := &field{max: max, digits: digits, mask: mask, hint: hint, size: size}
	f.box = canvas.NewRectangle(colWhite)
	f.box.StrokeWidth = 3
	f.box.CornerRadius = 10
	f.label = canvas.NewText("", colInk)
	f.label.TextSize = size
	f.label.Alignment = fyne.TextAlignCenter
	f.obj = container.NewStack(f.box, container.NewPadded(f.label))
	f.render()
	return f
}

// render redraws the field with the current theme.
func (f *field) render() {
	th := fyne.CurrentApp().Settings().Theme()
	size := f.size * fixedScale(th) // at the screen's density
	f.box.FillColor = th.Color(theme.ColorNameInputBackground, 0)
	f.box.StrokeColor = th.Color(theme.ColorNamePrimary, 0)
	switch {
	case f.text == "":
		f.label.Text = f.hint
		f.label.TextSize = min(size, 32)
		f.label.Color = th.Color(theme.ColorNamePlaceHolder, 0)
		f.label.TextStyle.Monospace = false
	case f.mask:
		f.label.Text = strings.Repeat("●", len([]rune(f.text)))
		f.label.Color = th.Color(theme.ColorNameForeground, 0)
	default:
		f.label.Text = f.text
		f.label.Color = th.Color(theme.ColorNameForeground, 0)
	}
	if f.text != "" {
		f.label.TextStyle.Monospace = f.mask || f.digits
		f.label.TextSize = size
	}
	f.box.Refresh()
	f.label.Refresh()
}

// typeRune appends r when it is allowed and there is room.
func (f *field) typeRune(r rune) {
	if f.digits && (r < '0' || r > '9') {
		return
	}
	if !unicode.IsPrint(r) || (f.max > 0 && len([]rune(f.text)) >= f.max) {
		return
	}
	f.set(f.text + string(r))
}

// backspace removes the last character.
func (f *field) backspace() {
	rs := []rune(f.text)
	if len(rs) == 0 {
		return
	}
	f.set(string(rs[:len(rs)-1]))
}

// set replaces the text.
func (f *field) set(s string) {
	f.text = s
	f.render()
	if f.onChange != nil {
		f.onChange(s)
	}
}

// clear empties the field without telling onChange.
func (f *field) clear() {
	f.text = ""
	f.render()
}

// submit hands the text to onSubmit when there is any.
func (f *field) submit() {
	if f.onSubmit != nil && strings.TrimSpace(f.text) != "" {
		f.onSubmit(f.text)
	}
}

// bigText overrides the theme's text size inside o, for keypads.
type bigText struct {
	fyne.Theme
	size float32
}

// Size returns the overridden text size and the base theme's other sizes.
func (b bigText) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameText {
		return b.size
	}
	return b.Theme.Size(n)
}

// keypad is the on-screen numeric keypad: 1-9, erase, 0, OK. Keys are
// drawn by the app (desktop Linux has no on-screen keyboard). okLabel is
// the translated label of the OK key.
func keypad(u *UI, f *field, okLabel string) fyne.CanvasObject {
	var keys []fyne.CanvasObject
	for _, d := range "123456789" {
		keys = append(keys, u.button(string(d), widget.MediumImportance, func() { f.typeRune(d) }))
	}
	keys = append(keys, u.eraseKey(f),
		u.button("0", widget.MediumImportance, func() { f.typeRune('0') }),
		u.button(okLabel, widget.HighImportance, f.submit))
	grid := container.New(&fixedGrid{cols: 3, minCell: fyne.NewSize(u.px(120), u.px(88))}, keys...)
	return container.NewThemeOverride(grid, bigText{Theme: fyne.CurrentApp().Settings().Theme(), size: u.px(40)})
}

// eraseKey is the key that erases f's last character, drawn as an icon.
func (u *UI) eraseKey(f *field) *widget.Button {
	b := u.buttonID("key:erase", "", widget.MediumImportance, f.backspace)
	if b.Icon == nil {
		b.SetIcon(theme.ContentClearIcon())
	}
	return b
}

// keyboardRows returns the keys of the on-screen keyboard, Spanish letters
// included.
func keyboardRows() []string {
	return []string{"1234567890", "QWERTYUIOP", "ASDFGHJKLÑ", "ZXCVBNM-'."}
}

// keyboard is the on-screen letter keyboard with space, erase and OK.
func keyboard(u *UI, f *field, okLabel, spaceLabel string) fyne.CanvasObject {
	rows := []fyne.CanvasObject{}
	for _, row := range keyboardRows() {
		var keys []fyne.CanvasObject
		for _, r := range row {
			keys = append(keys, u.button(string(r), widget.MediumImportance, func() { f.typeRune(unicode.ToLower(r)) }))
		}
		rows = append(rows, container.New(&fixedGrid{cols: 10, minCell: fyne.NewSize(u.px(48), u.px(64)), exact: true}, keys...))
	}
	last := container.New(&fixedGrid{cols: 4, minCell: fyne.NewSize(u.px(100), u.px(64)), exact: true},
		u.eraseKey(f),
		u.button(spaceLabel, widget.MediumImportance, func() { f.typeRune(' ') }),
		layout.NewSpacer(),
		u.button(okLabel, widget.HighImportance, f.submit))
	rows = append(rows, last)
	return container.NewGridWithRows(len(rows), rows...)
}

// fixedGrid lays objects in cols equal columns; each cell is at least
// minCell, and cells grow to share the space they are given.
type fixedGrid struct {
	cols    int
	minCell fyne.Size
	// exact makes minCell the cell's minimum whatever the objects ask for
	// (keys whose one letter fits anyway, in the larger accessible text).
	exact bool
}

func (g *fixedGrid) rows(n int) int { return (n + g.cols - 1) / g.cols }

// MinSize is cols x rows cells of at least minCell.
func (g *fixedGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	cell := g.minCell
	for _, o := range objs {
		if !g.exact {
			cell = cell.Max(o.MinSize())
		}
	}
	pad := theme.Padding()
	r := g.rows(len(objs))
	return fyne.NewSize(float32(g.cols)*cell.Width+float32(g.cols-1)*pad, float32(r)*cell.Height+float32(r-1)*pad)
}

// Layout shares s among the cells.
func (g *fixedGrid) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	pad := theme.Padding()
	r := g.rows(len(objs))
	if r == 0 {
		return
	}
	w := (s.Width - float32(g.cols-1)*pad) / float32(g.cols)
	h := (s.Height - float32(r-1)*pad) / float32(r)
	for i, o := range objs {
		col, row := i%g.cols, i/g.cols
		o.Move(fyne.NewPos(float32(col)*(w+pad), float32(row)*(h+pad)))
		o.Resize(fyne.NewSize(w, h))
	}
}
