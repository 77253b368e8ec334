package main

import (
	"context"
	"runtime/debug"
	"time"
)

// trimEvery is how often trimHeaps runs.
const trimEvery = time.Minute

// trimHeaps gives the free pages of both heaps back to the system once a
// minute. The window's GL (Mesa) allocates and frees a texture for every
// new text and image it draws; glibc keeps the freed pages, so without
// this the kiosk's resident memory creeps up with the texts it has shown.
// Go's scavenger returns its free pages only slowly, a few MB a kiosk
// with 1-2 GB can use better; one collection a minute costs a few ms.
func trimHeaps(ctx context.Context) error {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			debug.FreeOSMemory()
			trimCHeap()
		}
	}
}
