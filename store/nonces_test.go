package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
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

func TestStaffAndCourierByID(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openAt(t, filepath.Join(dir, "kiosk.db"), Options{KeyFile: filepath.Join(dir, "kiosk.key")})
	const totp = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	apply(t, db, &locker.Change{
		Staff:    []locker.Staff{{ID: "s1", Name: "Sam", PINHash: "ph", TOTPSecret: totp}},
		Couriers: []locker.Courier{{ID: "c1", Carrier: "ups", Name: "Una", CodeHash: "ch"}},
	})
	if st, err := db.StaffByID(ctx, "s1"); err != nil || st.TOTPSecret != totp || st.Name != "Sam" {
		t.Errorf("StaffByID = %+v, %v; want the TOTP secret opened", st, err)
	}
	if c, err := db.CourierByID(ctx, "c1"); err != nil || c.CodeHash != "ch" {
		t.Errorf("CourierByID = %+v, %v", c, err)
	}
	apply(t, db, &locker.Change{DeleteStaff: []string{"s1"}, DeleteCouriers: []string{"c1"}})
	if _, err := db.StaffByID(ctx, "s1"); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("deleted staff: %v", err)
	}
	if _, err := db.CourierByID(ctx, "c1"); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("deleted courier: %v", err)
	}
	if _, err := db.StaffByPIN(ctx, "ph"); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("deleted staff's PIN: %v", err)
	}
}
