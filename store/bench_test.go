package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

// Benchmarks: committing a deposit and looking parcels up with 1,000 and
// with 1,000,000 parcels in the history, beside the fsync floor of the same
// disk. Each store figure is also reported as "fsyncs/op": its time divided
// by one write+fsync measured in the same directory in the same run.

// benchSeedFormat changes whenever seedHistory writes something different,
// so a stale cached file is never reused.
const benchSeedFormat = 1

func benchBarcode(i int) string {
	h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
	return fmt.Sprintf("1Z%X%07d", h[:4], i)
}

func benchParcelID(i int) string { return fmt.Sprintf("01HIST%020d", i) }

const benchCompartments = 40

// seedHistory bulk-inserts n closed parcels (each with an audit row) and
// n/10 pre-advised parcels into a new database at path, in one transaction.
func seedHistory(b *testing.B, path string, n int) {
	ctx := context.Background()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	cs := bank(benchCompartments)
	for i := range cs {
		cs[i].Size = locker.SizeM
	}
	if err := db.Apply(ctx, &locker.Change{Compartments: cs, Secret: []byte("bench-secret")}); err != nil {
		b.Fatal(err)
	}
	db.Close()

	raw := rawOpen(b, path)
	mustExec(b, raw, `PRAGMA synchronous = OFF`)
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	ps, err := tx.Prepare(`INSERT INTO parcels (id, barcode, carrier, courier_id, recipient_id,
		compartment_id, size, upsized, refrigerated, status, visit_id, credential_id, pin_hash,
		expected_id, created_at, deposited_at, expires_at, paused_since, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	as, err := tx.Prepare(`INSERT INTO audit (seq, time, actor, action, subject, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	es, err := tx.Prepare(`INSERT INTO expected (id, barcode, carrier, recipient_id, size, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := GenesisHash
	for i := range n {
		at := start.Add(time.Duration(i) * 2 * time.Minute)
		p := locker.Parcel{ID: benchParcelID(i), Barcode: benchBarcode(i), Carrier: "ups",
			CourierID: "c1", RecipientID: fmt.Sprintf("r%d", i%500),
			CompartmentID: fmt.Sprintf("A%d", i%benchCompartments+1), Size: locker.SizeM,
			Status: locker.ParcelPickedUp, VisitID: fmt.Sprintf("v%d", i), CredentialID: fmt.Sprintf("cr%d", i),
			PINHash: fmt.Sprintf("%064x", i), CreatedAt: at, DepositedAt: at,
			ExpiresAt: at.Add(72 * time.Hour), ClosedAt: at.Add(5 * time.Hour)}
		if _, err := ps.Exec(parcelArgs(p)...); err != nil {
			b.Fatal(err)
		}
		seq := int64(i + 1)
		tm, detail := tstr(p.ClosedAt), "barcode="+p.Barcode
		h := auditHash(prev, seq, tm, "recipient", "parcel.picked_up", p.ID, detail)
		if _, err := as.Exec(seq, tm, "recipient", "parcel.picked_up", p.ID, detail, prev, h); err != nil {
			b.Fatal(err)
		}
		prev = h
		if i%10 == 0 {
			if _, err := es.Exec(fmt.Sprintf("E%d", i), "EXP"+benchBarcode(i), "ups", "r1", "M", tstr(at)); err != nil {
				b.Fatal(err)
			}
		}
	}
	for k, v := range map[string]any{"audit_seq": int64(n), "audit_hash": prev} {
		if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	mustExec(b, raw, `PRAGMA wal_checkpoint(TRUNCATE)`)
	mustExec(b, raw, `ANALYZE`)
	raw.Close()
}

// benchDB returns an open copy of a database with n parcels of history in
// dir. Histories of 100,000 parcels and more are cached under
// os.TempDir(), keyed by schema version and seed format.
func benchDB(b *testing.B, dir string, n int) *DB {
	path := filepath.Join(dir, fmt.Sprintf("history-%d.db", n))
	if n < 100_000 {
		seedHistory(b, path, n)
	} else {
		cache := filepath.Join(os.TempDir(), fmt.Sprintf("parcelkiosk-store-bench-v%d-s%d-n%d.db",
			SchemaVersion(), benchSeedFormat, n))
		if _, err := os.Stat(cache); err != nil {
			b.Logf("seeding %d parcels into %s (once)", n, cache)
			t0 := time.Now()
			tmp := cache + fmt.Sprintf(".tmp%d", os.Getpid())
			seedHistory(b, tmp, n)
			if err := os.Rename(tmp, cache); err != nil {
				b.Fatal(err)
			}
			b.Logf("seeded in %s", time.Since(t0).Round(time.Second))
		}
		copyFile(b, cache, path, 0o644)
	}
	db, err := Open(context.Background(), path, Options{SkipIntegrityCheck: true, SkipChainCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// floorMeter samples the fsync floor (one 4 KiB write plus fsync on a file
// in the benchmark's directory) while a benchmark runs, so the ratio it
// reports compares figures taken under the same load.
type floorMeter struct {
	f     *os.File
	buf   []byte
	total time.Duration
	n     int
}

func newFloorMeter(b *testing.B, dir string) *floorMeter {
	f, err := os.Create(filepath.Join(dir, "fsync-floor"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return &floorMeter{f: f, buf: make([]byte, 4096)}
}

// sample times k write+fsync rounds.
func (m *floorMeter) sample(b *testing.B, k int) {
	t0 := time.Now()
	for range k {
		m.buf[0]++
		if _, err := m.f.WriteAt(m.buf, int64(m.n%256)*4096); err != nil {
			b.Fatal(err)
		}
		if err := m.f.Sync(); err != nil {
			b.Fatal(err)
		}
		m.n++
	}
	m.total += time.Since(t0)
}

// report adds the "fsyncs/op" metric (time per op over the mean floor) and
// the floor itself, then starts a new sample.
func (m *floorMeter) report(b *testing.B) {
	if b.N > 0 && m.n > 0 {
		floor := float64(m.total) / float64(m.n)
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/floor, "fsyncs/op")
		b.ReportMetric(floor, "floor-ns")
	}
	m.total, m.n = 0, 0
}

// BenchmarkFsyncFloor is a raw write+fsync loop on a file in the directory
// the store benchmarks use: no database can commit faster than this.
func BenchmarkFsyncFloor(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync-floor"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	i := 0
	for b.Loop() {
		buf[0] = byte(i)
		if _, err := f.WriteAt(buf, int64(i%256)*4096); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// reportFsyncs adds the "fsyncs/op" metric: time per op over the floor.
func reportFsyncs(b *testing.B, floor time.Duration) {
	if b.N > 0 && floor > 0 {
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(floor), "fsyncs/op")
	}
}

// BenchmarkStore runs the store's hot paths against a history of 1,000
// and of 1,000,000 parcels. -short skips the million.
func BenchmarkStore(b *testing.B) {
	sizes := []int{1_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	ctx := context.Background()
	for _, n := range sizes {
		dir := b.TempDir()
		db := benchDB(b, dir, n)
		floor := newFloorMeter(b, dir)

		b.Run(fmt.Sprintf("history=%d/ParcelByID", n), func(b *testing.B) {
			floor.sample(b, 50)
			i := 0
			for b.Loop() {
				if _, err := db.Parcel(ctx, benchParcelID(i*7919%n)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			floor.sample(b, 50)
			floor.report(b)
		})
		b.Run(fmt.Sprintf("history=%d/ParcelsByBarcode", n), func(b *testing.B) {
			floor.sample(b, 50)
			i := 0
			for b.Loop() {
				if _, err := db.ParcelsByBarcode(ctx, benchBarcode(i*7919%n)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			floor.sample(b, 50)
			floor.report(b)
		})
		b.Run(fmt.Sprintf("history=%d/ExpectedByBarcode", n), func(b *testing.B) {
			floor.sample(b, 50)
			i := 0
			for b.Loop() {
				if _, err := db.ExpectedByBarcode(ctx, "EXP"+benchBarcode(i*7919%(n/10)*10)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			floor.sample(b, 50)
			floor.report(b)
		})
		b.Run(fmt.Sprintf("history=%d/Load", n), func(b *testing.B) {
			floor.sample(b, 50)
			for b.Loop() {
				if _, err := db.Load(ctx); err != nil {
					b.Fatal(err)
				}
			}
			floor.sample(b, 50)
			floor.report(b)
		})
		deposits := 0 // across -count runs: every barcode stays unique
		b.Run(fmt.Sprintf("history=%d/Deposit", n), func(b *testing.B) {
			start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
			for b.Loop() {
				i := deposits
				at := start.Add(time.Duration(i) * time.Second)
				c := depositChange(at, fmt.Sprintf("A%d", i%benchCompartments+1), fmt.Sprintf("NEW-%d-%d", n, i))
				if err := db.Apply(ctx, c); err != nil {
					b.Fatal(err)
				}
				deposits++
				// One floor sample per commit, interleaved, off the clock.
				b.StopTimer()
				floor.sample(b, 1)
				b.StartTimer()
			}
			floor.report(b)
		})
	}
}

// BenchmarkOpenChecks is the start-up cost of the kiosk's database: Open
// with the full integrity check and audit chain verification, then Close.
func BenchmarkOpenChecks(b *testing.B) {
	sizes := []int{1_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	ctx := context.Background()
	for _, n := range sizes {
		db := benchDB(b, b.TempDir(), n)
		path := db.Path()
		db.Close()
		for _, tc := range []struct {
			name string
			o    Options
		}{
			{"full", Options{FullIntegrityCheck: true}},
			{"default", Options{}},
			{"no-integrity", Options{SkipIntegrityCheck: true}},
			{"no-checks", Options{SkipIntegrityCheck: true, SkipChainCheck: true}},
		} {
			b.Run(fmt.Sprintf("history=%d/%s", n, tc.name), func(b *testing.B) {
				for b.Loop() {
					db, err := Open(ctx, path, tc.o)
					if err != nil {
						b.Fatal(err)
					}
					db.Close()
				}
			})
		}
	}
}
