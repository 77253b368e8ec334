package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestNoncesSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		nonce string
		at    time.Time
		fresh bool
	}{
		{"nonce-aaaaaaaaaaaa", t0, true},
		{"nonce-aaaaaaaaaaaa", t0.Add(time.Minute), false},
		{"nonce-bbbbbbbbbbbb", t0.Add(2 * time.Hour), true},
	} {
		fresh, err := db.UseNonce(ctx, c.nonce, c.at)
		if err != nil || fresh != c.fresh {
			t.Errorf("use %d %s: fresh %v, %v; want %v", i, c.nonce, fresh, err, c.fresh)
		}
	}
	_ = db.Close()
	if db, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if fresh, err := db.UseNonce(ctx, "nonce-aaaaaaaaaaaa", t0); err != nil || fresh {
		t.Errorf("nonce after reopen: fresh %v, %v; want a replay", fresh, err)
	}
	if n, err := db.PruneNonces(ctx, t0.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("prune: %d, %v; want 1", n, err)
	}
	if fresh, err := db.UseNonce(ctx, "nonce-aaaaaaaaaaaa", t0); err != nil || !fresh {
		t.Errorf("pruned nonce: fresh %v, %v; want fresh", fresh, err)
	}
	if fresh, err := db.UseNonce(ctx, "nonce-bbbbbbbbbbbb", t0); err != nil || fresh {
		t.Errorf("kept nonce: fresh %v, %v; want a replay", fresh, err)
	}
}
