package store

import (
	"context"
	"database/sql"
	"time"
)

// nonceTime is the layout of cmd_nonces.signed_at: fixed width, so that
// text order is time order.
const nonceTime = "2006-01-02T15:04:05.000000000Z"

// UseNonce records the nonce of an operator-signed command signed at
// signedAt and reports whether it was new; a nonce seen before (even
// before a restart) gives false. It implements uplink.NonceStore.
func (db *DB) UseNonce(ctx context.Context, nonce string, signedAt time.Time) (fresh bool, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO cmd_nonces (nonce, signed_at) VALUES (?, ?)
			ON CONFLICT (nonce) DO NOTHING`, nonce, signedAt.UTC().Format(nonceTime))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		fresh = n == 1
		return err
	})
	if err != nil {
		return false, classify("use nonce", err)
	}
	return fresh, nil
}

// PruneNonces forgets the nonces of commands signed before t and returns
// how many.
func (db *DB) PruneNonces(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cmd_nonces WHERE signed_at < ?`, before.UTC().Format(nonceTime))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, classify("prune nonces", err)
	}
	return int(n), nil
}
