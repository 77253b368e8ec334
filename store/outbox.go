package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/parcelkiosk/locker"
)

// OutboxPending returns up to limit events waiting for the uplink, oldest
// seq first. limit <= 0 means 100.
func (db *DB) OutboxPending(ctx context.Context, limit int) ([]locker.Event, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.r.QueryContext(ctx, `SELECT seq, id, type, time, site, kiosk, data
		FROM outbox ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, classify("outbox pending", err)
	}
	defer closeQuietly(rows)
	var evs []locker.Event
	for rows.Next() {
		var (
			e    locker.Event
			tm   string
			data []byte
		)
		if err := rows.Scan(&e.Seq, &e.ID, &e.Type, &tm, &e.Site, &e.Kiosk, &data); err != nil {
			return nil, classify("outbox pending", err)
		}
		if e.Time, err = ptime(tm); err != nil {
			return nil, err
		}
		if len(data) > 0 {
			e.Data = json.RawMessage(data)
		}
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("outbox pending", err)
	}
	return evs, nil
}

// OutboxDelete removes the events with ids, once the uplink has their
// PubAck. Unknown ids are ignored. The seq counter is kept in meta, so
// emptying the outbox never resets it.
func (db *DB) OutboxDelete(ctx context.Context, ids []string) error {
	const chunk = 500
	err := db.write(ctx, func(tx *sql.Tx) error {
		for len(ids) > 0 {
			n := min(len(ids), chunk)
			args := make([]any, n)
			for i, id := range ids[:n] {
				args[i] = id
			}
			q := `DELETE FROM outbox WHERE id IN (?` + strings.Repeat(`, ?`, n-1) + `)`
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	})
	return classify("outbox delete", err)
}

// OutboxBacklog returns how many events wait for the uplink.
func (db *DB) OutboxBacklog(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n); err != nil {
		return 0, classify("outbox backlog", err)
	}
	return n, nil
}

// Committed receives after each Apply that added events to the outbox.
// Signals coalesce: one receive may stand for several commits, so the relay
// drains OutboxPending until it is empty after each.
func (db *DB) Committed() <-chan struct{} { return db.commit }

// LastSeq returns the seq of the newest event ever committed (0 if none),
// whether or not it is still in the outbox.
func (db *DB) LastSeq(ctx context.Context) (uint64, error) {
	v, err := metaInt(ctx, db.r, "last_seq")
	if err != nil {
		return 0, classify("last seq", err)
	}
	return uint64(v), nil
}
