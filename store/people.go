package store

import (
	"context"
	"fmt"

	"github.com/parcelkiosk/locker"
)

// StaffByID returns the staff member with id, TOTP secret opened; a removed
// or unknown id gives locker.ErrNotFound.
func (db *DB) StaffByID(ctx context.Context, id string) (locker.Staff, error) {
	var s locker.Staff
	err := db.r.QueryRowContext(ctx, `SELECT id, name, pin_hash, totp_secret FROM staff WHERE id = ?`, id).
		Scan(&s.ID, &s.Name, &s.PINHash, &s.TOTPSecret)
	if err != nil {
		return locker.Staff{}, notFound("staff "+id, err)
	}
	if s.TOTPSecret, err = db.open(s.TOTPSecret); err != nil {
		return locker.Staff{}, fmt.Errorf("store: staff %s: %w", id, err)
	}
	return s, nil
}

// CourierByID returns the courier with id; a removed or unknown id gives
// locker.ErrNotFound.
func (db *DB) CourierByID(ctx context.Context, id string) (locker.Courier, error) {
	var k locker.Courier
	err := db.r.QueryRowContext(ctx, `SELECT id, carrier, name, code_hash FROM couriers WHERE id = ?`, id).
		Scan(&k.ID, &k.Carrier, &k.Name, &k.CodeHash)
	if err != nil {
		return locker.Courier{}, notFound("courier "+id, err)
	}
	return k, nil
}

// AuditHead returns the seq and hash of the newest audit row (0 and
// GenesisHash on an empty log): the anchor the uplink publishes.
func (db *DB) AuditHead(ctx context.Context) (seq int64, hash string, err error) {
	seq, hash, err = auditHead(ctx, db.r)
	if err != nil {
		return 0, "", classify("audit head", err)
	}
	return seq, hash, nil
}
