package ui

import "github.com/parcelkiosk/locker"

// The domain service is what the wiring passes to New.
var _ Service = (*locker.Service)(nil)
