package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"path/filepath"

	"github.com/parcelkiosk/locker/scanner"
	"github.com/parcelkiosk/locker/ui"
)

// scanSources builds the configured barcode sources: evdev HID scanners,
// serial scanners, the camera, and the keyboard wedge in the window. Each
// device source is supervised so it comes back with its device. The demo
// grabs no HID device: it would take the desktop's keyboard.
func (k *kiosk) scanSources() (srcs []scanner.Source, wedge *scanner.Wedge, cam *scanner.Camera) {
	sc := k.cfg.Scanner
	supervise := func(what string, src scanner.Source) scanner.Source {
		return &scanner.Supervised{Source: src, OnError: func(err error) { k.log.Warn("scanner", "source", what, "err", err) }}
	}
	if !k.f.demo {
		for _, pattern := range sc.HID {
			srcs = append(srcs, supervise("hid "+pattern, &scanner.HIDSource{
				Open: func(ctx context.Context) (io.ReadCloser, error) { return openFirst(pattern, scanner.OpenEvdev) },
			}))
		}
	}
	for _, path := range sc.Serial {
		baud := sc.SerialBaud
		srcs = append(srcs, supervise("serial "+path, &scanner.StreamSource{
			Name: "serial",
			Open: func(ctx context.Context) (io.ReadCloser, error) { return scanner.OpenSerial(path, baud) },
		}))
	}
	if sc.Camera != "" {
		dev := sc.Camera
		cam = scanner.NewCamera(scanner.CameraOptions{
			Open: func(ctx context.Context) (scanner.FrameReader, error) {
				return scanner.OpenV4L2(dev, scanner.V4L2Options{})
			},
		})
		srcs = append(srcs, supervise("camera "+dev, cam))
	}
	if sc.Wedge {
		wedge = scanner.NewWedge(scanner.WedgeOptions{})
		srcs = append(srcs, wedge)
	}
	return srcs, wedge, cam
}

// openFirst opens the first device matching a path or glob pattern.
func openFirst(pattern string, open func(string) (io.ReadCloser, error)) (io.ReadCloser, error) {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("kiosk: scanner pattern %q: %w", pattern, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("kiosk: no scanner at %s", pattern)
	}
	return open(paths[0])
}

// routeScans merges the sources into one stream and forwards every scan,
// classified, to the UI.
func (k *kiosk) routeScans(u *ui.UI, srcs []scanner.Source) {
	if len(srcs) == 0 {
		return
	}
	opts := scanner.ClassifyOptions{BadgePrefix: k.cfg.Scanner.BadgePrefix}
	scans := make(chan scanner.Scan, scanner.MergeBuffer)
	k.goRun("scanners", func(ctx context.Context) error { return scanner.Merge(ctx, scans, srcs...) })
	k.goRun("scan router", func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case s := <-scans:
				us := toUIScan(s, opts)
				k.log.Info("scan", "source", us.Source, "kind", int(us.Kind), "symbology", us.Symbology)
				u.HandleScan(us)
			}
		}
	})
}

// toUIScan classifies a scan for the screens. Badges keep their whole text
// (the courier's code is stored with its prefix); parcels get the
// normalised tracking number and the carrier guessed from it.
func toUIScan(s scanner.Scan, o scanner.ClassifyOptions) ui.Scan {
	c := scanner.Classify(s.Text, o)
	us := ui.Scan{Text: s.Text, Symbology: s.Symbology, Source: s.Source, At: s.At}
	switch c.Kind {
	case scanner.KindPickupQR:
		us.Kind, us.Text = ui.ScanPickupQR, c.Text
	case scanner.KindBadge:
		us.Kind = ui.ScanBadge
	case scanner.KindParcel:
		us.Kind, us.Text, us.Carrier = ui.ScanParcel, c.Text, c.Carrier
	}
	return us
}

// cameraPreview adapts the camera's latest frame to the UI.
type cameraPreview struct{ cam *scanner.Camera }

// Preview implements ui.CameraPreview.
func (p cameraPreview) Preview() image.Image {
	if g := p.cam.Preview(); g != nil {
		return g
	}
	return nil
}
