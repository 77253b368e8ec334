package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/parcelkiosk/locker"
	"github.com/parcelkiosk/locker/store"
)

const dbUsage = `usage:
  lockerctl db check  --db FILE [--anchors FILE]
  lockerctl db export --db FILE --what parcels|audit [--format csv|json] [--out FILE]
  lockerctl db backup --db FILE --out FILE

check runs SQLite's integrity check over the whole file and verifies the
audit chain; it exits 1 when either fails. With --anchors (JSON lines of
audit.anchor events or heartbeats, as lockerctl events prints them) it also
checks that the chain still holds each anchored row with the anchored hash:
a chain rewritten after an anchor left the kiosk fails. export writes every parcel (PIN
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
	var what, format, out, anchors *string
	switch sub {
	case "check":
		anchors = fset.String("anchors", "", "JSON lines of audit.anchor events or heartbeats to check the chain against")
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
		return dbCheck(ctx, *path, *anchors, stdout)
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
func dbCheck(ctx context.Context, path, anchors string, stdout io.Writer) error {
	var as []anchor
	if anchors != "" {
		var err error
		if as, err = readAnchors(anchors); err != nil {
			return err
		}
	}
	db, err := openExisting(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	err = checkOpen(ctx, db, path, stdout)
	if anchors == "" || (err != nil && !errors.Is(err, errDBCheck)) {
		return err
	}
	return errors.Join(err, checkAnchors(ctx, db, path, anchors, as, stdout))
}

// anchor is one audit chain head seen outside the kiosk.
type anchor struct {
	line int
	seq  int64
	hash string
	time string
}

// readAnchors reads the anchors of a file of JSON lines: audit.anchor
// event envelopes and heartbeats (both carry audit_seq and audit_hash);
// other lines are skipped.
func readAnchors(path string) ([]anchor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lockerctl: db check: --anchors: %w", err)
	}
	defer f.Close()
	var as []anchor
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var v struct {
			Type      string `json:"type"`
			Time      string `json:"time"`
			AuditSeq  int64  `json:"audit_seq"`
			AuditHash string `json:"audit_hash"`
			Data      struct {
				AuditSeq  int64  `json:"audit_seq"`
				AuditHash string `json:"audit_hash"`
			} `json:"data"`
		}
		if err := json.Unmarshal(line, &v); err != nil {
			return nil, fmt.Errorf("lockerctl: db check: %s:%d: %w", path, n, err)
		}
		a := anchor{line: n, seq: v.AuditSeq, hash: v.AuditHash, time: v.Time}
		if v.Type == locker.EvtAuditAnchor {
			a.seq, a.hash = v.Data.AuditSeq, v.Data.AuditHash
		}
		if a.seq > 0 && a.hash != "" {
			as = append(as, a)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("lockerctl: db check: %s: %w", path, err)
	}
	return as, nil
}

// checkAnchors checks that the audit row of each anchor is still there
// with the anchored hash.
func checkAnchors(ctx context.Context, db *store.DB, path, file string, as []anchor, stdout io.Writer) error {
	if len(as) == 0 {
		fmt.Fprintf(stdout, "%s: no audit anchors in %s\n", path, file)
		return fmt.Errorf("%w: no audit anchors in %s", errDBCheck, file)
	}
	bad := 0
	for _, a := range as {
		rows, total, err := db.AuditPage(ctx, int(a.seq-1), 1)
		if err != nil {
			return fmt.Errorf("lockerctl: db check: %w", err)
		}
		switch {
		case len(rows) == 0 || rows[0].Seq != a.seq:
			bad++
			fmt.Fprintf(stdout, "%s: audit anchor MISSING: %s:%d (%s) names seq %d, the chain has %d rows\n", path, file, a.line, a.time, a.seq, total)
		case rows[0].Hash != a.hash:
			bad++
			fmt.Fprintf(stdout, "%s: audit chain REWRITTEN: seq %d has hash %s, the anchor %s:%d (%s) says %s\n", path, rows[0].Seq, rows[0].Hash, file, a.line, a.time, a.hash)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%w: %d of %d audit anchors do not match", errDBCheck, bad, len(as))
	}
	fmt.Fprintf(stdout, "%s: audit anchors ok (%d checked, newest seq %d)\n", path, len(as), slices.MaxFunc(as, func(a, b anchor) int { return cmp.Compare(a.seq, b.seq) }).seq)
	return nil
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
