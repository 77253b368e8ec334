package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/internal/lockertest"
)

// openTest opens a fresh database in t.TempDir() and closes it at cleanup.
func openTest(t testing.TB, o Options) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	return openAt(t, path, o), path
}

func openAt(t testing.TB, path string, o Options) *DB {
	t.Helper()
	if o.Clock == nil {
		o.Clock = lockertest.NewClock(time.Date(2026, 11, 25, 9, 30, 0, 123456789, time.UTC))
	}
	db, err := Open(context.Background(), path, o)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rawOpen opens path with a plain connection that bypasses the store (for
// tampering and inspection).
func rawOpen(t testing.TB, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}

func mustExec(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func bank(n int) []locker.Compartment {
	cs := make([]locker.Compartment, n)
	for i := range cs {
		cs[i] = locker.Compartment{
			ID: fmt.Sprintf("A%d", i+1), Size: locker.Sizes[i%len(locker.Sizes)],
			Addr:   locker.LockAddr{Board: i / 16, Lock: i%16 + 1},
			Column: i/4 + 1, Row: i%4 + 1, Accessible: i%4 > 0,
			Status: locker.StatusAvailable, Door: locker.DoorClosed,
		}
	}
	return cs
}

// depositChange is the Change the service commits when a door closes on a
// parcel: the parcel, its compartment, one event and one audit row.
func depositChange(at time.Time, compartment, barcode string) *locker.Change {
	id := locker.NewULID(at)
	p := locker.Parcel{
		ID: id, Barcode: barcode, Carrier: "ups", CourierID: "c1", RecipientID: "r1",
		CompartmentID: compartment, Size: locker.SizeS, Status: locker.ParcelDeposited,
		VisitID: "v-" + id, CredentialID: "cred-" + id, PINHash: "hash-" + id,
		CreatedAt: at, DepositedAt: at, ExpiresAt: at.Add(72 * time.Hour),
	}
	data, _ := json.Marshal(map[string]string{"parcel_id": id, "compartment": compartment})
	return &locker.Change{
		Parcels: []locker.Parcel{p},
		Compartments: []locker.Compartment{{ID: compartment, Size: locker.SizeS,
			Addr: locker.LockAddr{Board: 0, Lock: 1}, Status: locker.StatusOccupied,
			Door: locker.DoorClosed, LastUsed: at}},
		Events: []locker.Event{{ID: locker.NewULID(at), Type: locker.EvtParcelDeposited, Time: at,
			Site: "demo", Kiosk: "k1", Data: data}},
		Audit: []locker.AuditEntry{{Time: at, Actor: "courier:c1", Action: "parcel.deposited",
			Subject: compartment, Detail: barcode}},
	}
}

// auditEvents returns a Change with n audit rows and one event.
func auditChange(at time.Time, n int, tag string) *locker.Change {
	c := &locker.Change{Events: []locker.Event{{ID: locker.NewULID(at), Type: locker.EvtStaffLogin,
		Time: at, Site: "demo", Kiosk: "k1", Data: json.RawMessage(`{}`)}}}
	for i := range n {
		c.Audit = append(c.Audit, locker.AuditEntry{Time: at.Add(time.Duration(i) * time.Second),
			Actor: "staff:s1", Action: "door.open", Subject: fmt.Sprintf("A%d", i+1),
			Detail: fmt.Sprintf("%s-%d", tag, i)})
	}
	return c
}

func apply(t testing.TB, db *DB, c *locker.Change) {
	t.Helper()
	if err := db.Apply(context.Background(), c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}
