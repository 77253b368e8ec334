package ui

import (
	"fmt"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	qrcode "github.com/skip2/go-qrcode"
)

// qrImage encodes text as a QR code image of about px pixels.
func qrImage(text string, px int) (image.Image, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("ui: qr code: %w", err)
	}
	q.DisableBorder = false
	return q.Image(px), nil
}

// qrObject draws text as a QR code at least side units wide; it returns an
// empty box if text cannot be encoded.
func qrObject(text string, side float32) fyne.CanvasObject {
	img, err := qrImage(text, 512)
	if err != nil {
		r := canvas.NewRectangle(colGrey)
		r.SetMinSize(fyne.NewSquareSize(side))
		return r
	}
	ci := canvas.NewImageFromImage(img)
	ci.FillMode = canvas.ImageFillContain
	ci.ScaleMode = canvas.ImageScalePixels
	ci.SetMinSize(fyne.NewSquareSize(side))
	return ci
}
