package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parcelkiosk/locker"
)

// tstr encodes t for a TEXT column: RFC 3339 with nanoseconds in UTC, or ""
// for the zero time.
func tstr(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ptime decodes a tstr value.
func ptime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: bad time %q: %w", s, err)
	}
	return t, nil
}

// nullable maps "" to SQL NULL (for optional references).
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Apply writes c in one transaction: the secret, compartments, parcels,
// recipients, couriers, staff, pre-advice, the lockout, the events (to the
// outbox, each with the next gap-free seq) and the audit rows (appended to
// the hash chain). On success it fills Seq in c.Events and Seq, PrevHash and
// Hash in c.Audit; on error nothing is written, no seq is consumed and c is
// left as it was.
func (db *DB) Apply(ctx context.Context, c *locker.Change) error {
	if c == nil {
		return nil
	}
	var (
		seqs   []uint64
		audits []locker.AuditEntry
	)
	dir := c
	if db.key != nil && len(c.Staff) > 0 {
		cc := *c
		cc.Staff = slices.Clone(c.Staff)
		for i := range cc.Staff {
			v, err := db.seal(cc.Staff[i].TOTPSecret)
			if err != nil {
				return fmt.Errorf("store: apply: seal TOTP secret: %w", err)
			}
			cc.Staff[i].TOTPSecret = v
		}
		dir = &cc
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		if db.key != nil {
			if len(c.Secret) > 0 && !bytes.Equal(c.Secret, db.key) {
				return fmt.Errorf("the key is in the key file, not set by a change: %w: %w", ErrConflict, locker.ErrInvalid)
			}
		} else if err = applySecret(ctx, tx, c.Secret); err != nil {
			return err
		}
		if err = applyCompartments(ctx, tx, c.Compartments); err != nil {
			return err
		}
		if err = applyParcels(ctx, tx, c.Parcels); err != nil {
			return err
		}
		if err = applyDirectory(ctx, tx, dir); err != nil {
			return err
		}
		if err = applyExpected(ctx, tx, c.Expected, c.DeleteExpected); err != nil {
			return err
		}
		if err = applyReturns(ctx, tx, c.Returns); err != nil {
			return err
		}
		if c.Lockout != nil {
			b, err := json.Marshal(c.Lockout)
			if err != nil {
				return fmt.Errorf("lockout: %w", err)
			}
			if err := setMeta(ctx, tx, "lockout", string(b)); err != nil {
				return fmt.Errorf("lockout: %w", err)
			}
		}
		if seqs, err = appendEvents(ctx, tx, c.Events); err != nil {
			return err
		}
		audits, err = db.appendAudit(ctx, tx, c.Audit)
		return err
	})
	if err != nil {
		return classify("apply", err)
	}
	for i := range c.Events {
		c.Events[i].Seq = seqs[i]
	}
	copy(c.Audit, audits)
	if len(c.DeleteRecipients) > 0 {
		// The change is committed; an unfinished erase only leaves the
		// old pages in the log a while longer.
		if err := db.eraseWAL(ctx); err != nil {
			db.o.Logger.Warn("store: write-ahead log not truncated after erasing recipients", "err", err)
		}
	}
	if len(c.Events) > 0 {
		select {
		case db.commit <- struct{}{}:
		default:
		}
	}
	return nil
}

func setMeta(ctx context.Context, tx *sql.Tx, key string, value any) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// metaInt reads an integer meta value; a missing row reads as 0.
func metaInt(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, key string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

func applySecret(ctx context.Context, tx *sql.Tx, secret []byte) error {
	if len(secret) == 0 {
		return nil
	}
	var old []byte
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'secret'`).Scan(&old)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return setMeta(ctx, tx, "secret", secret)
	case err != nil:
		return fmt.Errorf("secret: %w", err)
	case bytes.Equal(old, secret):
		return nil
	}
	return fmt.Errorf("secret is set once, on a new database: %w: %w", ErrConflict, locker.ErrInvalid)
}

func applyCompartments(ctx context.Context, tx *sql.Tx, cs []locker.Compartment) error {
	if len(cs) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO compartments
		(id, size, board, lock, col, row, accessible, refrigerated, status, reason, door, last_used)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET size = excluded.size, board = excluded.board,
		lock = excluded.lock, col = excluded.col, row = excluded.row,
		accessible = excluded.accessible, refrigerated = excluded.refrigerated,
		status = excluded.status, reason = excluded.reason, door = excluded.door,
		last_used = excluded.last_used`)
	if err != nil {
		return err
	}
	defer closeQuietly(st)
	for _, c := range cs {
		if c.ID == "" {
			return fmt.Errorf("compartment without id: %w", locker.ErrInvalid)
		}
		if _, err := st.ExecContext(ctx, c.ID, string(c.Size), c.Addr.Board, c.Addr.Lock, c.Column,
			c.Row, c.Accessible, c.Refrigerated, string(c.Status), c.Reason, string(c.Door),
			tstr(c.LastUsed)); err != nil {
			return fmt.Errorf("compartment %s: %w", c.ID, err)
		}
	}
	return nil
}

func applyParcels(ctx context.Context, tx *sql.Tx, ps []locker.Parcel) error {
	if len(ps) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO parcels
		(id, barcode, carrier, courier_id, recipient_id, compartment_id, size, upsized,
		 refrigerated, status, visit_id, credential_id, pin_hash, expected_id, created_at,
		 deposited_at, expires_at, paused_since, closed_at, expiring_sent_at, extended_s)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET barcode = excluded.barcode, carrier = excluded.carrier,
		courier_id = excluded.courier_id, recipient_id = excluded.recipient_id,
		compartment_id = excluded.compartment_id, size = excluded.size,
		upsized = excluded.upsized, refrigerated = excluded.refrigerated,
		status = excluded.status, visit_id = excluded.visit_id,
		credential_id = excluded.credential_id, pin_hash = excluded.pin_hash,
		expected_id = excluded.expected_id, created_at = excluded.created_at,
		deposited_at = excluded.deposited_at, expires_at = excluded.expires_at,
		paused_since = excluded.paused_since, closed_at = excluded.closed_at,
		expiring_sent_at = excluded.expiring_sent_at, extended_s = excluded.extended_s`)
	if err != nil {
		return err
	}
	defer closeQuietly(st)
	for _, p := range ps {
		if p.ID == "" {
			return fmt.Errorf("parcel without id: %w", locker.ErrInvalid)
		}
		if _, err := st.ExecContext(ctx, parcelArgs(p)...); err != nil {
			return fmt.Errorf("parcel %s: %w", p.ID, err)
		}
	}
	return nil
}

// parcelArgs lists p's columns in the order of the parcels table.
func parcelArgs(p locker.Parcel) []any {
	return []any{p.ID, p.Barcode, p.Carrier, p.CourierID, p.RecipientID,
		nullable(p.CompartmentID), string(p.Size), p.Upsized, p.Refrigerated, string(p.Status),
		p.VisitID, p.CredentialID, p.PINHash, p.ExpectedID, tstr(p.CreatedAt),
		tstr(p.DepositedAt), tstr(p.ExpiresAt), tstr(p.PausedSince), tstr(p.ClosedAt),
		tstr(p.ExpiringSentAt), int64(p.ExtendedBy / time.Second)}
}

func applyDirectory(ctx context.Context, tx *sql.Tx, c *locker.Change) error {
	for _, r := range c.Recipients {
		if r.ID == "" {
			return fmt.Errorf("recipient without id: %w", locker.ErrInvalid)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO recipients
			(id, name, unit, accessible, name_key, unit_key) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, unit = excluded.unit,
			accessible = excluded.accessible, name_key = excluded.name_key,
			unit_key = excluded.unit_key`,
			r.ID, r.Name, r.Unit, r.Accessible, foldKey(r.Name), foldKey(r.Unit)); err != nil {
			return fmt.Errorf("recipient %s: %w", r.ID, err)
		}
	}
	for _, id := range c.DeleteRecipients {
		if _, err := tx.ExecContext(ctx, `DELETE FROM recipients WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete recipient %s: %w", id, err)
		}
	}
	for _, k := range c.Couriers {
		if k.ID == "" {
			return fmt.Errorf("courier without id: %w", locker.ErrInvalid)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO couriers (id, carrier, name, code_hash)
			VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET carrier = excluded.carrier,
			name = excluded.name, code_hash = excluded.code_hash`,
			k.ID, k.Carrier, k.Name, k.CodeHash); err != nil {
			return fmt.Errorf("courier %s: %w", k.ID, err)
		}
	}
	for _, id := range c.DeleteCouriers {
		if _, err := tx.ExecContext(ctx, `DELETE FROM couriers WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete courier %s: %w", id, err)
		}
	}
	for _, s := range c.Staff {
		if s.ID == "" {
			return fmt.Errorf("staff without id: %w", locker.ErrInvalid)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff (id, name, pin_hash, totp_secret)
			VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,
			pin_hash = excluded.pin_hash, totp_secret = excluded.totp_secret`,
			s.ID, s.Name, s.PINHash, s.TOTPSecret); err != nil {
			return fmt.Errorf("staff %s: %w", s.ID, err)
		}
	}
	for _, id := range c.DeleteStaff {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete staff %s: %w", id, err)
		}
	}
	return nil
}

// foldKey is the search key of a name or unit: lower case, trimmed.
func foldKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func applyExpected(ctx context.Context, tx *sql.Tx, es []locker.Expected, del []string) error {
	for _, e := range es {
		if e.ID == "" {
			return fmt.Errorf("expected parcel without id: %w", locker.ErrInvalid)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO expected
			(id, barcode, carrier, recipient_id, size, dim1, dim2, dim3, refrigerated,
			 idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET barcode = excluded.barcode,
			carrier = excluded.carrier, recipient_id = excluded.recipient_id,
			size = excluded.size, dim1 = excluded.dim1, dim2 = excluded.dim2,
			dim3 = excluded.dim3, refrigerated = excluded.refrigerated,
			idempotency_key = excluded.idempotency_key, created_at = excluded.created_at`,
			e.ID, e.Barcode, e.Carrier, e.RecipientID, string(e.Size), e.DimsMM[0], e.DimsMM[1],
			e.DimsMM[2], e.Refrigerated, e.IdempotencyKey, tstr(e.CreatedAt)); err != nil {
			return fmt.Errorf("expected %s: %w", e.ID, err)
		}
	}
	for _, id := range del {
		if _, err := tx.ExecContext(ctx, `DELETE FROM expected WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete expected %s: %w", id, err)
		}
	}
	return nil
}

// appendEvents puts evs into the outbox with seqs following the last one
// handed out, and moves the counter in meta. It returns the seqs.
func appendEvents(ctx context.Context, tx *sql.Tx, evs []locker.Event) ([]uint64, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	last, err := metaInt(ctx, tx, "last_seq")
	if err != nil {
		return nil, fmt.Errorf("last seq: %w", err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO outbox (seq, id, type, time, site, kiosk, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer closeQuietly(st)
	seqs := make([]uint64, len(evs))
	for i, e := range evs {
		if e.ID == "" || e.Type == "" {
			return nil, fmt.Errorf("event %d without id or type: %w", i, locker.ErrInvalid)
		}
		last++
		seqs[i] = uint64(last)
		var data any
		if len(e.Data) > 0 {
			data = []byte(e.Data)
		}
		if _, err := st.ExecContext(ctx, last, e.ID, e.Type, tstr(e.Time), e.Site, e.Kiosk, data); err != nil {
			return nil, fmt.Errorf("event %s: %w", e.ID, err)
		}
	}
	if err := setMeta(ctx, tx, "last_seq", last); err != nil {
		return nil, fmt.Errorf("last seq: %w", err)
	}
	return seqs, nil
}
