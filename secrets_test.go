package locker_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
	"github.com/parcelkiosk/locker/store"
)

// TestCopiedDatabaseRevealsNoSecret runs a kiosk on a database of the
// version that kept its key inside, upgrades it to a key file, and scans the
// bytes of the database files for the key, the TOTP secret and the PINs.
func TestCopiedDatabaseRevealsNoSecret(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.db")
	keyFile := filepath.Join(dir, "kiosk.key")
	const totp = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	totpRaw, _ := base32.StdEncoding.DecodeString(totp)
	bank := []locker.Compartment{
		{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}},
		{ID: "A2", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 2}},
	}
	clk := lockertest.NewClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	bus := &sensorBus{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	open := func(o store.Options) (*store.DB, *locker.Service) {
		t.Helper()
		db, err := store.Open(ctx, path, o)
		must(err)
		s, err := locker.NewService(locker.Options{Site: "it", Kiosk: "k1", Store: db, Bus: bus, Clock: clk, Compartments: bank})
		must(err)
		must(s.Start(ctx))
		return db, s
	}
	var pins []string
	deposit := func(db *store.DB, s *locker.Service, barcode string) string {
		t.Helper()
		must(s.CourierSignIn(ctx, "COURIER-777"))
		must(s.ScanParcel(ctx, barcode, ""))
		must(s.ChooseRecipient(ctx, "r1"))
		must(s.ChooseSize(ctx, locker.SizeS))
		v := s.View()
		for _, kind := range []locker.DoorEventKind{locker.EventOpened, locker.EventClosed} {
			s.HandleDoorEvent(ctx, locker.DoorEvent{Kind: kind, Addr: v.Compartment.Addr, Commanded: true})
		}
		_, err := s.FinishDeposit(ctx)
		must(err)
		pin := s.View().LastCredential.PIN
		pins = append(pins, pin)
		// The uplink took the events (their PINs are the notifier's).
		ev, err := db.OutboxPending(ctx, 1000)
		must(err)
		var ids []string
		for _, e := range ev {
			ids = append(ids, e.ID)
		}
		must(db.OutboxDelete(ctx, ids))
		return pin
	}
	staffIn := func(s *locker.Service) {
		t.Helper()
		clk.Advance(time.Minute) // a fresh TOTP step
		code, err := locker.TOTPCode(totp, clk.Now())
		must(err)
		must(s.StaffSignIn(ctx, "24681357", code))
		must(s.SignOut(ctx))
	}

	// An older kiosk: the key in meta, the TOTP secret in the clear.
	db, s := open(store.Options{})
	must(s.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "ups"}, "COURIER-777"))
	must(s.UpsertStaff(ctx, locker.Staff{ID: "s1", Name: "Sam", TOTPSecret: totp}, "24681357"))
	_, err := s.UpsertRecipients(ctx, []locker.Recipient{{ID: "r1", Name: "Ada"}})
	must(err)
	oldPIN := deposit(db, s, "OLD1")
	staffIn(s)
	must(db.Close())
	legacy, err := os.ReadFile(path)
	must(err)
	if !bytes.Contains(legacy, []byte(totp)) {
		t.Fatal("the old database does not hold the TOTP secret in the clear: the scan below would prove nothing")
	}

	// The upgrade: the key moves to the key file, the TOTP secret is sealed.
	db, s = open(store.Options{KeyFile: keyFile})
	fi, err := os.Stat(keyFile)
	must(err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	keyHex, err := os.ReadFile(keyFile)
	must(err)
	key, err := hex.DecodeString(strings.TrimSpace(string(keyHex)))
	must(err)
	if !bytes.Contains(legacy, key) {
		t.Fatal("the key file does not hold the key the old database had")
	}
	// Everything issued before still works: the PIN, the staff sign-in.
	must(s.PickupWithPIN(ctx, oldPIN))
	v := s.View()
	for _, kind := range []locker.DoorEventKind{locker.EventOpened, locker.EventClosed} {
		s.HandleDoorEvent(ctx, locker.DoorEvent{Kind: kind, Addr: v.Compartment.Addr, Commanded: true})
	}
	must(s.Cancel(ctx))
	staffIn(s)
	deposit(db, s, "NEW1")
	must(db.Close())

	// A copied database holds none of them.
	secrets := map[string][]byte{
		"key": key, "key in hex": []byte(hex.EncodeToString(key)),
		"key in base64": []byte(base64.StdEncoding.EncodeToString(key)),
		"TOTP secret":   []byte(totp), "TOTP key": totpRaw,
	}
	for i, p := range pins {
		secrets["PIN "+string(rune('1'+i))] = []byte(p)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		must(err)
		for name, sec := range secrets {
			if bytes.Contains(b, sec) {
				t.Errorf("%s holds the %s", filepath.Base(f), name)
			}
		}
	}
	// Without its key file the database does not open into a kiosk.
	must(os.Rename(keyFile, keyFile+".away"))
	if _, err := store.Open(ctx, path, store.Options{KeyFile: keyFile}); err == nil || !strings.Contains(err.Error(), "restore the key file") {
		t.Errorf("open without the key file: %v", err)
	}
	must(os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600))
	if _, err := store.Open(ctx, path, store.Options{KeyFile: keyFile}); err == nil {
		t.Error("the database opened with another key file")
	}
}
