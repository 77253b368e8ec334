package main

import (
	"context"
	"io"

	"github.com/parcelkiosk/locker/scanner"
	"github.com/parcelkiosk/locker/ui"
)

// startScanners starts the configured barcode sources, merged into one
// stream, and forwards every scan, classified, to the UI.
func (k *kiosk) startScanners(u *ui.UI) {
	sc := k.cfg.Scanner
	var srcs []scanner.Source
	for _, path := range sc.Serial {
		baud := sc.SerialBaud
		srcs = append(srcs, &scanner.Supervised{
			Source: &scanner.StreamSource{
				Name: "serial",
				Open: func(ctx context.Context) (io.ReadCloser, error) { return scanner.OpenSerial(path, baud) },
			},
			OnError: func(err error) { k.log.Warn("serial scanner", "port", path, "err", err) },
		})
	}
	if len(srcs) == 0 {
		return
	}
	opts := scanner.ClassifyOptions{BadgePrefix: sc.BadgePrefix}
	scans := make(chan scanner.Scan, scanner.MergeBuffer)
	k.goRun("scanners", func(ctx context.Context) error { return scanner.Merge(ctx, scans, srcs...) })
	k.goRun("scan router", func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case s := <-scans:
				us := toUIScan(s, opts)
				k.scans.add(us)
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
