package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/parcelkiosk/locker"
)

// GenesisHash is the PrevHash of the first audit row: 64 zeros.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditBrokenError tells where the audit chain first fails to verify. It
// matches ErrAuditBroken with errors.Is.
type AuditBrokenError struct {
	Seq    int64  // the first row that does not verify (or is missing)
	Reason string // what is wrong with it
}

// Error implements error.
func (e *AuditBrokenError) Error() string {
	return fmt.Sprintf("store: audit chain broken at seq %d: %s", e.Seq, e.Reason)
}

// Unwrap returns ErrAuditBroken.
func (e *AuditBrokenError) Unwrap() error { return ErrAuditBroken }

// auditHash is SHA-256 over the previous row's hash and the row's canonical
// content: seq, time, actor, action, subject and detail, each written as an
// 8-byte big-endian length and its bytes, so no two rows encode alike.
func auditHash(prev string, seq int64, tm, actor, action, subject, detail string) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(prev)
	binary.BigEndian.PutUint64(n[:], uint64(seq))
	h.Write(n[:])
	field(tm)
	field(actor)
	field(action)
	field(subject)
	field(detail)
	return hex.EncodeToString(h.Sum(nil))
}

// auditHead returns the seq and hash of the newest audit row from meta
// (0 and GenesisHash on an empty log).
func auditHead(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int64, string, error) {
	seq, err := metaInt(ctx, q, "audit_seq")
	if err != nil {
		return 0, "", err
	}
	var hash string
	err = q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'audit_hash'`).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		hash, err = GenesisHash, nil
	}
	return seq, hash, err
}

// appendAudit chains es onto the log and returns them with Seq, PrevHash,
// Hash (and Time, when it was zero) filled.
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, es []locker.AuditEntry) ([]locker.AuditEntry, error) {
	if len(es) == 0 {
		return nil, nil
	}
	seq, prev, err := auditHead(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO audit
		(seq, time, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer closeQuietly(st)
	out := make([]locker.AuditEntry, len(es))
	for i, e := range es {
		if e.Time.IsZero() {
			e.Time = db.o.Clock.Now()
		}
		seq++
		tm := tstr(e.Time)
		e.Seq, e.PrevHash = seq, prev
		e.Hash = auditHash(prev, seq, tm, e.Actor, e.Action, e.Subject, e.Detail)
		if _, err := st.ExecContext(ctx, seq, tm, e.Actor, e.Action, e.Subject, e.Detail,
			e.PrevHash, e.Hash); err != nil {
			return nil, fmt.Errorf("audit %s: %w", e.Action, err)
		}
		prev = e.Hash
		out[i] = e
	}
	if err := setMeta(ctx, tx, "audit_seq", seq); err != nil {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	if err := setMeta(ctx, tx, "audit_hash", prev); err != nil {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	return out, nil
}

// VerifyAudit recomputes the audit chain from the first row to the head
// kept in meta. It returns an *AuditBrokenError (matching ErrAuditBroken)
// for the first row that was edited, deleted, or inserted out of band, for
// a log cut short at its end, and when the append-only triggers are gone.
func (db *DB) VerifyAudit(ctx context.Context) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return classify("verify audit", err)
	}
	defer func() { _ = tx.Rollback() }()

	var triggers int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'
		AND name IN ('audit_no_update', 'audit_no_delete')`).Scan(&triggers); err != nil {
		return classify("verify audit", err)
	}
	headSeq, headHash, err := auditHead(ctx, tx)
	if err != nil {
		return classify("verify audit", err)
	}
	if triggers != 2 {
		return fmt.Errorf("store: verify audit: %w", &AuditBrokenError{Seq: headSeq,
			Reason: "the append-only triggers were removed"})
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, time, actor, action, subject, detail,
		prev_hash, hash FROM audit ORDER BY seq`)
	if err != nil {
		return classify("verify audit", err)
	}
	defer closeQuietly(rows)
	want, prev := int64(1), GenesisHash
	for rows.Next() {
		var (
			seq                                          int64
			tm, actor, action, subject, detail, ph, hash string
		)
		if err := rows.Scan(&seq, &tm, &actor, &action, &subject, &detail, &ph, &hash); err != nil {
			return classify("verify audit", err)
		}
		var reason string
		switch {
		case seq != want:
			seq, reason = want, "row missing"
		case ph != prev:
			reason = "previous hash does not match the row before"
		case auditHash(ph, seq, tm, actor, action, subject, detail) != hash:
			reason = "content does not match its hash"
		}
		if reason != "" {
			return fmt.Errorf("store: verify audit: %w", &AuditBrokenError{Seq: seq, Reason: reason})
		}
		prev = hash
		want++
	}
	if err := rows.Err(); err != nil {
		return classify("verify audit", err)
	}
	last := want - 1
	switch {
	case last < headSeq:
		return fmt.Errorf("store: verify audit: %w", &AuditBrokenError{Seq: last + 1,
			Reason: fmt.Sprintf("rows %d to %d missing at the end", last+1, headSeq)})
	case last > headSeq:
		return fmt.Errorf("store: verify audit: %w", &AuditBrokenError{Seq: headSeq + 1,
			Reason: "rows beyond the recorded head"})
	case prev != headHash:
		return fmt.Errorf("store: verify audit: %w", &AuditBrokenError{Seq: last,
			Reason: "last row does not match the recorded head"})
	}
	return nil
}

// AuditPage returns audit rows in seq order (oldest first, so the newest
// row of a page is last), skipping offset rows, and the total number of
// rows. The last page is at offset total-limit.
func (db *DB) AuditPage(ctx context.Context, offset, limit int) ([]locker.AuditEntry, int, error) {
	if limit <= 0 {
		limit = 50
	}
	offset = max(offset, 0)
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, classify("audit page", err)
	}
	defer func() { _ = tx.Rollback() }()
	head, _, err := auditHead(ctx, tx)
	if err != nil {
		return nil, 0, classify("audit page", err)
	}
	// Seqs are contiguous from 1, so a page is a seq range: no OFFSET scan.
	rows, err := tx.QueryContext(ctx, `SELECT seq, time, actor, action, subject, detail,
		prev_hash, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, offset, limit)
	if err != nil {
		return nil, 0, classify("audit page", err)
	}
	defer closeQuietly(rows)
	var list []locker.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, 0, err
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, classify("audit page", err)
	}
	return list, int(head), nil
}

func scanAudit(rows *sql.Rows) (locker.AuditEntry, error) {
	var (
		e  locker.AuditEntry
		tm string
	)
	if err := rows.Scan(&e.Seq, &tm, &e.Actor, &e.Action, &e.Subject, &e.Detail,
		&e.PrevHash, &e.Hash); err != nil {
		return e, classify("audit row", err)
	}
	t, err := ptime(tm)
	e.Time = t
	return e, err
}
