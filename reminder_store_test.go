package locker_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
	"github.com/parcelkiosk/locker/store"
)

// TestExpiringOnceAcrossRestarts: the parcel.expiring reminder and an
// extension are stored with the parcel in the SQLite file, so a kiosk
// restarted after the reminder sends no second one and keeps the new
// expiry and the extension granted so far.
func TestExpiringOnceAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	bank := []locker.Compartment{{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}}}
	clk := lockertest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	bus := &sensorBus{}
	open := func() (*store.DB, *locker.Service) {
		t.Helper()
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := locker.NewService(locker.Options{Site: "it", Kiosk: "k1", Store: db, Bus: bus, Clock: clk,
			Compartments: bank, Expiry: 10 * time.Hour, ExpiringLead: 2 * time.Hour, MaxExtension: 5 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return db, s
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func(db *store.DB, typ string) int {
		t.Helper()
		evs, err := db.OutboxPending(ctx, 10000)
		must(err)
		n := 0
		for _, e := range evs {
			if e.Type == typ {
				n++
			}
		}
		return n
	}
	db, s := open()
	must(s.UpsertCourier(ctx, locker.Courier{ID: "c1", Carrier: "ups"}, "777777"))
	must(s.UpsertStaff(ctx, locker.Staff{ID: "s1", Name: "Sam", TOTPSecret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}, "432109"))
	_, err := s.UpsertRecipients(ctx, []locker.Recipient{{ID: "r1", Name: "Ada"}})
	must(err)
	must(s.CourierSignIn(ctx, "777777"))
	must(s.ScanParcel(ctx, "RST-1", ""))
	must(s.ChooseRecipient(ctx, "r1"))
	must(s.ChooseSize(ctx, locker.SizeS))
	for _, k := range []locker.DoorEventKind{locker.EventOpened, locker.EventClosed} {
		s.HandleDoorEvent(ctx, locker.DoorEvent{Kind: k, Addr: bank[0].Addr, Commanded: true})
	}
	pid := s.View().Parcel.ID
	_, err = s.FinishDeposit(ctx)
	must(err)

	clk.Advance(8*time.Hour + time.Minute)
	s.Tick(ctx)
	if n := count(db, locker.EvtParcelExpiring); n != 1 {
		t.Fatalf("%d reminders, want 1", n)
	}
	_, err = s.ExtendParcel(ctx, pid, "s1", 3*time.Hour)
	must(err)
	must(db.Close())

	db, s = open()
	defer db.Close()
	for range 3 {
		clk.Advance(10 * time.Minute)
		s.Tick(ctx)
	}
	if n := count(db, locker.EvtParcelExpiring); n != 1 {
		t.Errorf("%d reminders after the restart, want 1", n)
	}
	p, err := db.Parcel(ctx, pid)
	must(err)
	if p.ExtendedBy != 3*time.Hour || p.ExpiringSentAt.IsZero() || p.Status != locker.ParcelDeposited {
		t.Fatalf("stored parcel: extended %v, reminded %v, %s", p.ExtendedBy, p.ExpiringSentAt, p.Status)
	}
	// The cap counts the extension granted before the restart.
	if _, err := s.ExtendParcel(ctx, pid, "s1", 3*time.Hour); err == nil {
		t.Error("an extension over the cap after a restart was granted")
	}
	// Past the first expiry (10 h) but before the extended one (13 h).
	clk.Advance(2 * time.Hour)
	s.Tick(ctx)
	if p, _ := db.Parcel(ctx, pid); p.Status != locker.ParcelDeposited {
		t.Errorf("status %s at 10h30 with the expiry moved to 13h", p.Status)
	}
}
