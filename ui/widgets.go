package ui

import (
	"image"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/assets"
)

// iconRes returns the named embedded icon as a resource; themed icons take
// the colour of the text they sit on.
func iconRes(name string, themed bool) fyne.Resource {
	b, err := assets.Icon(name)
	if err != nil {
		return theme.QuestionIcon()
	}
	r := fyne.NewStaticResource(name+".svg", b)
	if themed {
		return theme.NewThemedResource(r)
	}
	return r
}

// tile is a large tappable card: an icon over a word, for the home screen's
// "Drop off" and "Pick up".
type tile struct {
	widget.BaseWidget
	label  string
	sub    string
	icon   string
	onTap  func()
	accent bool
}

// newTile returns a tile; accent draws it in the primary colour.
func newTile(label, sub, icon string, accent bool, tap func()) *tile {
	t := &tile{label: label, sub: sub, icon: icon, accent: accent, onTap: tap}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped calls the tile's action.
func (t *tile) Tapped(*fyne.PointEvent) {
	if t.onTap != nil {
		t.onTap()
	}
}

// setText changes the tile's words in place.
func (t *tile) setText(label, sub string) {
	if t.label == label && t.sub == sub {
		return
	}
	t.label, t.sub = label, sub
	t.Refresh()
}

// CreateRenderer draws the card.
func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	r := &tileRenderer{t: t, rect: canvas.NewRectangle(color.Transparent), img: canvas.NewImageFromResource(nil),
		txt: canvas.NewText("", color.Black), sub: canvas.NewText("", color.Black)}
	r.rect.CornerRadius = 24
	r.img.FillMode = canvas.ImageFillContain
	r.txt.TextStyle.Bold = true
	r.txt.Alignment = fyne.TextAlignCenter
	r.sub.Alignment = fyne.TextAlignCenter
	r.style()
	return r
}

// style takes the tile's words and the colours and sizes of its theme.
func (r *tileRenderer) style() {
	t := r.t
	th := t.Theme()
	bg := th.Color(theme.ColorNameButton, 0)
	ink := th.Color(theme.ColorNameForeground, 0)
	if t.accent {
		bg = th.Color(theme.ColorNamePrimary, 0)
		ink = th.Color(theme.ColorNameForegroundOnPrimary, 0)
	}
	r.rect.FillColor = bg
	r.rect.StrokeColor = th.Color(theme.ColorNameForeground, 0)
	r.rect.StrokeWidth = 0
	if !t.accent {
		r.rect.StrokeWidth = 3
	}
	if r.icon != t.icon {
		r.img.Resource = theme.NewColoredResource(iconRes(t.icon, false), colorName(t.accent))
		r.icon = t.icon
	}
	r.txt.Text, r.txt.Color = t.label, ink
	r.txt.TextSize = th.Size(theme.SizeNameHeadingText) * 1.2
	r.sub.Text, r.sub.Color = t.sub, ink
	r.sub.TextSize = th.Size(theme.SizeNameText)
}

// colorName is the theme colour of a tile's icon.
func colorName(accent bool) fyne.ThemeColorName {
	if accent {
		return theme.ColorNameForegroundOnPrimary
	}
	return theme.ColorNameForeground
}

type tileRenderer struct {
	t        *tile
	rect     *canvas.Rectangle
	img      *canvas.Image
	icon     string
	txt, sub *canvas.Text
}

func (r *tileRenderer) Layout(s fyne.Size) {
	r.rect.Resize(s)
	th := r.txt.MinSize()
	sh := r.sub.MinSize()
	if r.t.sub == "" {
		sh = fyne.Size{}
	}
	k := fixedScale(r.t.Theme())
	icon := s.Height - th.Height - sh.Height - 72*k
	if icon > s.Width*0.6 {
		icon = s.Width * 0.6
	}
	if icon < 0 {
		icon = 0
	}
	top := (s.Height - icon - th.Height - sh.Height - 24*k) / 2
	r.img.Move(fyne.NewPos((s.Width-icon)/2, top))
	r.img.Resize(fyne.NewSquareSize(icon))
	r.txt.Move(fyne.NewPos(0, top+icon+16*k))
	r.txt.Resize(fyne.NewSize(s.Width, th.Height))
	r.sub.Move(fyne.NewPos(0, top+icon+16*k+th.Height+8*k))
	r.sub.Resize(fyne.NewSize(s.Width, sh.Height))
}

func (r *tileRenderer) MinSize() fyne.Size {
	k := fixedScale(r.t.Theme())
	w := max(r.txt.MinSize().Width, r.sub.MinSize().Width) + 48*k
	return fyne.NewSize(max(w, 280*k), 200*k)
}

func (r *tileRenderer) Refresh() {
	r.style()
	r.Layout(r.t.Size())
	for _, o := range r.Objects() {
		o.Refresh()
	}
}

func (r *tileRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.rect, r.img, r.txt, r.sub}
}

func (r *tileRenderer) Destroy() {}

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

// banner is a coloured strip with a sentence: errors in red, notices in
// amber. Its text changes in place (SetText, or a bound string).
type banner struct {
	widget.BaseWidget
	text   string
	bg, fg fyne.ThemeColorName
	icon   string
}

// newBanner returns a banner in the colours bg and fg.
func newBanner(bg, fg fyne.ThemeColorName, icon string) *banner {
	b := &banner{bg: bg, fg: fg, icon: icon}
	b.ExtendBaseWidget(b)
	return b
}

// SetText changes the sentence.
func (b *banner) SetText(s string) {
	if b.text == s {
		return
	}
	b.text = s
	b.Refresh()
}

// bind shows the value of s, following its changes.
func (b *banner) bind(s binding.String) {
	s.AddListener(binding.NewDataListener(func() {
		v, err := s.Get()
		if err == nil {
			b.SetText(v)
		}
	}))
}

// CreateRenderer draws the strip.
func (b *banner) CreateRenderer() fyne.WidgetRenderer {
	rect := canvas.NewRectangle(color.Transparent)
	rect.CornerRadius = 10
	seg := &widget.TextSegment{Style: widget.RichTextStyle{SizeName: theme.SizeNameText, TextStyle: fyne.TextStyle{Bold: true}}}
	l := widget.NewRichText(seg)
	l.Wrapping = fyne.TextWrapWord
	img := canvas.NewImageFromResource(theme.NewColoredResource(iconRes(b.icon, false), b.fg))
	side := &sized{w: 36 * 4 / 3, h: 36 * 4 / 3}
	box := container.NewStack(rect, container.NewPadded(container.NewBorder(nil, nil,
		container.NewCenter(container.New(side, img)), nil, l)))
	r := &bannerRenderer{b: b, rect: rect, seg: seg, rt: l, side: side, box: box}
	r.style()
	return r
}

type bannerRenderer struct {
	b    *banner
	rect *canvas.Rectangle
	seg  *widget.TextSegment
	rt   *widget.RichText
	side *sized
	box  *fyne.Container
}

func (r *bannerRenderer) style() {
	th := r.b.Theme()
	r.rect.FillColor = th.Color(r.b.bg, 0)
	r.seg.Text = r.b.text
	r.seg.Style.ColorName = r.b.fg
	s := th.Size(theme.SizeNameInlineIcon) * 4 / 3
	r.side.w, r.side.h = s, s
}

func (r *bannerRenderer) Layout(s fyne.Size) { r.box.Resize(s); r.box.Layout.Layout(r.box.Objects, s) }

func (r *bannerRenderer) MinSize() fyne.Size { return r.box.MinSize() }

func (r *bannerRenderer) Refresh() {
	r.style()
	r.rect.Refresh()
	r.rt.Refresh()
	r.Layout(r.b.Size())
}

func (r *bannerRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.box} }

func (r *bannerRenderer) Destroy() {}

// sizeDrawing is a drawing of a compartment size: the door seen from the
// front with its depth behind, to the same scale for every size.
type sizeDrawing struct {
	widget.BaseWidget
	z locker.Size
}

func newSizeDrawing(z locker.Size) *sizeDrawing {
	d := &sizeDrawing{z: z}
	d.ExtendBaseWidget(d)
	return d
}

// CreateRenderer draws the box.
func (d *sizeDrawing) CreateRenderer() fyne.WidgetRenderer {
	front := canvas.NewRectangle(color.Transparent)
	front.StrokeWidth = 2
	back := canvas.NewRectangle(color.Transparent)
	back.StrokeWidth = 2
	var lines []*canvas.Line
	for range 4 {
		l := canvas.NewLine(color.Black)
		l.StrokeWidth = 2
		lines = append(lines, l)
	}
	r := &sizeRenderer{d: d, front: front, back: back, lines: lines}
	r.style()
	return r
}

// style takes the colours of the drawing's theme.
func (r *sizeRenderer) style() {
	th := r.d.Theme()
	ink := th.Color(theme.ColorNameForeground, 0)
	r.front.FillColor, r.front.StrokeColor = th.Color(theme.ColorNamePrimary, 0), ink
	r.back.StrokeColor = ink
	for _, l := range r.lines {
		l.StrokeColor = ink
	}
}

type sizeRenderer struct {
	d           *sizeDrawing
	front, back *canvas.Rectangle
	lines       []*canvas.Line
}

func (r *sizeRenderer) Layout(s fyne.Size) {
	dims := r.d.z.Dims() // height, width, depth (ascending)
	xl := locker.SizeXL.Dims()
	// A box of XL width and depth fills the drawing.
	scale := min(s.Width/(float32(xl[1])+0.5*float32(xl[2])), s.Height/(float32(xl[0])+0.5*float32(xl[2])))
	h := float32(dims[0]) * scale
	w := float32(dims[1]) * scale
	dp := float32(dims[2]) * scale * 0.5
	x0 := (s.Width - w - dp) / 2
	y0 := s.Height - h - 4
	r.front.Move(fyne.NewPos(x0, y0))
	r.front.Resize(fyne.NewSize(w, h))
	r.back.Move(fyne.NewPos(x0+dp, y0-dp))
	r.back.Resize(fyne.NewSize(w, h))
	corners := [4]fyne.Position{{X: x0, Y: y0}, {X: x0 + w, Y: y0}, {X: x0 + w, Y: y0 + h}, {X: x0, Y: y0 + h}}
	for i, c := range corners {
		r.lines[i].Position1 = c
		r.lines[i].Position2 = c.Add(fyne.NewPos(dp, -dp))
	}
}

func (r *sizeRenderer) MinSize() fyne.Size {
	k := fixedScale(r.d.Theme())
	return fyne.NewSize(120*k, 110*k)
}

func (r *sizeRenderer) Refresh() {
	r.style()
	for _, o := range r.Objects() {
		o.Refresh()
	}
}

func (r *sizeRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.back, r.lines[0], r.lines[1], r.lines[2], r.lines[3], r.front}
}

func (r *sizeRenderer) Destroy() {}

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

// icon returns an embedded icon side units square at the look's density,
// themed to the text colour when themed is set.
func icon(l *look, name string, side float32, themed bool) fyne.CanvasObject {
	img := canvas.NewImageFromResource(iconRes(name, themed))
	img.FillMode = canvas.ImageFillContain
	return container.New(&sized{look: l, w: side, h: side}, img)
}

// colouredIcon returns an embedded icon in the theme colour c.
func colouredIcon(l *look, name string, side float32, c fyne.ThemeColorName) fyne.CanvasObject {
	img := canvas.NewImageFromResource(theme.NewColoredResource(iconRes(name, false), c))
	img.FillMode = canvas.ImageFillContain
	return container.New(&sized{look: l, w: side, h: side}, img)
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

// picButton is a button with a card drawn over it instead of a label (a
// size with its drawing, a recipient's name and unit). Its name says what
// it stands for on the layout map ("size:M", "recipient:R003").
//
// A directory tile is reused for another recipient when the results
// change: a tap whose press began while the tile stood for someone else
// is dropped, so a finger never picks a person it did not press.
type picButton struct {
	widget.Button
	name    string
	pressed string // name at the last mouse press; "" when none
}

// newPicButton returns a picture button named name.
func newPicButton(name string, tap func()) *picButton {
	b := &picButton{name: name}
	b.OnTapped = tap
	b.ExtendBaseWidget(b)
	return b
}

// MouseDown records what the button stood for when pressed.
func (b *picButton) MouseDown(*desktop.MouseEvent) { b.pressed = b.name }

// MouseUp is part of desktop.Mouseable.
func (b *picButton) MouseUp(*desktop.MouseEvent) {}

// Tapped taps the button unless it changed its meaning under the finger.
func (b *picButton) Tapped(ev *fyne.PointEvent) {
	pressed := b.pressed
	b.pressed = ""
	if pressed != "" && pressed != b.name {
		return
	}
	b.Button.Tapped(ev)
}

// qrView is a QR code image that is encoded again only when its text
// changes.
type qrView struct {
	img  *canvas.Image
	text string
	obj  fyne.CanvasObject
}

// newQRView returns an empty QR code side units square.
func newQRView(l *look, side float32) *qrView {
	q := &qrView{img: canvas.NewImageFromImage(nil)}
	q.img.FillMode = canvas.ImageFillContain
	q.img.ScaleMode = canvas.ImageScalePixels
	q.obj = container.New(&sized{look: l, w: side, h: side}, q.img)
	return q
}

// set shows text as a QR code; a grey square when it cannot be encoded.
func (q *qrView) set(text string) {
	if text == q.text && q.img.Image != nil {
		return
	}
	q.text = text
	img, err := qrImage(text, 512)
	if err != nil {
		grey := image.NewRGBA(image.Rect(0, 0, 1, 1))
		grey.Set(0, 0, colGrey)
		img = grey
	}
	q.img.Image = img
	q.img.Refresh()
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
