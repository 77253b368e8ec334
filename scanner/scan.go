package scanner

import (
	"context"
	"time"
)

// Scan is one code read by any source.
type Scan struct {
	// Text is the decoded content.
	Text string
	// Symbology is one of the Sym* names ("QR", "Code128", ...), or
	// SymKeyboard for scanners that type.
	Symbology string
	// Source names the source that read it ("hid", "wedge", "serial",
	// "camera", "file:NAME").
	Source string
	// At is when it was read.
	At time.Time
}

// Source produces scans until its context ends.
type Source interface {
	Run(ctx context.Context, out chan<- Scan) error
}
