package ui

import (
	"fmt"
	"image"

	qrcode "github.com/skip2/go-qrcode"
)

// qrImage encodes text as a QR code image of about px pixels, at least
// one a module.
func qrImage(text string, px int) (image.Image, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("ui: qr code: %w", err)
	}
	q.DisableBorder = false
	return q.Image(px), nil
}
