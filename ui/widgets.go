package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
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

// CreateRenderer draws the card.
func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	th := t.Theme()
	bg := th.Color(theme.ColorNameButton, 0)
	ink := th.Color(theme.ColorNameForeground, 0)
	if t.accent {
		bg = th.Color(theme.ColorNamePrimary, 0)
		ink = th.Color(theme.ColorNameForegroundOnPrimary, 0)
	}
	rect := canvas.NewRectangle(bg)
	rect.CornerRadius = 24
	rect.StrokeColor = th.Color(theme.ColorNameForeground, 0)
	rect.StrokeWidth = 0
	if !t.accent {
		rect.StrokeWidth = 3
	}
	img := canvas.NewImageFromResource(theme.NewColoredResource(iconRes(t.icon, false), colorName(t.accent)))
	img.FillMode = canvas.ImageFillContain
	txt := canvas.NewText(t.label, ink)
	txt.TextSize = th.Size(theme.SizeNameHeadingText) * 1.2
	txt.TextStyle.Bold = true
	txt.Alignment = fyne.TextAlignCenter
	sub := canvas.NewText(t.sub, ink)
	sub.TextSize = th.Size(theme.SizeNameText)
	sub.Alignment = fyne.TextAlignCenter
	return &tileRenderer{t: t, rect: rect, img: img, txt: txt, sub: sub}
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

func (r *tileRenderer) Refresh() { canvas.Refresh(r.t) }

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
// amber, success in green.
func banner(s string, bg fyne.ThemeColorName, fg fyne.ThemeColorName, icon string) fyne.CanvasObject {
	th := fyne.CurrentApp().Settings().Theme()
	rect := canvas.NewRectangle(th.Color(bg, 0))
	rect.CornerRadius = 10
	l := widget.NewRichText(&widget.TextSegment{Text: s, Style: widget.RichTextStyle{
		ColorName: fg, SizeName: theme.SizeNameText, TextStyle: fyne.TextStyle{Bold: true},
	}})
	l.Wrapping = fyne.TextWrapWord
	img := canvas.NewImageFromResource(theme.NewColoredResource(iconRes(icon, false), fg))
	img.SetMinSize(fyne.NewSquareSize(th.Size(theme.SizeNameInlineIcon) * 4 / 3))
	return container.NewStack(rect, container.NewPadded(container.NewBorder(nil, nil, container.NewCenter(img), nil, l)))
}

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
	th := d.Theme()
	ink := th.Color(theme.ColorNameForeground, 0)
	front := canvas.NewRectangle(th.Color(theme.ColorNamePrimary, 0))
	front.StrokeColor, front.StrokeWidth = ink, 2
	back := canvas.NewRectangle(color.Transparent)
	back.StrokeColor, back.StrokeWidth = ink, 2
	var lines []*canvas.Line
	for range 4 {
		l := canvas.NewLine(ink)
		l.StrokeWidth = 2
		lines = append(lines, l)
	}
	return &sizeRenderer{d: d, front: front, back: back, lines: lines}
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

func (r *sizeRenderer) Refresh() { canvas.Refresh(r.d) }

func (r *sizeRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.back, r.lines[0], r.lines[1], r.lines[2], r.lines[3], r.front}
}

func (r *sizeRenderer) Destroy() {}

// split lays two objects side by side in landscape and one above the
// other in portrait, so one screen serves landscape (1280x800) and
// portrait (1080x1920). ratio is the first object's share.
type split struct {
	ratio    float32
	portrait bool
	// fitFirst gives the first object only the height it needs in
	// portrait, and the rest (e.g. a keypad) to the second.
	fitFirst bool
}

// MinSize is the larger of the two arrangements' needs along each axis.
func (l split) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) < 2 {
		return fyne.Size{}
	}
	a, b := objs[0].MinSize(), objs[1].MinSize()
	pad := theme.Padding() * 3
	if l.portrait {
		return fyne.NewSize(max(a.Width, b.Width), a.Height+b.Height+pad)
	}
	return fyne.NewSize(a.Width+b.Width+pad, max(a.Height, b.Height))
}

// Layout places the two objects.
func (l split) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	if len(objs) < 2 {
		return
	}
	pad := theme.Padding() * 3
	if !l.portrait {
		w := (s.Width - pad) * l.ratio
		if m := objs[0].MinSize().Width; w < m {
			w = m
		}
		objs[0].Move(fyne.NewPos(0, 0))
		objs[0].Resize(fyne.NewSize(w, s.Height))
		objs[1].Move(fyne.NewPos(w+pad, 0))
		objs[1].Resize(fyne.NewSize(s.Width-w-pad, s.Height))
		return
	}
	h := (s.Height - pad) * l.ratio
	if m := objs[0].MinSize().Height; h < m || l.fitFirst {
		h = m
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(s.Width, h))
	objs[1].Move(fyne.NewPos(0, h+pad))
	objs[1].Resize(fyne.NewSize(s.Width, s.Height-h-pad))
}

// icon returns an embedded icon drawn at side units, themed to the text
// colour when themed is set.
func icon(name string, side float32, themed bool) *canvas.Image {
	img := canvas.NewImageFromResource(iconRes(name, themed))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSquareSize(side))
	return img
}

// colouredIcon returns an embedded icon in the theme colour c.
func colouredIcon(name string, side float32, c fyne.ThemeColorName) *canvas.Image {
	img := canvas.NewImageFromResource(theme.NewColoredResource(iconRes(name, false), c))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSquareSize(side))
	return img
}

// flowGrid lays cells in as many columns as fit cells of at least minCell
// in the width given (at most maxCols), sharing the space evenly.
type flowGrid struct {
	minCell fyne.Size
	maxCols int
}

func (g *flowGrid) cols(w float32, n int) int {
	pad := theme.Padding()
	c := int((w + pad) / (g.minCell.Width + pad))
	c = max(1, min(c, g.maxCols, n))
	return c
}

// MinSize is two cells wide and one cell high: the grid wraps to fit.
func (g *flowGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(g.minCell.Width*2+theme.Padding(), g.minCell.Height)
}

// Layout places the cells row by row.
func (g *flowGrid) Layout(objs []fyne.CanvasObject, s fyne.Size) {
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

// lines draws rows of text without per-row padding, for dense panels
// (details, audit log, diagnostics). Rows longer than maxRunes are cut.
func lines(rows []string, size fyne.ThemeSizeName, maxRunes int) fyne.CanvasObject {
	th := fyne.CurrentApp().Settings().Theme()
	box := container.NewVBox()
	for _, r := range rows {
		if rs := []rune(r); maxRunes > 0 && len(rs) > maxRunes {
			r = string(rs[:maxRunes-1]) + "…"
		}
		t := canvas.NewText(r, th.Color(theme.ColorNameForeground, 0))
		t.TextSize = th.Size(size)
		box.Add(t)
	}
	return container.NewPadded(box)
}
