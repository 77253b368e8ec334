package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parcelkiosk/locker"
)

// parcelCols lists the parcels columns in the order scanParcel reads them.
const parcelCols = `id, barcode, carrier, courier_id, recipient_id, COALESCE(compartment_id, ''),
	size, upsized, refrigerated, status, visit_id, credential_id, pin_hash, expected_id,
	created_at, deposited_at, expires_at, paused_since, closed_at, expiring_sent_at, extended_s`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanParcel(s scanner) (locker.Parcel, error) {
	var (
		p                                           locker.Parcel
		size, status                                string
		created, deposited, expires, paused, closed string
		reminded                                    string
		extendedS                                   int64
	)
	if err := s.Scan(&p.ID, &p.Barcode, &p.Carrier, &p.CourierID, &p.RecipientID,
		&p.CompartmentID, &size, &p.Upsized, &p.Refrigerated, &status, &p.VisitID,
		&p.CredentialID, &p.PINHash, &p.ExpectedID, &created, &deposited, &expires, &paused,
		&closed, &reminded, &extendedS); err != nil {
		return p, err
	}
	p.Size, p.Status = locker.Size(size), locker.ParcelStatus(status)
	p.ExtendedBy = time.Duration(extendedS) * time.Second
	var errs [6]error
	p.CreatedAt, errs[0] = ptime(created)
	p.DepositedAt, errs[1] = ptime(deposited)
	p.ExpiresAt, errs[2] = ptime(expires)
	p.PausedSince, errs[3] = ptime(paused)
	p.ClosedAt, errs[4] = ptime(closed)
	p.ExpiringSentAt, errs[5] = ptime(reminded)
	return p, errors.Join(errs[:]...)
}

// Load returns the live state: every compartment, the active parcels
// (depositing, deposited, expired), the lockout, the secret and the seq the
// next event will get. It reads one consistent snapshot.
func (db *DB) Load(ctx context.Context) (*locker.Snapshot, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, classify("load", err)
	}
	defer func() { _ = tx.Rollback() }()
	s := &locker.Snapshot{}
	if s.Compartments, err = loadCompartments(ctx, tx); err != nil {
		return nil, classify("load compartments", err)
	}
	if s.Returns, err = loadReturns(ctx, tx); err != nil {
		return nil, classify("load returns", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+parcelCols+` FROM parcels
		WHERE status IN ('depositing', 'deposited', 'expired') ORDER BY created_at, id`)
	if err != nil {
		return nil, classify("load parcels", err)
	}
	defer closeQuietly(rows)
	for rows.Next() {
		p, err := scanParcel(rows)
		if err != nil {
			return nil, classify("load parcels", err)
		}
		s.Parcels = append(s.Parcels, p)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("load parcels", err)
	}
	var lockout string
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'lockout'`).Scan(&lockout)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, classify("load lockout", err)
	default:
		if err := json.Unmarshal([]byte(lockout), &s.Lockout); err != nil {
			return nil, fmt.Errorf("store: load lockout: %w", err)
		}
	}
	if db.key != nil {
		s.Secret = bytes.Clone(db.key)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'secret'`).Scan(&s.Secret)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, classify("load secret", err)
		}
	}
	last, err := metaInt(ctx, tx, "last_seq")
	if err != nil {
		return nil, classify("load seq", err)
	}
	s.NextSeq = uint64(last) + 1
	return s, nil
}

func loadCompartments(ctx context.Context, tx *sql.Tx) ([]locker.Compartment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, size, board, lock, col, row, accessible,
		refrigerated, status, reason, door, last_used FROM compartments ORDER BY col, row, id`)
	if err != nil {
		return nil, err
	}
	defer closeQuietly(rows)
	var cs []locker.Compartment
	for rows.Next() {
		var (
			c                            locker.Compartment
			size, status, door, lastUsed string
		)
		if err := rows.Scan(&c.ID, &size, &c.Addr.Board, &c.Addr.Lock, &c.Column, &c.Row,
			&c.Accessible, &c.Refrigerated, &status, &c.Reason, &door, &lastUsed); err != nil {
			return nil, err
		}
		c.Size, c.Status, c.Door = locker.Size(size), locker.CompartmentStatus(status), locker.DoorState(door)
		if c.LastUsed, err = ptime(lastUsed); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// notFound wraps sql.ErrNoRows as locker.ErrNotFound and classifies the rest.
func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", what, locker.ErrNotFound)
	}
	return classify(what, err)
}

// Parcel returns the parcel with id, active or not.
func (db *DB) Parcel(ctx context.Context, id string) (locker.Parcel, error) {
	p, err := scanParcel(db.r.QueryRowContext(ctx, `SELECT `+parcelCols+` FROM parcels WHERE id = ?`, id))
	if err != nil {
		return locker.Parcel{}, notFound(fmt.Sprintf("parcel %q", id), err)
	}
	return p, nil
}

// ParcelsByBarcode returns every parcel ever handed in with barcode, newest
// first (for operators tracing a parcel).
func (db *DB) ParcelsByBarcode(ctx context.Context, barcode string) ([]locker.Parcel, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+parcelCols+` FROM parcels WHERE barcode = ?
		ORDER BY created_at DESC, id DESC`, barcode)
	if err != nil {
		return nil, classify("parcels by barcode", err)
	}
	defer closeQuietly(rows)
	var ps []locker.Parcel
	for rows.Next() {
		p, err := scanParcel(rows)
		if err != nil {
			return nil, classify("parcels by barcode", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("parcels by barcode", err)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("store: parcels by barcode %q: %w", barcode, locker.ErrNotFound)
	}
	return ps, nil
}

// Recipient returns the directory entry with id.
func (db *DB) Recipient(ctx context.Context, id string) (locker.Recipient, error) {
	var r locker.Recipient
	err := db.r.QueryRowContext(ctx, `SELECT id, name, unit, accessible FROM recipients
		WHERE id = ?`, id).Scan(&r.ID, &r.Name, &r.Unit, &r.Accessible)
	if err != nil {
		return locker.Recipient{}, notFound(fmt.Sprintf("recipient %q", id), err)
	}
	return r, nil
}

// likeEscape escapes the LIKE wildcards of s with a backslash.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SearchRecipients returns the recipients whose name or unit contains query
// (case-insensitive), ordered by name, skipping offset and returning at most
// limit, and how many match in all. An empty query matches everyone.
func (db *DB) SearchRecipients(ctx context.Context, query string, offset, limit int) ([]locker.Recipient, int, error) {
	if limit <= 0 {
		limit = 20
	}
	offset = max(offset, 0)
	pat := "%" + likeEscape(foldKey(query)) + "%"
	const where = ` FROM recipients WHERE name_key LIKE ?1 ESCAPE '\' OR unit_key LIKE ?1 ESCAPE '\'`
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, classify("search recipients", err)
	}
	defer func() { _ = tx.Rollback() }()
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*)`+where, pat).Scan(&total); err != nil {
		return nil, 0, classify("search recipients", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, name, unit, accessible`+where+
		` ORDER BY name_key, id LIMIT ?2 OFFSET ?3`, pat, limit, offset)
	if err != nil {
		return nil, 0, classify("search recipients", err)
	}
	defer closeQuietly(rows)
	var list []locker.Recipient
	for rows.Next() {
		var r locker.Recipient
		if err := rows.Scan(&r.ID, &r.Name, &r.Unit, &r.Accessible); err != nil {
			return nil, 0, classify("search recipients", err)
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, classify("search recipients", err)
	}
	return list, total, nil
}

// CourierByCode returns the courier whose code hashes to codeHash.
func (db *DB) CourierByCode(ctx context.Context, codeHash string) (locker.Courier, error) {
	var k locker.Courier
	err := db.r.QueryRowContext(ctx, `SELECT id, carrier, name, code_hash FROM couriers
		WHERE code_hash = ? AND code_hash <> ''`, codeHash).Scan(&k.ID, &k.Carrier, &k.Name, &k.CodeHash)
	if err != nil {
		return locker.Courier{}, notFound("courier by code", err)
	}
	return k, nil
}

// StaffByPIN returns the staff member whose PIN hashes to pinHash.
func (db *DB) StaffByPIN(ctx context.Context, pinHash string) (locker.Staff, error) {
	var s locker.Staff
	err := db.r.QueryRowContext(ctx, `SELECT id, name, pin_hash, totp_secret FROM staff
		WHERE pin_hash = ? AND pin_hash <> ''`, pinHash).Scan(&s.ID, &s.Name, &s.PINHash, &s.TOTPSecret)
	if err != nil {
		return locker.Staff{}, notFound("staff by PIN", err)
	}
	if s.TOTPSecret, err = db.open(s.TOTPSecret); err != nil {
		return locker.Staff{}, fmt.Errorf("store: staff by PIN: %w", err)
	}
	return s, nil
}

const expectedCols = `id, barcode, carrier, recipient_id, size, dim1, dim2, dim3, refrigerated,
	idempotency_key, created_at`

func scanExpected(s scanner) (locker.Expected, error) {
	var (
		e             locker.Expected
		size, created string
	)
	if err := s.Scan(&e.ID, &e.Barcode, &e.Carrier, &e.RecipientID, &size, &e.DimsMM[0],
		&e.DimsMM[1], &e.DimsMM[2], &e.Refrigerated, &e.IdempotencyKey, &created); err != nil {
		return e, err
	}
	e.Size = locker.Size(size)
	var err error
	e.CreatedAt, err = ptime(created)
	return e, err
}

// ExpectedByBarcode returns the newest pre-advice for barcode.
func (db *DB) ExpectedByBarcode(ctx context.Context, barcode string) (locker.Expected, error) {
	e, err := scanExpected(db.r.QueryRowContext(ctx, `SELECT `+expectedCols+` FROM expected
		WHERE barcode = ? ORDER BY created_at DESC, id DESC LIMIT 1`, barcode))
	if err != nil {
		return locker.Expected{}, notFound(fmt.Sprintf("expected barcode %q", barcode), err)
	}
	return e, nil
}

// ExpectedByKey returns the pre-advice created with idempotencyKey.
func (db *DB) ExpectedByKey(ctx context.Context, idempotencyKey string) (locker.Expected, error) {
	e, err := scanExpected(db.r.QueryRowContext(ctx, `SELECT `+expectedCols+` FROM expected
		WHERE idempotency_key = ? AND idempotency_key <> ''`, idempotencyKey))
	if err != nil {
		return locker.Expected{}, notFound("expected by key", err)
	}
	return e, nil
}
