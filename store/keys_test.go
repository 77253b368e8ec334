package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parcelkiosk/locker"
)

func TestKeyFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, keyFile := filepath.Join(dir, "kiosk.db"), filepath.Join(dir, "keys", "kiosk.key")
	db := openAt(t, path, Options{KeyFile: keyFile})
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	snap, err := db.Load(ctx)
	if err != nil || len(snap.Secret) != locker.SecretLen {
		t.Fatalf("Load: %d-byte secret, %v", len(snap.Secret), err)
	}
	const totp = "JBSWY3DPEHPK3PXP"
	apply(t, db, &locker.Change{Staff: []locker.Staff{{ID: "s1", Name: "Sam", PINHash: "ph", TOTPSecret: totp}}})
	var raw string
	if err := db.r.QueryRowContext(ctx, `SELECT totp_secret FROM staff WHERE id = 's1'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, sealedPrefix) || strings.Contains(raw, totp) {
		t.Errorf("stored TOTP secret %q, want it sealed", raw)
	}
	st, err := db.StaffByPIN(ctx, "ph")
	if err != nil || st.TOTPSecret != totp {
		t.Errorf("StaffByPIN = %+v, %v", st, err)
	}
	// A change may not set another secret.
	if err := db.Apply(ctx, &locker.Change{Secret: make([]byte, locker.SecretLen)}); !errors.Is(err, ErrConflict) {
		t.Errorf("Apply(another secret) = %v, want ErrConflict", err)
	}
	db.Close()

	// The same key file opens it again; without one, the sealed secret stays shut.
	db = openAt(t, path, Options{KeyFile: keyFile})
	if s2, err := db.Load(ctx); err != nil || string(s2.Secret) != string(snap.Secret) {
		t.Errorf("reopened with another key: %v", err)
	}
	db.Close()
	db = openAt(t, path, Options{})
	if _, err := db.StaffByPIN(ctx, "ph"); !errors.Is(err, ErrKeyFile) {
		t.Errorf("StaffByPIN without the key file = %v, want ErrKeyFile", err)
	}
	if s3, err := db.Load(ctx); err != nil || len(s3.Secret) != 0 {
		t.Errorf("Load without the key file gave a %d-byte secret, %v", len(s3.Secret), err)
	}
}
