package store

import (
	"context"
	"time"
)

// eraseWAL truncates the write-ahead log after a change that erased
// personal data (directory.delete): secure_delete overwrites the rows in
// the database's pages, but until a checkpoint the log still holds the
// older pages with the rows in them. The log is copied into the database
// and cut to nothing. A reader holding the log open makes the checkpoint
// partial; it is logged, and the next erase or start tries again.
func (db *DB) eraseWAL(ctx context.Context) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	var busy, logPages, done int
	// A reader's transaction lasts milliseconds: a few tries outwait it.
	for try := 0; try < 20; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(25 * time.Millisecond):
			}
		}
		if err := db.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
			return classify("erase: checkpoint", err)
		}
		if busy == 0 {
			return nil
		}
	}
	if busy != 0 {
		db.o.Logger.Warn("store: erased rows may stay in the write-ahead log until the next checkpoint: a reader held it",
			"log_pages", logPages, "checkpointed", done)
	}
	return nil
}
