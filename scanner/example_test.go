package scanner_test

import (
	"bytes"
	"fmt"
	"image/png"
	"log"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/parcelkiosk/locker/scanner"
)

// Example decodes the codes in a picture and classifies what they say. The
// picture here is a QR code of a UPS tracking number drawn in memory; on a
// kiosk it is a camera frame (scanner.Camera) or a file
// (lockerctl decode).
func Example() {
	pngData, err := qrcode.Encode("1Z999AA10123456784", qrcode.Medium, 256)
	if err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		log.Fatal(err)
	}
	scans, err := scanner.DecodeImage(img)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range scans {
		c := scanner.Classify(s.Text, scanner.ClassifyOptions{})
		fmt.Println(s.Symbology, s.Text)
		fmt.Println("kind:", c.Kind, "carrier:", c.Carrier)
	}
	// Output:
	// QR 1Z999AA10123456784
	// kind: parcel carrier: UPS
}
