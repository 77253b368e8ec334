package ui

import (
	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/scanner"
)

// The domain service is what the wiring passes to New, and the scanner's
// keyboard wedge is its KeySink.
var (
	_ Service = (*locker.Service)(nil)
	_ KeySink = (*scanner.Wedge)(nil)
)
