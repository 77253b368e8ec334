package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/parcelkiosk/locker"
)

func TestOpenSetsUpSchemaAndPragmas(t *testing.T) {
	db, path := openTest(t, Options{})
	ctx := context.Background()

	var mode string
	var sync, fk int
	if err := db.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := db.w.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := db.w.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 || fk != 1 {
		t.Errorf("journal_mode=%s synchronous=%d foreign_keys=%d, want wal 2 1", mode, sync, fk)
	}
	if err := db.r.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
		t.Errorf("reader synchronous=%d (%v), want 2", sync, err)
	}
	v, err := db.version(ctx)
	if err != nil || v != SchemaVersion() || v < 1 {
		t.Errorf("version = %d, %v; want %d", v, err, SchemaVersion())
	}
	for _, table := range []string{"meta", "compartments", "parcels", "recipients", "couriers",
		"staff", "expected", "outbox", "audit", "schema_version"} {
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master
			WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: count %d, %v", table, n, err)
		}
	}
	s, err := db.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.NextSeq != 1 || len(s.Secret) != 0 || len(s.Compartments) != 0 || len(s.Parcels) != 0 {
		t.Errorf("new database snapshot = %+v", s)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check on a new database: %v", err)
	}
	if n, err := db.Size(); err != nil || n <= 0 {
		t.Errorf("Size = %d, %v", n, err)
	}
	// Reopening an up-to-date database migrates nothing and backs up nothing.
	db.Close()
	openAt(t, path, Options{})
	if m, _ := filepath.Glob(path + ".pre-v*.bak"); len(m) != 0 {
		t.Errorf("backups after reopen: %v", m)
	}
}

// testMigrations returns the embedded migrations plus extra ones.
func testMigrations(t *testing.T, upTo int, extra map[string]string) fstest.MapFS {
	t.Helper()
	ms, err := loadMigrations(embeddedMigrations())
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, m := range ms[:upTo] {
		fsys[m.name] = &fstest.MapFile{Data: []byte(m.sql)}
	}
	for name, sql := range extra {
		fsys["migrations/"+name] = &fstest.MapFile{Data: []byte(sql)}
	}
	return fsys
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	n := SchemaVersion()
	next := n + 1
	nextName := func(s string) string { return padVersion(next) + "_" + s + ".sql" }
	tests := []struct {
		name       string
		extra      map[string]string
		wantErr    error // nil: success
		wantErrAny bool
		wantBackup bool
		wantVer    int
	}{
		{
			name:       "new migration on an existing database backs it up first",
			extra:      map[string]string{nextName("notes"): `ALTER TABLE parcels ADD COLUMN note TEXT NOT NULL DEFAULT '';`},
			wantBackup: true, wantVer: next,
		},
		{
			name: "failing migration rolls back and keeps the old version",
			extra: map[string]string{nextName("broken"): `ALTER TABLE parcels ADD COLUMN note TEXT;
				INSERT INTO no_such_table VALUES (1);`},
			wantErrAny: true, wantBackup: true, wantVer: n,
		},
		{
			name:       "gap in the migration numbers is refused",
			extra:      map[string]string{padVersion(next+1) + "_gap.sql": `SELECT 1;`},
			wantErrAny: true, wantVer: n,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.db")
			db := openAt(t, path, Options{})
			apply(t, db, &locker.Change{Compartments: bank(2)})
			apply(t, db, depositChange(time.Now(), "A1", "BC1"))
			db.Close()

			got, err := Open(ctx, path, Options{migrations: testMigrations(t, n, tc.extra)})
			if tc.wantErrAny != (err != nil) {
				t.Fatalf("Open: err = %v, want error %v", err, tc.wantErrAny)
			}
			if err == nil {
				got.Close()
			}
			_, statErr := os.Stat(path + ".pre-v" + strconv.Itoa(next) + ".bak")
			if tc.wantBackup != (statErr == nil) {
				t.Errorf("backup exists = %v, want %v", statErr == nil, tc.wantBackup)
			}
			raw := rawOpen(t, path)
			var ver, parcels int
			if err := raw.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&ver); err != nil {
				t.Fatal(err)
			}
			if err := raw.QueryRow(`SELECT COUNT(*) FROM parcels`).Scan(&parcels); err != nil {
				t.Fatal(err)
			}
			if ver != tc.wantVer || parcels != 1 {
				t.Errorf("after: version %d parcels %d, want %d and 1", ver, parcels, tc.wantVer)
			}
			if tc.wantBackup {
				// The backup is the database as it was before the migration.
				b, err := Open(ctx, path+".pre-v"+strconv.Itoa(next)+".bak", Options{})
				if err != nil {
					t.Fatalf("open backup: %v", err)
				}
				defer b.Close()
				if v, _ := b.version(ctx); v != n {
					t.Errorf("backup version %d, want %d", v, n)
				}
				if err := b.Check(ctx); err != nil {
					t.Errorf("backup Check: %v", err)
				}
			}
		})
	}

	t.Run("database newer than the software is refused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "kiosk.db")
		db := openAt(t, path, Options{migrations: testMigrations(t, n, map[string]string{
			nextName("future"): `CREATE TABLE future (x);`})})
		db.Close()
		_, err := Open(ctx, path, Options{})
		if !errors.Is(err, ErrTooNew) {
			t.Errorf("Open = %v, want ErrTooNew", err)
		}
	})
}

func padVersion(v int) string {
	s := strconv.Itoa(v)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

func TestApplyRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t, Options{})
	at := time.Date(2026, 11, 25, 10, 0, 0, 987654321, time.FixedZone("CET", 3600))
	lockout := &locker.Lockout{
		Counters: map[locker.CodeKind]locker.Counter{
			locker.KindPIN:     {Failures: []time.Time{at.UTC()}, Level: 2, LockedAt: at.UTC(), LockedUntil: at.Add(time.Minute).UTC()},
			locker.KindCourier: {Failures: []time.Time{at.UTC()}, Unreported: 1, Since: at.UTC()},
		},
		TOTPUsed: map[string]uint64{"s1": 59},
	}
	c := &locker.Change{
		Secret:       []byte("0123456789abcdef0123456789abcdef"),
		Compartments: bank(5),
		Recipients: []locker.Recipient{{ID: "r1", Name: "Ada Lovelace", Unit: "4B", Accessible: true},
			{ID: "r2", Name: "Émile Zola", Unit: "1A"}},
		Couriers: []locker.Courier{{ID: "c1", Carrier: "ups", Name: "Uma", CodeHash: "codehash1"}},
		Staff:    []locker.Staff{{ID: "s1", Name: "Sam", PINHash: "pinhash1", TOTPSecret: "JBSWY3DPEHPK3PXP"}},
		Expected: []locker.Expected{{ID: "e1", Barcode: "1Z999", Carrier: "ups", RecipientID: "r1",
			Size: locker.SizeM, DimsMM: [3]int{100, 200, 300}, Refrigerated: true,
			IdempotencyKey: "key-1", CreatedAt: at}},
		Lockout: lockout,
	}
	apply(t, db, c)
	dep := depositChange(at, "A2", "1Z999")
	dep.Parcels[0].PausedSince = at.Add(time.Hour)
	dep.Parcels[0].Upsized = true
	dep.Parcels[0].ExpectedID = "e1"
	apply(t, db, dep)
	if dep.Events[0].Seq != 1 || dep.Audit[0].Seq != 1 || dep.Audit[0].PrevHash != GenesisHash ||
		len(dep.Audit[0].Hash) != 64 {
		t.Errorf("Apply did not fill seq and hashes: %+v %+v", dep.Events[0], dep.Audit[0])
	}
	picked := dep.Parcels[0]
	picked.ID, picked.Barcode, picked.Status, picked.ClosedAt = "old", "OLD1", locker.ParcelPickedUp, at
	apply(t, db, &locker.Change{Parcels: []locker.Parcel{picked}})

	// Reopen so everything comes from the file.
	db.Close()
	db = openAt(t, path, Options{})
	s, err := db.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Secret) != string(c.Secret) || s.NextSeq != 2 {
		t.Errorf("secret %q next seq %d", s.Secret, s.NextSeq)
	}
	if !reflect.DeepEqual(s.Lockout, *lockout) {
		t.Errorf("lockout = %+v, want %+v", s.Lockout, *lockout)
	}
	if len(s.Compartments) != 5 {
		t.Fatalf("compartments: %d", len(s.Compartments))
	}
	var a2 locker.Compartment
	for _, cp := range s.Compartments {
		if cp.ID == "A2" {
			a2 = cp
		}
	}
	if a2.Status != locker.StatusOccupied || !a2.LastUsed.Equal(at) {
		t.Errorf("A2 = %+v", a2)
	}
	if len(s.Parcels) != 1 {
		t.Fatalf("active parcels = %d, want 1 (picked-up parcels stay out)", len(s.Parcels))
	}
	if !parcelsEqual(s.Parcels[0], dep.Parcels[0]) {
		t.Errorf("parcel round trip:\n got %+v\nwant %+v", s.Parcels[0], dep.Parcels[0])
	}
	if p, err := db.Parcel(ctx, "old"); err != nil || p.Status != locker.ParcelPickedUp || !p.ClosedAt.Equal(at) {
		t.Errorf("Parcel(old) = %+v, %v", p, err)
	}
	if ps, err := db.ParcelsByBarcode(ctx, "1Z999"); err != nil || len(ps) != 1 || ps[0].ID != dep.Parcels[0].ID {
		t.Errorf("ParcelsByBarcode = %+v, %v", ps, err)
	}
	if r, err := db.Recipient(ctx, "r2"); err != nil || r != c.Recipients[1] {
		t.Errorf("Recipient = %+v, %v", r, err)
	}
	if k, err := db.CourierByCode(ctx, "codehash1"); err != nil || k != c.Couriers[0] {
		t.Errorf("CourierByCode = %+v, %v", k, err)
	}
	if st, err := db.StaffByPIN(ctx, "pinhash1"); err != nil || st != c.Staff[0] {
		t.Errorf("StaffByPIN = %+v, %v", st, err)
	}
	for _, get := range []func() (locker.Expected, error){
		func() (locker.Expected, error) { return db.ExpectedByBarcode(ctx, "1Z999") },
		func() (locker.Expected, error) { return db.ExpectedByKey(ctx, "key-1") },
	} {
		e, err := get()
		want := c.Expected[0]
		if err != nil || !e.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("expected = %+v, %v", e, err)
		}
		e.CreatedAt = want.CreatedAt
		if !reflect.DeepEqual(e, want) {
			t.Errorf("expected = %+v, want %+v", e, want)
		}
	}
	evs, err := db.OutboxPending(ctx, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("OutboxPending = %v, %v", evs, err)
	}
	if got, want := evs[0], dep.Events[0]; got.ID != want.ID || got.Seq != 1 || got.Type != want.Type ||
		!got.Time.Equal(want.Time) || got.Site != "demo" || got.Kiosk != "k1" || string(got.Data) != string(want.Data) {
		t.Errorf("outbox event = %+v, want %+v", got, want)
	}
	page, total, err := db.AuditPage(ctx, 0, 10)
	if err != nil || total != 1 || len(page) != 1 || page[0].Hash != dep.Audit[0].Hash {
		t.Errorf("AuditPage = %+v, %d, %v", page, total, err)
	}

	// Deletes.
	apply(t, db, &locker.Change{DeleteRecipients: []string{"r1"}, DeleteExpected: []string{"e1"}})
	if _, err := db.Recipient(ctx, "r1"); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("deleted recipient: %v", err)
	}
	if _, err := db.ExpectedByBarcode(ctx, "1Z999"); !errors.Is(err, locker.ErrNotFound) {
		t.Errorf("deleted expected: %v", err)
	}
}

func parcelsEqual(a, b locker.Parcel) bool {
	for _, p := range [][2]time.Time{{a.CreatedAt, b.CreatedAt}, {a.DepositedAt, b.DepositedAt},
		{a.ExpiresAt, b.ExpiresAt}, {a.PausedSince, b.PausedSince}, {a.ClosedAt, b.ClosedAt}} {
		if !p[0].Equal(p[1]) {
			return false
		}
	}
	a.CreatedAt, a.DepositedAt, a.ExpiresAt, a.PausedSince, a.ClosedAt =
		b.CreatedAt, b.DepositedAt, b.ExpiresAt, b.PausedSince, b.ClosedAt
	return reflect.DeepEqual(a, b)
}

func TestLookupsNotFound(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	apply(t, db, &locker.Change{
		Couriers: []locker.Courier{{ID: "c-nocode", Carrier: "dhl"}},
		Staff:    []locker.Staff{{ID: "s-nopin"}},
		Expected: []locker.Expected{{ID: "e-nokey", Barcode: "X"}},
	})
	tests := []struct {
		name string
		call func() error
	}{
		{"parcel", func() error { _, err := db.Parcel(ctx, "nope"); return err }},
		{"parcels by barcode", func() error { _, err := db.ParcelsByBarcode(ctx, "nope"); return err }},
		{"recipient", func() error { _, err := db.Recipient(ctx, "nope"); return err }},
		{"courier", func() error { _, err := db.CourierByCode(ctx, "nope"); return err }},
		{"courier by empty code", func() error { _, err := db.CourierByCode(ctx, ""); return err }},
		{"staff", func() error { _, err := db.StaffByPIN(ctx, "nope"); return err }},
		{"staff by empty PIN", func() error { _, err := db.StaffByPIN(ctx, ""); return err }},
		{"expected by barcode", func() error { _, err := db.ExpectedByBarcode(ctx, "nope"); return err }},
		{"expected by key", func() error { _, err := db.ExpectedByKey(ctx, "nope"); return err }},
		{"expected by empty key", func() error { _, err := db.ExpectedByKey(ctx, ""); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, locker.ErrNotFound) {
				t.Errorf("err = %v, want locker.ErrNotFound", err)
			}
		})
	}
}

// state is what a failed Apply must not change.
type state struct {
	snap     *locker.Snapshot
	lastSeq  uint64
	backlog  int
	audit    int
	auditTip string
	dirSize  int
}

func readState(t *testing.T, db *DB) state {
	t.Helper()
	ctx := context.Background()
	var s state
	var err error
	if s.snap, err = db.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if s.lastSeq, err = db.LastSeq(ctx); err != nil {
		t.Fatal(err)
	}
	if s.backlog, err = db.OutboxBacklog(ctx); err != nil {
		t.Fatal(err)
	}
	var seq int64
	if seq, s.auditTip, err = auditHead(ctx, db.r); err != nil {
		t.Fatal(err)
	}
	s.audit = int(seq)
	if _, s.dirSize, err = db.SearchRecipients(ctx, "", 0, 1); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestApplyIsAtomic(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		broken func(c *locker.Change, first *locker.Change)
		want   error
	}{
		{"duplicate event id", func(c, first *locker.Change) {
			c.Events = append(c.Events, locker.Event{ID: first.Events[0].ID, Type: "x", Time: at})
		}, ErrConflict},
		{"parcel in an unknown compartment", func(c, _ *locker.Change) {
			p := c.Parcels[0]
			p.ID, p.Barcode, p.CompartmentID = "p-x", "BC-X", "Z99"
			c.Parcels = append(c.Parcels, p)
		}, ErrConflict},
		{"barcode already active in the locker", func(c, first *locker.Change) {
			c.Parcels[0].Barcode = first.Parcels[0].Barcode
		}, locker.ErrDuplicate},
		{"one code for two couriers", func(c, _ *locker.Change) {
			c.Couriers = []locker.Courier{{ID: "c8", CodeHash: "same"}, {ID: "c9", CodeHash: "same"}}
		}, ErrConflict},
		{"secret changed", func(c, _ *locker.Change) { c.Secret = []byte("another secret") }, ErrConflict},
		{"event without id", func(c, _ *locker.Change) {
			c.Events = append(c.Events, locker.Event{Type: "x"})
		}, locker.ErrInvalid},
		{"parcel without id", func(c, _ *locker.Change) {
			c.Parcels = append(c.Parcels, locker.Parcel{Barcode: "x"})
		}, locker.ErrInvalid},
		{"cancelled context", nil, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := openTest(t, Options{})
			first := depositChange(at, "A1", "BC-1")
			first.Secret = []byte("secret")
			first.Compartments = append(bank(3), first.Compartments...)
			apply(t, db, first)
			<-db.Committed()
			before := readState(t, db)

			c := depositChange(at.Add(time.Minute), "A2", "BC-2")
			c.Recipients = []locker.Recipient{{ID: "r-new", Name: "New Person"}}
			c.Lockout = &locker.Lockout{TOTPUsed: map[string]uint64{"s1": 3}}
			c.DeleteExpected = []string{"whatever"}
			c.Audit = append(c.Audit, locker.AuditEntry{Actor: "system", Action: "x"})
			actx := ctx
			if tc.broken != nil {
				tc.broken(c, first)
			} else {
				cctx, cancel := context.WithCancel(ctx)
				cancel()
				actx = cctx
			}
			err := db.Apply(actx, c)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Apply = %v, want %v", err, tc.want)
			}
			if after := readState(t, db); !reflect.DeepEqual(after, before) {
				t.Errorf("failed Apply changed the database:\nbefore %+v\nafter  %+v", before, after)
			}
			for _, e := range c.Events {
				if e.Seq != 0 {
					t.Errorf("failed Apply set event seq %d", e.Seq)
				}
			}
			for _, a := range c.Audit {
				if a.Seq != 0 || a.Hash != "" {
					t.Errorf("failed Apply set audit %+v", a)
				}
			}
			select {
			case <-db.Committed():
				t.Error("failed Apply signalled Committed")
			default:
			}
			// The next good Apply gets the very next seq.
			good := depositChange(at.Add(2*time.Minute), "A3", "BC-3")
			apply(t, db, good)
			if good.Events[0].Seq != before.lastSeq+1 || good.Audit[0].Seq != int64(before.audit)+1 ||
				good.Audit[0].PrevHash != before.auditTip {
				t.Errorf("next Apply: seq %d audit %d prev %s; want %d %d %s", good.Events[0].Seq,
					good.Audit[0].Seq, good.Audit[0].PrevHash, before.lastSeq+1, before.audit+1, before.auditTip)
			}
			if err := db.Check(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSeqGapFreeAcrossDeletesAndReopen(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t, Options{})
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var want uint64
	for round := range 3 {
		for i := range 4 {
			c := auditChange(at.Add(time.Duration(round*10+i)*time.Second), 1, "r")
			c.Events = append(c.Events, locker.Event{ID: locker.NewULID(at), Type: locker.EvtDoorClosed, Time: at})
			apply(t, db, c)
			for _, e := range c.Events {
				want++
				if e.Seq != want {
					t.Fatalf("round %d: seq %d, want %d", round, e.Seq, want)
				}
			}
		}
		evs, err := db.OutboxPending(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range evs {
			if e.Seq != want-uint64(len(evs))+uint64(i)+1 {
				t.Fatalf("pending not in seq order: %+v", evs)
			}
		}
		ids := make([]string, len(evs))
		for i, e := range evs {
			ids[i] = e.ID
		}
		if err := db.OutboxDelete(ctx, ids); err != nil {
			t.Fatal(err)
		}
		if n, err := db.OutboxBacklog(ctx); err != nil || n != 0 {
			t.Fatalf("backlog after delete = %d, %v", n, err)
		}
		// Reopen with an empty outbox: the seq must not restart.
		db.Close()
		db = openAt(t, path, Options{})
		s, err := db.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.NextSeq != want+1 {
			t.Fatalf("round %d: NextSeq %d, want %d", round, s.NextSeq, want+1)
		}
	}
	// The meta counter refuses to go back even through raw SQL.
	raw := rawOpen(t, path)
	if _, err := raw.Exec(`UPDATE meta SET value = 1 WHERE key = 'last_seq'`); err == nil {
		t.Error("raw UPDATE lowered last_seq")
	}
}

func TestConcurrentApplyGetsDistinctContiguousSeqs(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const workers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := db.Apply(ctx, auditChange(at.Add(time.Duration(w*each+i)), 1, "c")); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	evs, err := db.OutboxPending(ctx, 1000)
	if err != nil || len(evs) != workers*each {
		t.Fatalf("pending %d, %v", len(evs), err)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("seq %d at %d", e.Seq, i)
		}
	}
	if err := db.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCommittedCoalesces(t *testing.T) {
	db, _ := openTest(t, Options{})
	at := time.Now()
	apply(t, db, &locker.Change{Compartments: bank(1)})
	select {
	case <-db.Committed():
		t.Fatal("Apply without events signalled")
	default:
	}
	apply(t, db, auditChange(at, 1, "a"))
	apply(t, db, auditChange(at, 1, "b"))
	select {
	case <-db.Committed():
	default:
		t.Fatal("no signal after Apply with events")
	}
	select {
	case <-db.Committed():
		t.Fatal("signals not coalesced")
	default:
	}
}

func TestSearchRecipients(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	apply(t, db, &locker.Change{Recipients: []locker.Recipient{
		{ID: "1", Name: "Zoe Smith", Unit: "12C"},
		{ID: "2", Name: "adam smithers", Unit: "3A"},
		{ID: "3", Name: "Émile Zola", Unit: "7B"},
		{ID: "4", Name: "Bob 100% Real", Unit: "1_2"},
		{ID: "5", Name: "Carla Jones", Unit: "SMITH-HALL"},
	}})
	tests := []struct {
		query         string
		offset, limit int
		wantIDs       []string
		wantTotal     int
	}{
		{"smith", 0, 10, []string{"2", "5", "1"}, 3},
		{"SMITH", 0, 2, []string{"2", "5"}, 3},
		{"smith", 2, 2, []string{"1"}, 3},
		{"émile", 0, 10, []string{"3"}, 1},
		{"ÉMILE", 0, 10, []string{"3"}, 1},
		{"7b", 0, 10, []string{"3"}, 1},
		{"%", 0, 10, []string{"4"}, 1},
		{"1_", 0, 10, []string{"4"}, 1},
		{"nobody", 0, 10, nil, 0},
		{"", 0, 2, []string{"2", "4"}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			list, total, err := db.SearchRecipients(ctx, tc.query, tc.offset, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range list {
				ids = append(ids, r.ID)
			}
			if !reflect.DeepEqual(ids, tc.wantIDs) || total != tc.wantTotal {
				t.Errorf("got %v total %d, want %v total %d", ids, total, tc.wantIDs, tc.wantTotal)
			}
		})
	}
}

func TestAuditPage(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	apply(t, db, auditChange(at, 7, "p"))
	tests := []struct {
		offset, limit int
		wantSeqs      []int64
	}{
		{0, 3, []int64{1, 2, 3}},
		{3, 3, []int64{4, 5, 6}},
		{6, 3, []int64{7}},
		{9, 3, nil},
	}
	for _, tc := range tests {
		list, total, err := db.AuditPage(ctx, tc.offset, tc.limit)
		if err != nil || total != 7 {
			t.Fatalf("AuditPage(%d): total %d, %v", tc.offset, total, err)
		}
		var seqs []int64
		for _, e := range list {
			seqs = append(seqs, e.Seq)
		}
		if !reflect.DeepEqual(seqs, tc.wantSeqs) {
			t.Errorf("AuditPage(%d, %d) = %v, want %v", tc.offset, tc.limit, seqs, tc.wantSeqs)
		}
	}
}
