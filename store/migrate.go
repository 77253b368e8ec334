package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// embeddedMigrations returns the migrations compiled into the binary, as
// migrations/NNNN_name.sql.
func embeddedMigrations() fs.FS { return migrationFiles }

// migration is one forward-only schema step, from a file named
// NNNN_description.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads and orders the files migrations/*.sql of fsys.
// Versions must start at 1 and have no gap.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	var ms []migration
	for _, n := range names {
		num, _, ok := strings.Cut(path.Base(n), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migrations: %s: want NNNN_name.sql", n)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("store: migrations: %w", err)
		}
		ms = append(ms, migration{version: v, name: n, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations: %s: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion returns the newest schema version this build knows.
func SchemaVersion() int {
	ms, err := loadMigrations(embeddedMigrations())
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate brings the schema up to date. Each migration runs in its own
// transaction together with its schema_version row, so a failed migration
// leaves the previous version intact.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations(db.o.migrations)
	if err != nil {
		return err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`)
		return err
	})
	if err != nil {
		return classify("migrate", err)
	}
	cur, err := db.version(ctx)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return fmt.Errorf("store: %s has schema version %d, this build knows up to %d: %w",
			db.path, cur, len(ms), ErrTooNew)
	}
	fresh := cur == 0 // a new file has nothing to back up, before any migration
	for _, m := range ms[cur:] {
		if !fresh {
			if err := db.backupBeforeMigration(ctx, m.version); err != nil {
				return err
			}
		}
		err := db.write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx,
				`INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, tstr(db.o.Clock.Now()))
			return err
		})
		if err != nil {
			return classify(fmt.Sprintf("migration %s", m.name), err)
		}
		db.o.Logger.Info("store: migrated", "path", db.path, "version", m.version, "name", m.name)
		cur = m.version
	}
	return nil
}

// version returns the schema version recorded in the database (0 for a new
// one).
func (db *DB) version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.w.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&v)
	if err != nil {
		return 0, classify("schema version", err)
	}
	return int(v.Int64), nil
}

// backupBeforeMigration copies the database to path+".pre-vN.bak" before
// migration N runs on it. A stale copy from an earlier failed attempt is
// replaced.
func (db *DB) backupBeforeMigration(ctx context.Context, version int) error {
	dst := fmt.Sprintf("%s.pre-v%d.bak", db.path, version)
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup before migration %d: %w", version, err)
	}
	db.wmu.Lock()
	_, err := db.w.ExecContext(ctx, `VACUUM INTO ?`, dst)
	db.wmu.Unlock()
	if err != nil {
		return classify(fmt.Sprintf("backup before migration %d", version), err)
	}
	db.o.Logger.Info("store: backed up before migration", "path", dst, "version", version)
	return nil
}
