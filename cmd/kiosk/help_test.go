package main

import (
	"context"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// TestPhotoKeeperPhotographsIncidents: an incident reported at the screen
// gets the camera's frame as DIR/<incident event id>.jpg, like a door
// opening.
func TestPhotoKeeperPhotographsIncidents(t *testing.T) {
	dir := t.TempDir()
	p := newPhotoKeeper(dir, 24*time.Hour, slog.New(slog.DiscardHandler))
	p.cam = stillFrame{image.NewGray(image.Rect(0, 0, 32, 24))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	p.onCommit([]locker.Event{{ID: "01INCIDENT", Type: locker.EvtIncidentReported}, {ID: "01EXTENDED", Type: locker.EvtParcelExtended}})
	want := filepath.Join(dir, "01INCIDENT.jpg")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(want); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "01INCIDENT.jpg" {
		t.Fatalf("photos %v, want the incident's only", entries)
	}
}
