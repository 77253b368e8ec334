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
	secret   bool // never spoken (staff and courier codes)
	onChange func(string)
	onSubmit func(string)
	box      *canvas.Rectangle
	label    *canvas.Text
	hint     string
	size     float32 // text size; the hint is drawn smaller
	look     *look   // the screen's look; the application's theme when nil
	obj      fyne.CanvasObject
}

// newField returns a field of at most max characters drawn in l.
func newField(l *look, hint string, max int, digits, mask bool, size float32) *field {
	f := &field{max: max, digits: digits, mask: mask, hint: hint, size: size, look: l}
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

// theme is the theme the field is drawn in.
func (f *field) theme() fyne.Theme {
	if f.look == nil {
		return fyne.CurrentApp().Settings().Theme()
	}
	return f.look.th
}

// setHint changes the text shown while the field is empty.
func (f *field) setHint(s string) {
	if f.hint != s {
		f.hint = s
		f.render()
	}
}

// render redraws the field's text in its theme: only its two canvas
// objects are refreshed.
func (f *field) render() {
	th := f.theme()
	size := f.size * fixedScale(th) // at the screen's density
	f.box.FillColor = th.Color(theme.ColorNameInputBackground, 0)
	f.box.StrokeColor = th.Color(theme.ColorNamePrimary, 0)
	switch {
	case f.text == "":
		f.label.Text = f.hint
		f.label.TextSize = min(size, 32)
		f.label.Color = th.Color(theme.ColorNamePlaceHolder, 0)
	case f.mask:
		f.label.Text = strings.Repeat("●", len([]rune(f.text)))
		f.label.Color = th.Color(theme.ColorNameForeground, 0)
	default:
		f.label.Text = f.text
		f.label.Color = th.Color(theme.ColorNameForeground, 0)
	}
	// What is typed is drawn in the theme's regular face too: its digits
	// are all one width, like a monospace face's, which would cost
	// another two parsed font faces (about 2.6 MB) once anything is typed.
	if f.text != "" {
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

// padKey is a key of the on-screen keypad: a button whose label is drawn
// at the keys' larger text size (sizeNameKey), which follows the look: a
// denser screen has smaller keys.
type padKey struct {
	widget.Button
}

// newPadKey returns a keypad key.
func newPadKey(label string, imp widget.Importance, tap func()) *padKey {
	k := &padKey{}
	k.Text, k.Importance, k.OnTapped = label, imp, tap
	k.ExtendBaseWidget(k)
	return k
}

// CreateRenderer draws the button with its label at the keys' size.
func (k *padKey) CreateRenderer() fyne.WidgetRenderer {
	r := k.Button.CreateRenderer()
	for _, o := range r.Objects() {
		if t, ok := o.(*widget.RichText); ok && len(t.Segments) > 0 {
			if seg, ok := t.Segments[0].(*widget.TextSegment); ok {
				seg.Style.SizeName = sizeNameKey
				t.Refresh()
			}
		}
	}
	return r
}

// keys is an on-screen keypad or keyboard, built once per screen. Its keys
// type into the entry box the screen has in focus (UI.focus).
type keys struct {
	obj   fyne.CanvasObject
	ok    *widget.Button
	space *widget.Button // the keyboard's space bar; nil on a keypad
}

// typeInto returns a key's action: r typed into the focused field.
func (u *UI) typeInto(r rune) func() {
	return u.touched(func() { u.typeKey(r) })
}

// keyButton returns a key.
func keyButton(label string, imp widget.Importance, tap func()) *widget.Button {
	b := widget.NewButton(label, tap)
	b.Importance = imp
	return b
}

// newKeypad is the on-screen numeric keypad: 1-9, erase, 0, OK. Keys are
// drawn by the app (desktop Linux has no on-screen keyboard).
func (u *UI) newKeypad() *keys {
	k := &keys{}
	var objs []fyne.CanvasObject
	for _, d := range "123456789" {
		objs = append(objs, newPadKey(string(d), widget.MediumImportance, u.typeInto(d)))
	}
	ok := newPadKey("", widget.HighImportance, u.submitFocus)
	k.ok = &ok.Button
	objs = append(objs, u.eraseKey(), newPadKey("0", widget.MediumImportance, u.typeInto('0')), ok)
	k.obj = container.New(&fixedGrid{look: &u.look, cols: 3, minCell: fyne.NewSize(120, 88)}, objs...)
	return k
}

// submitFocus submits the focused field.
func (u *UI) submitFocus() {
	u.touch()
	if u.focus != nil {
		u.focus.submit()
	}
}

// eraseKey is the key that erases the focused field's last character,
// drawn as an icon.
func (u *UI) eraseKey() *iconButton {
	return newIconButton("", theme.ContentClearIcon(), u.touched(func() {
		if u.focus != nil {
			u.focus.backspace()
			u.speakKey('\b')
		}
	}))
}

// keyboardRows returns the keys of the on-screen keyboard, Spanish letters
// included.
func keyboardRows() []string {
	return []string{"1234567890", "QWERTYUIOP", "ASDFGHJKLÑ", "ZXCVBNM-'."}
}

// newKeyboard is the on-screen letter keyboard with space, erase and OK.
func (u *UI) newKeyboard() *keys {
	k := &keys{}
	rows := []fyne.CanvasObject{}
	for _, row := range keyboardRows() {
		var objs []fyne.CanvasObject
		for _, r := range row {
			objs = append(objs, keyButton(string(r), widget.MediumImportance, u.typeInto(unicode.ToLower(r))))
		}
		rows = append(rows, container.New(&fixedGrid{look: &u.look, cols: 10, minCell: fyne.NewSize(48, 64), exact: true}, objs...))
	}
	k.space = keyButton("", widget.MediumImportance, u.typeInto(' '))
	k.ok = keyButton("", widget.HighImportance, u.submitFocus)
	last := container.New(&fixedGrid{look: &u.look, cols: 4, minCell: fyne.NewSize(100, 64), exact: true},
		u.eraseKey(), k.space, layout.NewSpacer(), k.ok)
	rows = append(rows, last)
	k.obj = container.NewGridWithRows(len(rows), rows...)
	return k
}

// fixedGrid lays objects in cols equal columns; each cell is at least
// minCell, and cells grow to share the space they are given.
type fixedGrid struct {
	look    *look
	cols    int
	minCell fyne.Size // at scale 1
	// exact makes minCell the cell's minimum whatever the objects ask for
	// (keys whose one letter fits anyway, in the larger accessible text).
	exact bool
}

func (g *fixedGrid) rows(n int) int { return (n + g.cols - 1) / g.cols }

// MinSize is cols x rows cells of at least minCell.
func (g *fixedGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	k := g.look.scale()
	cell := fyne.NewSize(g.minCell.Width*k, g.minCell.Height*k)
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
