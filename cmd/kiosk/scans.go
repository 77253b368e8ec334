package main

import (
	"sync"

	"github.com/parcelkiosk/locker/ui"
)

// scanLog keeps the last scans for the diagnostics screen.
type scanLog struct {
	mu   sync.Mutex
	max  int
	last []ui.Scan
}

func newScanLog(max int) *scanLog { return &scanLog{max: max} }

func (l *scanLog) add(s ui.Scan) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last = append(l.last, s)
	if len(l.last) > l.max {
		l.last = l.last[len(l.last)-l.max:]
	}
}

// list returns the scans, newest first.
func (l *scanLog) list() []ui.Scan {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]ui.Scan, len(l.last))
	for i, s := range l.last {
		out[len(l.last)-1-i] = s
	}
	return out
}
