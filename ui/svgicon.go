package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/fyne-io/oksvg"
	"github.com/srwiley/rasterx"
)

// svgIcon is an SVG icon drawn into pixels when it is first laid out,
// again only when it is laid out larger than it was drawn or its theme
// colour changes; the GPU scales those pixels to any smaller space. A
// canvas.Image of the SVG draws it again at every new size, so the first
// draw of a crowded screen, laid out at the designed size and then at a
// denser one, would pay for every icon twice.
type svgIcon struct {
	widget.BaseWidget
	res    fyne.Resource
	colour fyne.ThemeColorName // the theme colour it is drawn in; "" for its own
	drawn  color.Color         // the colour it was last drawn in
	px     int                 // pixels along the longer side, as drawn
	img    *canvas.Image
}

// newSVGIcon returns res drawn in the theme's colour (none: its own
// colours).
func newSVGIcon(res fyne.Resource, colour fyne.ThemeColorName) *svgIcon {
	ic := &svgIcon{res: res, colour: colour, img: canvas.NewImageFromImage(nil)}
	ic.img.FillMode = canvas.ImageFillContain
	ic.ExtendBaseWidget(ic)
	return ic
}

// draw draws the SVG px pixels along its longer side if it was drawn
// smaller or in another colour.
func (ic *svgIcon) draw(px int) {
	if px <= 0 {
		return
	}
	res := ic.res
	var c color.Color
	if ic.colour != "" {
		c = ic.Theme().Color(ic.colour, fyne.CurrentApp().Settings().ThemeVariant())
		res = theme.NewColoredResource(res, ic.colour)
	}
	if ic.img.Image != nil && c == ic.drawn && px <= ic.px {
		return
	}
	img, err := rasterizeSVG(res.Content(), px)
	if err != nil {
		fyne.LogError("ui: icon "+ic.res.Name(), err)
		return
	}
	ic.drawn, ic.px, ic.img.Image = c, px, img
	ic.img.Refresh()
}

// setColour draws the icon in the theme colour c from now on, again at
// once if it was drawn in another.
func (ic *svgIcon) setColour(c fyne.ThemeColorName) {
	if ic.colour == c {
		return
	}
	ic.colour = c
	ic.Refresh()
}

// pixels is how many pixels the longer side of s takes on screen.
func (ic *svgIcon) pixels(s fyne.Size) int {
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(ic); c != nil {
		scale = c.Scale()
	}
	return int(math.Ceil(float64(max(s.Width, s.Height) * scale)))
}

// CreateRenderer shows the image.
func (ic *svgIcon) CreateRenderer() fyne.WidgetRenderer {
	return &svgIconRenderer{ic: ic}
}

type svgIconRenderer struct{ ic *svgIcon }

func (r *svgIconRenderer) Layout(s fyne.Size) {
	r.ic.draw(r.ic.pixels(s))
	r.ic.img.Resize(s)
}

func (r *svgIconRenderer) MinSize() fyne.Size { return fyne.NewSize(1, 1) }

// Refresh draws the icon again if its colour changed.
func (r *svgIconRenderer) Refresh() {
	if r.ic.img.Image != nil {
		r.ic.draw(r.ic.px)
	}
}

func (r *svgIconRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.ic.img} }
func (r *svgIconRenderer) Destroy()                     {}

// rasterizeSVG draws an SVG document px pixels along its longer side.
func rasterizeSVG(content []byte, px int) (img *image.NRGBA, err error) {
	icon, err := oksvg.ReadIconStream(bytes.NewReader(content))
	if err != nil {
		return nil, fmt.Errorf("ui: svg: %w", err)
	}
	vw, vh := icon.ViewBox.W, icon.ViewBox.H
	if vw <= 0 || vh <= 0 {
		return nil, fmt.Errorf("ui: svg: empty view box %vx%v", vw, vh)
	}
	w, h := px, px
	if vw > vh {
		h = max(1, int(math.Round(float64(px)*vh/vw)))
	} else {
		w = max(1, int(math.Round(float64(px)*vw/vh)))
	}
	icon.SetTarget(0, 0, float64(w), float64(h))
	img = image.NewNRGBA(image.Rect(0, 0, w, h))
	scanner := rasterx.NewScannerGV(w, h, img, img.Bounds())
	defer func() {
		if r := recover(); r != nil { // oksvg panics on some malformed paths
			img, err = nil, fmt.Errorf("ui: svg: %v", r)
		}
	}()
	icon.Draw(rasterx.NewDasher(w, h, scanner), 1)
	return img, nil
}
