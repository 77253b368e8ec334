// Package store keeps the kiosk's durable state in one SQLite file
// (modernc.org/sqlite, pure Go): compartments, parcels, the directory,
// couriers, staff, pre-advice, the keypad lockout, a transactional outbox of
// uplink events with a gap-free per-kiosk seq, and an append-only audit log
// whose rows are hash-chained.
//
// The database runs in WAL mode with synchronous=FULL and foreign keys on.
// All writes go through one writer connection (Apply, OutboxDelete and the
// migrations); reads use a small pool. Schema changes are embedded,
// forward-only migrations recorded in a schema_version table; before a
// migration touches an existing database the file is copied to
// path+".pre-vN.bak".
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parcelkiosk/locker"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors. Callers compare with errors.Is; each is wrapped with the
// cause.
var (
	// ErrCorrupt means the file is not a SQLite database or fails its
	// integrity check.
	ErrCorrupt = errors.New("store: database is corrupt")
	// ErrReadOnly means the database file or its directory cannot be written.
	ErrReadOnly = errors.New("store: database is not writable")
	// ErrAuditBroken means the audit chain does not verify: a row was
	// edited, deleted or inserted outside Apply. See AuditBrokenError.
	ErrAuditBroken = errors.New("store: audit chain broken")
	// ErrTooNew means the database was written by newer software: its schema
	// version is above the newest migration this build knows.
	ErrTooNew = errors.New("store: database schema is newer than this software")
	// ErrConflict means a write broke a uniqueness or reference rule (an
	// active barcode twice, one code for two couriers, a parcel in an
	// unknown compartment, the secret set twice, ...). Nothing was written.
	ErrConflict = errors.New("store: conflicting write")
)

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// BusyTimeout is how long a connection waits for a lock held by
	// another one. Default 5s.
	BusyTimeout time.Duration
	// ReadConns is the size of the read pool. Default 4.
	ReadConns int
	// SkipIntegrityCheck skips the integrity check at Open. Check still
	// runs the full one.
	SkipIntegrityCheck bool
	// FullIntegrityCheck makes Open run PRAGMA integrity_check instead of
	// the default PRAGMA quick_check, which checks every page but not that
	// indexes match their tables (about 10x faster: 1.4 s against 14 s with
	// 1,000,000 parcels of history on the development machine).
	FullIntegrityCheck bool
	// SkipChainCheck skips the audit chain verification at Open. Check and
	// VerifyAudit still run it.
	SkipChainCheck bool
	// Clock stamps audit rows that come without a time and the migration
	// log. Default locker.SystemClock{}.
	Clock locker.Clock
	// Logger receives migrations and backups. Default discards.
	Logger *slog.Logger
	// KeyFile is the file that holds the kiosk's key (HMAC of PINs and
	// codes, QR signatures, sealing of the TOTP secrets), outside the
	// database. Open creates it (mode 0600) on a new database, moves the
	// key of an older database there and seals the staff TOTP secrets.
	// Empty: the key stays in the database (tests and tools only).
	KeyFile string

	// migrations replaces the embedded migrations (tests only).
	migrations fs.FS
}

// DB is the kiosk's database. It implements locker.Store and the outbox the
// uplink relay drains. It is safe for concurrent use.
type DB struct {
	path   string
	o      Options
	w      *sql.DB // exactly one connection: every write
	r      *sql.DB // read pool
	wmu    sync.Mutex
	commit chan struct{}
	key    []byte // from Options.KeyFile; nil without one
}

var _ locker.Store = (*DB)(nil)

// Open opens or creates the database at path, applies pending migrations
// (backing up an existing file first), and checks the file's integrity and
// the audit chain unless o says otherwise. A file that is not a database or
// fails the check gives ErrCorrupt; a file or directory that cannot be
// written gives ErrReadOnly.
func Open(ctx context.Context, path string, o Options) (*DB, error) {
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.Clock == nil {
		o.Clock = locker.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.migrations == nil {
		o.migrations = embeddedMigrations()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := probeWritable(abs); err != nil {
		return nil, err
	}
	db := &DB{path: abs, o: o, commit: make(chan struct{}, 1)}
	name := "file:" + (&url.URL{Path: abs}).EscapedPath()
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)",
		o.BusyTimeout.Milliseconds())
	// secure_delete: a deleted row (an acknowledged event with a PIN, a
	// key moved out) is overwritten, not left in a free page.
	if db.w, err = sql.Open("sqlite", name+"?"+common+"&_pragma=journal_mode(WAL)&_pragma=secure_delete(1)&_txlock=immediate"); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)
	if err := db.w.PingContext(ctx); err != nil {
		db.w.Close()
		return nil, classify(fmt.Sprintf("open %s", abs), err)
	}
	if err := db.migrate(ctx); err != nil {
		db.w.Close()
		return nil, err
	}
	if o.KeyFile != "" {
		if err := db.setupKey(ctx); err != nil {
			db.w.Close()
			return nil, err
		}
	}
	if db.r, err = sql.Open("sqlite", name+"?"+common); err != nil {
		db.w.Close()
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	db.r.SetMaxOpenConns(o.ReadConns)
	db.r.SetMaxIdleConns(o.ReadConns)
	if err := db.startupChecks(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// probeWritable gives a clear ErrReadOnly before SQLite gets a chance to
// open the file read-only behind our back.
func probeWritable(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrNotExist) {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return fmt.Errorf("store: open %s: %w: %w", path, ErrReadOnly, err)
		}
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	// A new database: its directory must take the file, the WAL and the
	// shared-memory index.
	probe, err := os.CreateTemp(filepath.Dir(path), ".store-probe-*")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return fmt.Errorf("store: create %s: %w: %w", path, ErrReadOnly, err)
		}
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

func (db *DB) startupChecks(ctx context.Context) error {
	// A write probe: SQLite silently opens a file it cannot write read-only.
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('probe', 1)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM meta WHERE key = 'probe'`)
		return err
	})
	if err != nil {
		return classify("write probe", err)
	}
	if !db.o.SkipIntegrityCheck {
		if err := db.integrity(ctx, db.o.FullIntegrityCheck); err != nil {
			return err
		}
	}
	if !db.o.SkipChainCheck {
		if err := db.VerifyAudit(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close closes both pools; the last connection checkpoints the WAL.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	errs = append(errs, db.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// write runs fn in one IMMEDIATE transaction on the writer connection,
// serialized with every other write.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// sqliteCode returns the primary SQLite result code in err's chain, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// classify wraps err with "store: what" and the sentinels its SQLite code
// or errno stands for.
func classify(what string, err error) error {
	if err == nil {
		return nil
	}
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("store: %s: %w: %w: %w", what, ErrCorrupt, locker.ErrStoreDown, err)
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("store: %s: %w: %w: %w", what, ErrReadOnly, locker.ErrStoreDown, err)
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL:
		return fmt.Errorf("store: %s: %w: %w", what, locker.ErrStoreDown, err)
	case sqlite3.SQLITE_CONSTRAINT:
		if strings.Contains(err.Error(), "parcels.barcode") {
			return fmt.Errorf("store: %s: %w: %w: %w", what, ErrConflict, locker.ErrDuplicate, err)
		}
		return fmt.Errorf("store: %s: %w: %w: %w", what, ErrConflict, locker.ErrInvalid, err)
	}
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return fmt.Errorf("store: %s: %w: %w: %w", what, ErrReadOnly, locker.ErrStoreDown, err)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// Size returns the bytes the database occupies on disk: the file plus its
// write-ahead log.
func (db *DB) Size() (int64, error) {
	var total int64
	for _, p := range []string{db.path, db.path + "-wal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && p != db.path {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: size: %w", err)
		}
		total += fi.Size()
	}
	return total, nil
}

// integrity runs PRAGMA integrity_check (full) or quick_check and returns
// ErrCorrupt with the first problems it reports.
func (db *DB) integrity(ctx context.Context, full bool) error {
	pragma := `PRAGMA quick_check(20)`
	if full {
		pragma = `PRAGMA integrity_check(20)`
	}
	rows, err := db.r.QueryContext(ctx, pragma)
	if err != nil {
		return classify("integrity check", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return classify("integrity check", err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return classify("integrity check", err)
	}
	if len(msgs) == 1 && msgs[0] == "ok" {
		return nil
	}
	return fmt.Errorf("store: integrity check: %w: %s", ErrCorrupt, strings.Join(msgs, "; "))
}

// closeQuietly is for deferred closes whose error carries nothing new.
func closeQuietly(c io.Closer) { _ = c.Close() }
