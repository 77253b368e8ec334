package store

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/parcelkiosk/locker"
)

// Check runs PRAGMA integrity_check over the whole file and verifies the
// audit chain. It returns ErrCorrupt or ErrAuditBroken (wrapped) on failure.
func (db *DB) Check(ctx context.Context) error {
	if err := db.integrity(ctx, true); err != nil {
		return err
	}
	return db.VerifyAudit(ctx)
}

// Backup writes a consistent copy of the database to dst while the kiosk
// keeps running (VACUUM INTO), and syncs it to disk. dst must not exist.
func (db *DB) Backup(ctx context.Context, dst string) error {
	abs, err := filepath.Abs(dst)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("store: backup: %s: %w", abs, fs.ErrExist)
	}
	if _, err := db.r.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return classify("backup to "+abs, err)
	}
	f, err := os.OpenFile(abs, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("store: backup: sync %s: %w", abs, err)
	}
	return nil
}

// What Export writes (parcels or audit) and how (csv or json).
const (
	ExportParcels = "parcels"
	ExportAudit   = "audit"
	FormatCSV     = "csv"
	FormatJSON    = "json"
)

// parcelHeader is the CSV header of a parcels export.
func parcelHeader() []string {
	return []string{"id", "barcode", "carrier", "courier_id", "recipient_id",
		"compartment_id", "size", "upsized", "refrigerated", "status", "visit_id",
		"credential_id", "expected_id", "created_at", "deposited_at", "expires_at",
		"paused_since", "closed_at"}
}

// auditHeader is the CSV header of an audit export.
func auditHeader() []string {
	return []string{"seq", "time", "actor", "action", "subject", "detail", "prev_hash", "hash"}
}

// Export writes every parcel (what = "parcels", oldest first, PIN hashes
// left out) or every audit row (what = "audit", by seq) to w as CSV with a
// header row (format = "csv") or as one JSON array (format = "json"), from
// one consistent snapshot.
func (db *DB) Export(ctx context.Context, w io.Writer, what, format string) error {
	if format != FormatCSV && format != FormatJSON {
		return fmt.Errorf("store: export: format %q (want csv or json): %w", format, locker.ErrInvalid)
	}
	var q string
	switch what {
	case ExportParcels:
		q = `SELECT ` + parcelCols + ` FROM parcels ORDER BY created_at, id`
	case ExportAudit:
		q = `SELECT seq, time, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq`
	default:
		return fmt.Errorf("store: export: %q (want parcels or audit): %w", what, locker.ErrInvalid)
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return classify("export", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return classify("export", err)
	}
	defer closeQuietly(rows)

	var out rowWriter
	if format == FormatCSV {
		h := parcelHeader()
		if what == ExportAudit {
			h = auditHeader()
		}
		out, err = newCSVWriter(w, h)
	} else {
		out, err = newJSONWriter(w)
	}
	if err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	for rows.Next() {
		var rec []string
		var obj any
		if what == ExportParcels {
			p, err := scanParcel(rows)
			if err != nil {
				return classify("export", err)
			}
			rec, obj = parcelRecord(p), p
		} else {
			e, err := scanAudit(rows)
			if err != nil {
				return err
			}
			rec, obj = auditRecord(e), e
		}
		if err := out.write(rec, obj); err != nil {
			return fmt.Errorf("store: export: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return classify("export", err)
	}
	if err := out.close(); err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	return nil
}

func parcelRecord(p locker.Parcel) []string {
	return []string{p.ID, p.Barcode, p.Carrier, p.CourierID, p.RecipientID, p.CompartmentID,
		string(p.Size), strconv.FormatBool(p.Upsized), strconv.FormatBool(p.Refrigerated),
		string(p.Status), p.VisitID, p.CredentialID, p.ExpectedID, tstr(p.CreatedAt),
		tstr(p.DepositedAt), tstr(p.ExpiresAt), tstr(p.PausedSince), tstr(p.ClosedAt)}
}

func auditRecord(e locker.AuditEntry) []string {
	return []string{strconv.FormatInt(e.Seq, 10), tstr(e.Time), e.Actor, e.Action, e.Subject,
		e.Detail, e.PrevHash, e.Hash}
}

// rowWriter streams export rows in one format.
type rowWriter interface {
	write(rec []string, obj any) error
	close() error
}

type csvWriter struct{ w *csv.Writer }

func newCSVWriter(w io.Writer, header []string) (*csvWriter, error) {
	c := &csvWriter{w: csv.NewWriter(w)}
	return c, c.w.Write(header)
}

func (c *csvWriter) write(rec []string, _ any) error { return c.w.Write(rec) }

func (c *csvWriter) close() error {
	c.w.Flush()
	return c.w.Error()
}

type jsonWriter struct {
	w     io.Writer
	first bool
}

func newJSONWriter(w io.Writer) (*jsonWriter, error) {
	_, err := io.WriteString(w, "[")
	return &jsonWriter{w: w, first: true}, err
}

func (j *jsonWriter) write(_ []string, obj any) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	sep := ",\n"
	if j.first {
		sep, j.first = "\n", false
	}
	if _, err := io.WriteString(j.w, sep); err != nil {
		return err
	}
	_, err = j.w.Write(b)
	return err
}

func (j *jsonWriter) close() error {
	_, err := io.WriteString(j.w, "\n]\n")
	return err
}
