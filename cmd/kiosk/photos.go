package main

import (
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parcelkiosk/locker"
)

// frameSource gives the camera's latest frame, nil when none is ready.
type frameSource interface {
	Preview() *image.Gray
}

// photoKeeper keeps photo evidence: the camera's frame at each door
// opening, saved as DIR/<event id>.jpg (the id of the door.opened or
// door.forced event on the uplink), deleted after the retention time.
type photoKeeper struct {
	dir  string
	keep time.Duration
	cam  frameSource // set before Run
	ids  chan string
	log  *slog.Logger
	now  func() time.Time
}

func newPhotoKeeper(dir string, keep time.Duration, log *slog.Logger) *photoKeeper {
	return &photoKeeper{dir: dir, keep: keep, ids: make(chan string, 32), log: log, now: time.Now}
}

// onCommit is the service's OnCommit hook: it queues a photo for every door
// opening and every incident reported at the screen, and never blocks (a
// full queue drops the photo, with a log line).
func (p *photoKeeper) onCommit(evs []locker.Event) {
	for _, ev := range evs {
		if ev.Type != locker.EvtDoorOpened && ev.Type != locker.EvtDoorForced && ev.Type != locker.EvtIncidentReported {
			continue
		}
		select {
		case p.ids <- ev.ID:
		default:
			p.log.Warn("photo queue full, no photo", "event", ev.ID)
		}
	}
}

// Run takes the queued photos and prunes old ones, until ctx ends.
func (p *photoKeeper) Run(ctx context.Context) error {
	if err := os.MkdirAll(p.dir, 0o750); err != nil {
		return fmt.Errorf("kiosk: photos: %w", err)
	}
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	p.prune()
	for {
		select {
		case <-ctx.Done():
			return nil
		case id := <-p.ids:
			if err := p.snapshot(id); err != nil {
				p.log.Warn("door photo", "event", id, "err", err)
			}
		case <-prune.C:
			p.prune()
		}
	}
}

// snapshot saves the camera's current frame for event id.
func (p *photoKeeper) snapshot(id string) error {
	if p.cam == nil {
		return nil
	}
	img := p.cam.Preview()
	if img == nil {
		return fmt.Errorf("kiosk: photos: no camera frame")
	}
	if strings.ContainsAny(id, `/\.`) || id == "" {
		return fmt.Errorf("kiosk: photos: bad event id %q", id)
	}
	tmp, err := os.CreateTemp(p.dir, ".photo-*")
	if err != nil {
		return fmt.Errorf("kiosk: photos: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := jpeg.Encode(tmp, img, &jpeg.Options{Quality: 80}); err != nil {
		tmp.Close()
		return fmt.Errorf("kiosk: photos: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("kiosk: photos: %w", err)
	}
	return os.Rename(tmp.Name(), filepath.Join(p.dir, id+".jpg"))
}

// prune deletes photos older than the retention time.
func (p *photoKeeper) prune() {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		p.log.Warn("photos: prune", "err", err)
		return
	}
	cutoff := p.now().Add(-p.keep)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".jpg") {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(p.dir, e.Name())); err != nil {
			p.log.Warn("photos: prune", "err", err)
		}
	}
}
