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

// svgIcon is an SVG icon drawn into pixels once, when it is built and
// when its theme colour changes, at a size that covers every size it is
// laid out at (the densities, the larger text, a HiDPI screen); the GPU
// scales those pixels to the space laid out. A canvas.Image of the SVG
// would draw it again at every new size, so the first draw of a crowded
// screen, laid out at the designed size and then at a denser one, would
// pay for every icon twice.
type svgIcon struct {
	widget.BaseWidget
	res    fyne.Resource
	colour fyne.ThemeColorName // the theme colour it is drawn in; "" for its own
	drawn  color.Color         // the colour it was last drawn in
	px     int                 // pixels along the longer side
	img    *canvas.Image
}

// iconOversize is how many pixels the icon draws per unit of its designed
// side: 2 for a HiDPI screen, and room for the larger text.
const iconOversize = 2.5

// newSVGIcon returns res drawn in the theme's colour (none: its own
// colours) for a designed side of side units.
func newSVGIcon(res fyne.Resource, colour fyne.ThemeColorName, side float32) *svgIcon {
	ic := &svgIcon{res: res, colour: colour, px: int(math.Ceil(float64(side * iconOversize))), img: canvas.NewImageFromImage(nil)}
	ic.img.FillMode = canvas.ImageFillContain
	ic.ExtendBaseWidget(ic)
	ic.draw()
	return ic
}

// draw draws the SVG if it was not drawn yet or its colour changed.
func (ic *svgIcon) draw() {
	res := ic.res
	var c color.Color
	if ic.colour != "" {
		c = ic.Theme().Color(ic.colour, fyne.CurrentApp().Settings().ThemeVariant())
		res = theme.NewColoredResource(res, ic.colour)
	}
	if ic.img.Image != nil && c == ic.drawn {
		return
	}
	img, err := rasterizeSVG(res.Content(), ic.px)
	if err != nil {
		fyne.LogError("ui: icon "+ic.res.Name(), err)
		return
	}
	ic.drawn, ic.img.Image = c, img
	ic.img.Refresh()
}

// CreateRenderer shows the image.
func (ic *svgIcon) CreateRenderer() fyne.WidgetRenderer {
	return &svgIconRenderer{ic: ic}
}

type svgIconRenderer struct{ ic *svgIcon }

func (r *svgIconRenderer) Layout(s fyne.Size)           { r.ic.img.Resize(s) }
func (r *svgIconRenderer) MinSize() fyne.Size           { return fyne.NewSize(1, 1) }
func (r *svgIconRenderer) Refresh()                     { r.ic.draw() }
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
