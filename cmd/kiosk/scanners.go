package main

import "github.com/parcelkiosk/locker/ui"

// startScanners starts the configured barcode sources and forwards their
// scans to the UI.
func (k *kiosk) startScanners(u *ui.UI) {
	_ = u // wired when the scanner sources land
}
