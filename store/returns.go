package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/parcelkiosk/locker"
)

// returnCols lists the returns columns in the order scanReturn reads them.
const returnCols = `id, code, label_barcode, carrier, recipient_id, size, status,
	COALESCE(compartment_id, ''), courier_id, created_at, deposited_at, overdue_at, closed_at`

func scanReturn(s scanner) (locker.Return, error) {
	var (
		r                                  locker.Return
		size, status                       string
		created, deposited, overdue, close string
	)
	if err := s.Scan(&r.ID, &r.Code, &r.LabelBarcode, &r.Carrier, &r.RecipientID, &size, &status,
		&r.CompartmentID, &r.CourierID, &created, &deposited, &overdue, &close); err != nil {
		return r, err
	}
	r.Size, r.Status = locker.Size(size), locker.ReturnStatus(status)
	var errs [4]error
	r.CreatedAt, errs[0] = ptime(created)
	r.DepositedAt, errs[1] = ptime(deposited)
	r.OverdueAt, errs[2] = ptime(overdue)
	r.ClosedAt, errs[3] = ptime(close)
	return r, errors.Join(errs[:]...)
}

// ReturnByCode returns the open return (expected, depositing or deposited)
// whose code is code or, when label is not empty, whose label barcode is
// label (locker.ReturnStore); locker.ErrNotFound when none.
func (db *DB) ReturnByCode(ctx context.Context, code, label string) (locker.Return, error) {
	if code == "" && label == "" {
		return locker.Return{}, fmt.Errorf("store: return: no code: %w", locker.ErrNotFound)
	}
	r, err := scanReturn(db.r.QueryRowContext(ctx, `SELECT `+returnCols+` FROM returns
		WHERE status IN ('expected', 'depositing', 'deposited')
		AND ((code = ? AND code <> '') OR (label_barcode = ? AND label_barcode <> ''))
		ORDER BY code = ? DESC LIMIT 1`, code, label, code))
	if err != nil {
		return locker.Return{}, notFound("return", err)
	}
	return r, nil
}

// Returns lists every return, newest first (for operators and tests).
func (db *DB) Returns(ctx context.Context) ([]locker.Return, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+returnCols+` FROM returns ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, classify("returns", err)
	}
	return readReturns(rows)
}

// loadReturns reads the returns in a compartment for Load.
func loadReturns(ctx context.Context, tx *sql.Tx) ([]locker.Return, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+returnCols+` FROM returns
		WHERE status IN ('depositing', 'deposited') ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	return readReturns(rows)
}

func readReturns(rows *sql.Rows) ([]locker.Return, error) {
	defer closeQuietly(rows)
	var out []locker.Return
	for rows.Next() {
		r, err := scanReturn(rows)
		if err != nil {
			return nil, classify("returns", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("returns", err)
	}
	return out, nil
}

// applyReturns upserts rs in tx.
func applyReturns(ctx context.Context, tx *sql.Tx, rs []locker.Return) error {
	for _, r := range rs {
		if r.ID == "" || r.Code == "" {
			return fmt.Errorf("return without id or code: %w", locker.ErrInvalid)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO returns
			(id, code, label_barcode, carrier, recipient_id, size, status, compartment_id,
			 courier_id, created_at, deposited_at, overdue_at, closed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET code = excluded.code,
			label_barcode = excluded.label_barcode, carrier = excluded.carrier,
			recipient_id = excluded.recipient_id, size = excluded.size,
			status = excluded.status, compartment_id = excluded.compartment_id,
			courier_id = excluded.courier_id, created_at = excluded.created_at,
			deposited_at = excluded.deposited_at, overdue_at = excluded.overdue_at,
			closed_at = excluded.closed_at`,
			r.ID, r.Code, r.LabelBarcode, r.Carrier, r.RecipientID, string(r.Size), string(r.Status),
			nullable(r.CompartmentID), r.CourierID, tstr(r.CreatedAt), tstr(r.DepositedAt),
			tstr(r.OverdueAt), tstr(r.ClosedAt)); err != nil {
			return fmt.Errorf("return %s: %w", r.ID, err)
		}
	}
	return nil
}
