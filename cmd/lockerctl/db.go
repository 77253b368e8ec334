package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/parcelkiosk/locker/store"
)

const dbUsage = `usage:
  lockerctl db check  --db FILE
  lockerctl db export --db FILE --what parcels|audit [--format csv|json] [--out FILE]
  lockerctl db backup --db FILE --out FILE

check runs SQLite's integrity check over the whole file and verifies the
audit chain; it exits 1 when either fails. export writes every parcel (PIN
hashes left out) or every audit row as CSV (default) or JSON, to stdout or
to --out. backup copies the database while the kiosk keeps running, then
checks the copy. --out must not exist. Run as the kiosk's user, e.g.
  sudo -u parcelkiosk lockerctl db check --db /var/lib/parcelkiosk/kiosk.db
`

// errDBCheck reports a check that ran and found a fault (exit code 1).
var errDBCheck = errors.New("lockerctl: db check failed")

func runDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, dbUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub := args[0]
	fset := flag.NewFlagSet("db "+sub, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, dbUsage) }
	path := fset.String("db", "", "the kiosk's database file")
	var what, format, out *string
	switch sub {
	case "check":
	case "export":
		what = fset.String("what", "", "parcels | audit")
		format = fset.String("format", store.FormatCSV, "csv | json")
		out = fset.String("out", "", "output file (default stdout)")
	case "backup":
		out = fset.String("out", "", "backup file to create")
	default:
		return fmt.Errorf("lockerctl: db: unknown subcommand %q: %w", sub, errUsage)
	}
	if err := fset.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("lockerctl: db %s: %w", sub, errUsage)
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("lockerctl: db %s: unexpected argument %q: %w", sub, fset.Arg(0), errUsage)
	}
	if *path == "" {
		return fmt.Errorf("lockerctl: db %s: --db is required: %w", sub, errUsage)
	}
	switch sub {
	case "check":
		return dbCheck(ctx, *path, stdout)
	case "export":
		if *what != store.ExportParcels && *what != store.ExportAudit {
			return fmt.Errorf("lockerctl: db export: --what must be parcels or audit: %w", errUsage)
		}
		if *format != store.FormatCSV && *format != store.FormatJSON {
			return fmt.Errorf("lockerctl: db export: --format must be csv or json: %w", errUsage)
		}
		return dbExport(ctx, *path, *what, *format, *out, stdout)
	default: // backup
		if *out == "" {
			return fmt.Errorf("lockerctl: db backup: --out is required: %w", errUsage)
		}
		return dbBackup(ctx, *path, *out, stdout)
	}
}

// openExisting opens a database that must already exist: lockerctl never
// creates an empty one by mistake. The checks at open are skipped; the
// subcommands run the ones they need and report them.
func openExisting(ctx context.Context, path string) (*store.DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("lockerctl: db: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("lockerctl: db: %s is a directory", path)
	}
	db, err := store.Open(ctx, path, store.Options{SkipIntegrityCheck: true, SkipChainCheck: true})
	if err != nil {
		return nil, fmt.Errorf("lockerctl: db: %w", err)
	}
	return db, nil
}

// dbCheck prints one line per check and returns errDBCheck when one fails.
func dbCheck(ctx context.Context, path string, stdout io.Writer) error {
	db, err := openExisting(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	return checkOpen(ctx, db, path, stdout)
}

// checkOpen runs the full check on an open database and prints the result.
func checkOpen(ctx context.Context, db *store.DB, path string, stdout io.Writer) error {
	err := db.Check(ctx)
	var broken *store.AuditBrokenError
	switch {
	case err == nil:
		_, rows, perr := db.AuditPage(ctx, 0, 1)
		if perr != nil {
			return fmt.Errorf("lockerctl: db check: %w", perr)
		}
		fmt.Fprintf(stdout, "%s: integrity ok\n%s: audit chain ok (%d rows)\n", path, path, rows)
		return nil
	case errors.As(err, &broken):
		fmt.Fprintf(stdout, "%s: integrity ok\n%s: audit chain BROKEN at seq %d: %s\n", path, path, broken.Seq, broken.Reason)
	case errors.Is(err, store.ErrAuditBroken):
		fmt.Fprintf(stdout, "%s: integrity ok\n%s: audit chain BROKEN: %v\n", path, path, err)
	case errors.Is(err, store.ErrCorrupt):
		fmt.Fprintf(stdout, "%s: integrity FAILED: %v\n", path, err)
	default:
		return fmt.Errorf("lockerctl: db check: %w", err)
	}
	return fmt.Errorf("%w: %w", errDBCheck, err)
}

// dbExport writes the export to out (through a temporary file renamed on
// success, so a failed export leaves nothing behind) or to stdout.
func dbExport(ctx context.Context, path, what, format, out string, stdout io.Writer) (err error) {
	db, err := openExisting(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if out == "" {
		if err := db.Export(ctx, stdout, what, format); err != nil {
			return fmt.Errorf("lockerctl: db export: %w", err)
		}
		return nil
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("lockerctl: db export: %s: %w", out, fs.ErrExist)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return fmt.Errorf("lockerctl: db export: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := db.Export(ctx, tmp, what, format); err != nil {
		return fmt.Errorf("lockerctl: db export: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("lockerctl: db export: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("lockerctl: db export: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("lockerctl: db export: %w", err)
	}
	fmt.Fprintf(stdout, "exported %s to %s\n", what, out)
	return nil
}

// dbBackup takes an online backup and checks the copy.
func dbBackup(ctx context.Context, path, out string, stdout io.Writer) error {
	db, err := openExisting(ctx, path)
	if err != nil {
		return err
	}
	err = db.Backup(ctx, out)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lockerctl: db backup: %w", err)
	}
	st, err := os.Stat(out)
	if err != nil {
		return fmt.Errorf("lockerctl: db backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes)\n", path, out, st.Size())
	copyDB, err := openExisting(ctx, out)
	if err != nil {
		return fmt.Errorf("lockerctl: db backup: the copy does not open: %w", err)
	}
	defer copyDB.Close()
	return checkOpen(ctx, copyDB, out, stdout)
}
