package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/store"
)

// newTestDB writes a real kiosk database with two compartments, two parcels
// and three audit rows, closes it and returns its path.
func newTestDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	c := &locker.Change{
		Secret: []byte("0123456789abcdef0123456789abcdef"),
		Compartments: []locker.Compartment{
			{ID: "A1", Size: locker.SizeS, Addr: locker.LockAddr{Board: 0, Lock: 1}, Column: 1, Row: 1, Status: locker.StatusOccupied, Door: locker.DoorClosed},
			{ID: "A2", Size: locker.SizeM, Addr: locker.LockAddr{Board: 0, Lock: 2}, Column: 1, Row: 2, Status: locker.StatusOccupied, Door: locker.DoorClosed},
		},
		Parcels: []locker.Parcel{
			{ID: "P1", Barcode: "1Z999AA10123456784", Carrier: "ups", CompartmentID: "A1", Size: locker.SizeS,
				Status: locker.ParcelDeposited, PINHash: "deadbeefcafe", CreatedAt: now, DepositedAt: now, ExpiresAt: now.Add(72 * time.Hour)},
			{ID: "P2", Barcode: "9400100000000000000000", Carrier: "usps", CompartmentID: "A2", Size: locker.SizeM,
				Status: locker.ParcelDeposited, PINHash: "feedfacefeed", CreatedAt: now.Add(time.Minute), DepositedAt: now.Add(time.Minute), ExpiresAt: now.Add(73 * time.Hour)},
		},
		Audit: []locker.AuditEntry{
			{Time: now, Actor: "courier:C1", Action: "parcel.deposited", Subject: "P1"},
			{Time: now.Add(time.Minute), Actor: "courier:C1", Action: "parcel.deposited", Subject: "P2"},
			{Time: now.Add(2 * time.Minute), Actor: "staff:S1", Action: "door.open", Subject: "A1", Detail: "inspection"},
		},
	}
	if err := db.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// tamper edits an audit row behind the store's back, as someone with the
// sqlite3 shell would: dropping the trigger that forbids it and putting it
// back afterwards.
func tamper(t *testing.T, path string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	var trigger string
	if err := raw.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_no_update'`).Scan(&trigger); err != nil {
		t.Fatalf("the audit table has no update trigger: %v", err)
	}
	for _, q := range []string{`DROP TRIGGER audit_no_update`, `UPDATE audit SET detail = 'nothing happened' WHERE seq = 2`, trigger} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func runDBArgs(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"db"}, args...), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestDBCheck(t *testing.T) {
	path := newTestDB(t)
	out, _, err := runDBArgs("check", "--db", path)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	if !strings.Contains(out, path+": integrity ok") || !strings.Contains(out, path+": audit chain ok (3 rows)") {
		t.Errorf("check output:\n%s", out)
	}

	tamper(t, path)
	out, _, err = runDBArgs("check", "--db", path)
	if !errors.Is(err, errDBCheck) || !errors.Is(err, store.ErrAuditBroken) {
		t.Fatalf("check of a tampered db: err = %v, want errDBCheck and ErrAuditBroken", err)
	}
	if !strings.Contains(out, "audit chain BROKEN at seq 2") {
		t.Errorf("check output does not name seq 2:\n%s", out)
	}
}

func TestDBCheckCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 500), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := runDBArgs("check", "--db", path)
	if err == nil || !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("check of a non-database: err = %v, want ErrCorrupt", err)
	}
}

func TestDBExport(t *testing.T) {
	path := newTestDB(t)
	t.Run("parcels csv to stdout", func(t *testing.T) {
		out, _, err := runDBArgs("export", "--db", path, "--what", "parcels")
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, out)
		}
		if len(recs) != 3 || recs[0][0] != "id" || recs[1][0] != "P1" || recs[2][0] != "P2" {
			t.Errorf("parcels CSV = %q", recs)
		}
		if strings.Contains(out, "deadbeefcafe") {
			t.Error("the export holds a PIN hash")
		}
	})
	t.Run("audit json to a file", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "audit.json")
		out, _, err := runDBArgs("export", "--db", path, "--what", "audit", "--format", "json", "--out", dst)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "exported audit to "+dst) {
			t.Errorf("output = %q", out)
		}
		b, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		var rows []locker.AuditEntry
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatalf("not a JSON array of audit rows: %v\n%s", err, b)
		}
		if len(rows) != 3 || rows[2].Action != "door.open" || rows[2].Detail != "inspection" || rows[0].Hash == "" {
			t.Errorf("audit rows = %+v", rows)
		}
		// A second export refuses to overwrite and leaves no temp file.
		if _, _, err := runDBArgs("export", "--db", path, "--what", "audit", "--out", dst); err == nil {
			t.Error("export over an existing file succeeded")
		}
		ents, _ := os.ReadDir(filepath.Dir(dst))
		if len(ents) != 1 {
			t.Errorf("files left: %v", ents)
		}
	})
}

func TestDBBackup(t *testing.T) {
	path := newTestDB(t)
	// The source stays open, as it is while the kiosk runs.
	live, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	dst := filepath.Join(t.TempDir(), "backup.db")
	out, _, err := runDBArgs("backup", "--db", path, "--out", dst)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if !strings.Contains(out, "backed up "+path+" to "+dst) || !strings.Contains(out, dst+": audit chain ok (3 rows)") {
		t.Errorf("backup output:\n%s", out)
	}
	// The copy holds the data.
	out, _, err = runDBArgs("export", "--db", dst, "--what", "parcels", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var ps []locker.Parcel
	if err := json.Unmarshal([]byte(out), &ps); err != nil || len(ps) != 2 || ps[0].Barcode != "1Z999AA10123456784" {
		t.Errorf("parcels in the backup = %+v, %v", ps, err)
	}
	if _, _, err := runDBArgs("backup", "--db", path, "--out", dst); err == nil {
		t.Error("backup over an existing file succeeded")
	}
}

func TestDBUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.db")
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool // errUsage expected
	}{
		{"no subcommand", nil, true},
		{"unknown subcommand", []string{"vacuum", "--db", "x"}, true},
		{"no --db", []string{"check"}, true},
		{"export without --what", []string{"export", "--db", missing}, true},
		{"export bad format", []string{"export", "--db", missing, "--what", "audit", "--format", "xml"}, true},
		{"backup without --out", []string{"backup", "--db", missing}, true},
		{"stray argument", []string{"check", "--db", missing, "extra"}, true},
		{"database does not exist", []string{"check", "--db", missing}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runDBArgs(tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, errUsage); got != tc.usage {
				t.Errorf("errors.Is(%v, errUsage) = %v, want %v", err, got, tc.usage)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("lockerctl db created a database that did not exist")
	}
}

// auditDB writes a database whose audit log holds one row per detail.
func auditDB(t *testing.T, details ...string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	c := &locker.Change{}
	for i, d := range details {
		c.Audit = append(c.Audit, locker.AuditEntry{Time: now.Add(time.Duration(i) * time.Minute), Actor: "staff:S1", Action: "door.open", Subject: "A1", Detail: d})
	}
	if err := db.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDBCheckAnchors(t *testing.T) {
	ctx := context.Background()
	orig := auditDB(t, "one", "two", "three")
	db, err := store.Open(ctx, orig, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := db.AuditPage(ctx, 0, 10)
	db.Close()
	if err != nil || len(rows) != 3 {
		t.Fatalf("audit rows %v, %v", rows, err)
	}
	// An audit.anchor event as lockerctl events prints it, a heartbeat,
	// and an unrelated event.
	anchors := filepath.Join(t.TempDir(), "anchors.jsonl")
	lines := fmt.Sprintf(`{"id":"01J","seq":7,"type":"audit.anchor","time":"2026-11-25T10:00:00Z","site":"demo","kiosk":"k1","data":{"audit_seq":%d,"audit_hash":%q}}
{"id":"01K","seq":8,"type":"door.closed","time":"2026-11-25T10:00:01Z","site":"demo","kiosk":"k1","data":{"compartment":"A1"}}
{"site":"demo","kiosk":"k1","time":"2026-11-25T10:00:30Z","uptime_s":30,"audit_seq":%d,"audit_hash":%q}
`, rows[1].Seq, rows[1].Hash, rows[2].Seq, rows[2].Hash)
	if err := os.WriteFile(anchors, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		path    string
		wantErr bool
		want    string
	}{
		{"the anchored chain", orig, false, "audit anchors ok (2 checked, newest seq 3)"},
		{"grown since, history kept", auditDB(t, "one", "two", "three", "four"), false, "audit anchors ok (2 checked"},
		{"rewritten after the anchor", auditDB(t, "one", "2", "three"), true, "audit chain REWRITTEN: seq 2"},
		{"cut short", auditDB(t, "one"), true, "audit anchor MISSING"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Every rewritten chain is consistent in itself: only the
			// anchors tell.
			if out, _, err := runDBArgs("check", "--db", tc.path); err != nil {
				t.Fatalf("plain check: %v\n%s", err, out)
			}
			out, _, err := runDBArgs("check", "--db", tc.path, "--anchors", anchors)
			if (err != nil) != tc.wantErr || !strings.Contains(out, tc.want) {
				t.Errorf("check --anchors: err %v, want error %v; output:\n%s\nwant %q", err, tc.wantErr, out, tc.want)
			}
			if tc.wantErr && !errors.Is(err, errDBCheck) {
				t.Errorf("err %v is not errDBCheck", err)
			}
		})
	}
}
