package ui

import (
	"image"
	"image/color"
	"math"
	"slices"

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
	img := newSVGIcon(iconRes(b.icon, false), b.fg)
	side := &sized{w: 36 * 4 / 3, h: 36 * 4 / 3}
	box := container.NewStack(rect, container.NewPadded(container.NewBorder(nil, nil,
		container.NewCenter(container.New(side, img)), nil, l)))
	r := &bannerRenderer{b: b, rect: rect, seg: seg, rt: l, img: img, side: side, box: box}
	r.style()
	return r
}

type bannerRenderer struct {
	b    *banner
	rect *canvas.Rectangle
	seg  *widget.TextSegment
	rt   *widget.RichText
	img  *svgIcon
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
	r.img.Refresh()
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

// icon returns an embedded icon side units square at the look's density,
// themed to the text colour when themed is set.
func icon(l *look, name string, side float32, themed bool) fyne.CanvasObject {
	return container.New(&sized{look: l, w: side, h: side}, newSVGIcon(iconRes(name, false), iconColour(themed)))
}

// iconColour is the colour of an icon themed to the text colour, or none.
func iconColour(themed bool) fyne.ThemeColorName {
	if themed {
		return theme.ColorNameForeground
	}
	return ""
}

// colouredIcon returns an embedded icon in the theme colour c.
func colouredIcon(l *look, name string, side float32, c fyne.ThemeColorName) fyne.CanvasObject {
	return container.New(&sized{look: l, w: side, h: side}, newSVGIcon(iconRes(name, false), c))
}

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

// iconButton is a button with an icon before its label, or an icon alone,
// laid out as widget.NewButtonWithIcon lays one out, but with the icon
// drawn by svgIcon: Fyne's button reads, colours and rasterises its SVG
// icon three times at every refresh and again at every new size, so
// restyling a screen in a denser look cost a fraction of a millisecond an
// icon. Code that changes the button's label and importance uses the
// embedded widget.Button (see setButton), as for padKey.
type iconButton struct {
	widget.Button
	icon *svgIcon
}

// newIconButton returns a button labelled label with the icon res, drawn
// in the colour of the button's text.
func newIconButton(label string, res fyne.Resource, tap func()) *iconButton {
	b := &iconButton{icon: newSVGIcon(res, theme.ColorNameForeground)}
	b.Text, b.OnTapped = label, tap
	b.ExtendBaseWidget(b)
	return b
}

// CreateRenderer draws the button as Fyne does, without an icon, and the
// icon beside its label.
func (b *iconButton) CreateRenderer() fyne.WidgetRenderer {
	r := &iconButtonRenderer{WidgetRenderer: b.Button.CreateRenderer(), b: b}
	for _, o := range r.WidgetRenderer.Objects() {
		if t, ok := o.(*widget.RichText); ok {
			r.label = t
		}
	}
	r.objects = append(slices.Clip(r.WidgetRenderer.Objects()), b.icon)
	r.b.icon.setColour(r.foreground())
	return r
}

type iconButtonRenderer struct {
	fyne.WidgetRenderer // the button's own: background, tap animation, label
	b                   *iconButton
	label               *widget.RichText
	objects             []fyne.CanvasObject
}

// foreground is the theme colour of the button's text, which its icon
// takes, as Fyne's button colours its icon.
func (r *iconButtonRenderer) foreground() fyne.ThemeColorName {
	if r.b.Disabled() {
		return theme.ColorNameDisabled
	}
	switch r.b.Importance {
	case widget.DangerImportance:
		return theme.ColorNameForegroundOnError
	case widget.HighImportance:
		return theme.ColorNameForegroundOnPrimary
	case widget.SuccessImportance:
		return theme.ColorNameForegroundOnSuccess
	case widget.WarningImportance:
		return theme.ColorNameForegroundOnWarning
	}
	return theme.ColorNameForeground
}

// MinSize is the label's and the icon's, side by side, with the button's
// inner padding around them.
func (r *iconButtonRenderer) MinSize() fyne.Size {
	th := r.b.Theme()
	side := th.Size(theme.SizeNameInlineIcon)
	label := r.label.MinSize()
	w := side
	if r.b.Text != "" {
		w += label.Width + th.Size(theme.SizeNamePadding)
	}
	pad := th.Size(theme.SizeNameInnerPadding) * 2
	return fyne.NewSize(w+pad, max(label.Height, side)+pad)
}

// Layout places the icon and the label as a row, aligned as the button
// says; the icon is drawn square, centred on the row's height.
func (r *iconButtonRenderer) Layout(s fyne.Size) {
	r.WidgetRenderer.Layout(s) // the background, and the label alone
	th := r.b.Theme()
	side := th.Size(theme.SizeNameInlineIcon)
	row := fyne.NewSquareSize(side)
	label := r.label.MinSize()
	if r.b.Text != "" {
		row = fyne.NewSize(side+theme.Padding()+label.Width, max(side, label.Height))
	}
	pos := fyne.NewPos(0, (s.Height-row.Height)/2)
	inset := th.Size(theme.SizeNameInnerPadding)
	switch r.b.Alignment {
	case widget.ButtonAlignCenter:
		pos.X = (s.Width - row.Width) / 2
	case widget.ButtonAlignLeading:
		pos.X = inset
	case widget.ButtonAlignTrailing:
		pos.X = s.Width - row.Width - inset
	}
	r.b.icon.Move(pos.AddXY(0, (row.Height-side)/2))
	r.b.icon.Resize(fyne.NewSquareSize(side))
	if r.b.Text != "" {
		r.label.Move(pos.AddXY(side+theme.Padding(), (row.Height-label.Height)/2))
		r.label.Resize(fyne.NewSize(label.Width, row.Height))
	}
}

// Refresh takes the button's label, importance and look, and gives the
// icon the label's colour.
func (r *iconButtonRenderer) Refresh() {
	r.WidgetRenderer.Refresh()
	r.b.icon.setColour(r.foreground())
	r.Layout(r.b.Size())
}

func (r *iconButtonRenderer) Objects() []fyne.CanvasObject { return r.objects }

// qrView is a QR code image that is encoded again only when its text
// changes.
type qrView struct {
	img  *canvas.Image
	text string
	obj  fyne.CanvasObject
	// modules is the code's width in modules, quiet zone included (the
	// image's width in pixels), 0 before the first code.
	modules int
}

// newQRView returns an empty QR code side units square.
func newQRView(l *look, side float32) *qrView {
	q := &qrView{img: canvas.NewImageFromImage(nil)}
	q.img.FillMode = canvas.ImageFillContain
	q.img.ScaleMode = canvas.ImageScalePixels
	q.obj = container.New(&qrLayout{sized: sized{look: l, w: side, h: side}, q: q}, q.img)
	return q
}

// qrLayout gives a QR code the largest square in its space that is a
// whole number of screen pixels a module, centred. Scaled by pixels to any
// other size, some modules come out a pixel wider than others, which a
// phone or a detector may misjudge (gozxing miscounted such a code's
// modules).
type qrLayout struct {
	sized
	q *qrView
}

// Layout places the code.
func (l *qrLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	side := min(size.Width, size.Height)
	scale := float32(1)
	if a := fyne.CurrentApp(); a != nil {
		if c := a.Driver().CanvasForObject(l.q.img); c != nil {
			scale = c.Scale()
		}
	}
	if n := float32(l.q.modules); n > 0 {
		if k := float32(math.Floor(float64(side * scale / n))); k >= 1 {
			side = k * n / scale
		}
	}
	// Whole pixels from the space's corner too.
	x := float32(math.Floor(float64((size.Width-side)/2*scale))) / scale
	y := float32(math.Floor(float64((size.Height-side)/2*scale))) / scale
	for _, o := range objs {
		o.Move(fyne.NewPos(x, y))
		o.Resize(fyne.NewSquareSize(side))
	}
}

// set shows text as a QR code; a grey square when it cannot be encoded.
func (q *qrView) set(text string) {
	if text == q.text && q.img.Image != nil {
		return
	}
	q.text = text
	// One pixel a module: the image is drawn scaled up without smoothing
	// (ImageScalePixels), so a new code costs a texture of a few KB rather
	// than a 512 px one.
	img, err := qrImage(text, 1)
	if err != nil {
		grey := image.NewRGBA(image.Rect(0, 0, 1, 1))
		grey.Set(0, 0, colGrey)
		img = grey
	}
	q.img.Image = img
	if n := img.Bounds().Dx(); n != q.modules {
		// Another version: another whole number of pixels a module.
		q.modules = n
		q.obj.Refresh()
	}
	q.img.Refresh()
}
