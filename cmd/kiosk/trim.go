package main

import (
	"context"
	"time"
)

// trimEvery is how often trimHeaps runs.
const trimEvery = time.Minute

// trimHeaps gives the C heap's free pages back to the system once a
// minute. The window's GL (Mesa) allocates and frees a texture for every
// new text and image it draws; glibc keeps the freed pages, so without
// this the kiosk's resident memory creeps up with the texts it has shown.
func trimHeaps(ctx context.Context) error {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			trimCHeap()
		}
	}
}
