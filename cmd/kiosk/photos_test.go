package main

import (
	"context"
	"image"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// stillFrame is a camera that always shows the same grey frame.
type stillFrame struct{ img *image.Gray }

func (s stillFrame) Preview() *image.Gray { return s.img }

func TestPhotoKeeperTakesOnePhotoPerDoorOpening(t *testing.T) {
	dir := t.TempDir()
	p := newPhotoKeeper(dir, 24*time.Hour, slog.New(slog.DiscardHandler))
	p.cam = stillFrame{image.NewGray(image.Rect(0, 0, 64, 48))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	p.onCommit([]locker.Event{
		{ID: "01OPENED", Type: locker.EvtDoorOpened},
		{ID: "01DEPOSIT", Type: locker.EvtParcelDeposited},
		{ID: "01FORCED", Type: locker.EvtDoorForced},
	})
	want := []string{"01FORCED.jpg", "01OPENED.jpg"}
	deadline := time.Now().Add(5 * time.Second)
	var names []string
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		names = names[:0]
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if len(names) == len(want) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || names[0] != want[0] || names[1] != want[1] {
		t.Fatalf("photos %v, want %v", names, want)
	}
	f, err := os.Open(filepath.Join(dir, want[1]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("photo is not a JPEG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 48 {
		t.Errorf("photo %v, want 64x48", b)
	}
}

func TestPhotoKeeperPrunesOldPhotos(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	p := newPhotoKeeper(dir, 30*24*time.Hour, slog.New(slog.DiscardHandler))
	p.now = func() time.Time { return now }
	for name, age := range map[string]time.Duration{"old.jpg": 31 * 24 * time.Hour, "new.jpg": 29 * 24 * time.Hour, "notes.txt": 400 * 24 * time.Hour} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	p.prune()
	for name, kept := range map[string]bool{"old.jpg": false, "new.jpg": true, "notes.txt": true} {
		_, err := os.Stat(filepath.Join(dir, name))
		if got := err == nil; got != kept {
			t.Errorf("%s kept = %v, want %v", name, got, kept)
		}
	}
}

func TestPhotoKeeperRefusesBadIDs(t *testing.T) {
	p := newPhotoKeeper(t.TempDir(), time.Hour, slog.New(slog.DiscardHandler))
	p.cam = stillFrame{image.NewGray(image.Rect(0, 0, 8, 8))}
	for _, id := range []string{"", "../escape", "a/b"} {
		if err := p.snapshot(id); err == nil {
			t.Errorf("snapshot(%q) = nil, want an error", id)
		}
	}
}
