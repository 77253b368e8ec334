package store

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/parcelkiosk/locker"
)

// ErrKeyFile means the key file is missing, unreadable or does not belong to
// the database.
var ErrKeyFile = errors.New("store: key file")

// sealedPrefix starts a TOTP secret sealed under the key file's key.
const sealedPrefix = "sealed1:"

// keyFileMode is the only mode the key file is written with.
const keyFileMode = 0o600

// setupKey gives the database its key from o.KeyFile: it reads the file,
// or creates it (moving the key an older database kept in meta there, or
// drawing a new one), then clears the key out of the database and seals
// every TOTP secret still in the clear. The meta row 'secret' stays, empty,
// to say the key lives in a file.
func (db *DB) setupKey(ctx context.Context) error {
	var inDB []byte
	hasRow := true
	err := db.w.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'secret'`).Scan(&inDB)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		hasRow = false
	case err != nil:
		return classify("key: read meta", err)
	}
	key, err := readKeyFile(db.o.KeyFile)
	switch {
	case err == nil:
		if fi, serr := os.Stat(db.o.KeyFile); serr == nil && fi.Mode().Perm()&0o077 != 0 {
			db.o.Logger.Warn("store: the key file can be read by others than its owner: chmod 600 it", "key_file", db.o.KeyFile, "mode", fi.Mode().Perm().String())
		}
		if len(inDB) > 0 && !bytes.Equal(inDB, key) {
			return fmt.Errorf("%w: %s holds another key than the database %s: restore the key file that belongs to it", ErrKeyFile, db.o.KeyFile, db.path)
		}
	case errors.Is(err, fs.ErrNotExist):
		switch {
		case len(inDB) > 0:
			key = inDB
			db.o.Logger.Info("store: moving the kiosk key out of the database", "key_file", db.o.KeyFile)
		case hasRow:
			return fmt.Errorf("%w: %s is missing and the database %s keeps its key there: restore the key file from its backup", ErrKeyFile, db.o.KeyFile, db.path)
		default:
			key = make([]byte, locker.SecretLen)
			if _, err := rand.Read(key); err != nil {
				return fmt.Errorf("%w: new key: %w", ErrKeyFile, err)
			}
		}
		if err := writeKeyFile(db.o.KeyFile, key); err != nil {
			return err
		}
	default:
		return err
	}
	check := keyCheck(key)
	var stored []byte
	err = db.w.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'key_check'`).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return classify("key: read meta", err)
	case !hmac.Equal(stored, check):
		return fmt.Errorf("%w: %s holds another key than the database %s: restore the key file that belongs to it", ErrKeyFile, db.o.KeyFile, db.path)
	}
	db.key = key
	moved := len(inDB) > 0
	sealed := 0
	err = db.write(ctx, func(tx *sql.Tx) error {
		if moved {
			if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = X'' WHERE key = 'secret'`); err != nil {
				return err
			}
		} else if !hasRow {
			if err := setMeta(ctx, tx, "secret", []byte{}); err != nil {
				return err
			}
		}
		if err := setMeta(ctx, tx, "key_check", check); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, totp_secret FROM staff WHERE totp_secret <> ''`)
		if err != nil {
			return err
		}
		clear := map[string]string{}
		for rows.Next() {
			var id, s string
			if err := rows.Scan(&id, &s); err != nil {
				rows.Close()
				return err
			}
			if !strings.HasPrefix(s, sealedPrefix) {
				clear[id] = s
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for id, s := range clear {
			v, err := db.seal(s)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE staff SET totp_secret = ? WHERE id = ?`, v, id); err != nil {
				return err
			}
			sealed++
		}
		return nil
	})
	if err != nil {
		return classify("key: move out of the database", err)
	}
	if moved || sealed > 0 {
		// Old pages of the WAL still hold the clear values.
		if _, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return classify("key: checkpoint", err)
		}
		db.o.Logger.Info("store: secrets out of the database", "key_moved", moved, "totp_sealed", sealed)
	}
	return nil
}

// keyCheck is what the database keeps to recognise its key: an HMAC under
// the key, which tells nothing about it.
func keyCheck(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("parcelkiosk key check v1"))
	return m.Sum(nil)
}

// readKeyFile reads a key file: the key in hex on one line.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != locker.SecretLen {
		return nil, fmt.Errorf("%w: %s does not hold a %d-byte key in hex", ErrKeyFile, path, locker.SecretLen)
	}
	return key, nil
}

// writeKeyFile writes key to path, mode 0600, never over an existing file:
// a temporary file, synced, linked into place, and the directory synced.
func writeKeyFile(path string, key []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	f, err := os.CreateTemp(dir, ".kiosk-key-*")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Chmod(keyFileMode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, path) // fails if the file appeared meanwhile
	}
	if err != nil {
		return fmt.Errorf("%w: write %s: %w", ErrKeyFile, path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// aead returns the AES-256-GCM of the sealing key, derived from the kiosk
// key so the HMAC key is never used as a cipher key.
func (db *DB) aead() (cipher.AEAD, error) {
	m := hmac.New(sha256.New, db.key)
	m.Write([]byte("parcelkiosk totp seal v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts a TOTP secret for the staff table. Without a key file it
// returns s as it is.
func (db *DB) seal(s string) (string, error) {
	if db.key == nil || s == "" {
		return s, nil
	}
	a, err := db.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := a.Seal(nonce, nonce, []byte(s), []byte("staff.totp_secret"))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// open decrypts a sealed TOTP secret; a value in the clear is returned as
// it is.
func (db *DB) open(v string) (string, error) {
	b64, ok := strings.CutPrefix(v, sealedPrefix)
	if !ok {
		return v, nil
	}
	if db.key == nil {
		return "", fmt.Errorf("%w: the TOTP secret is sealed and no key file is set", ErrKeyFile)
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	a, aerr := db.aead()
	if err != nil || aerr != nil || len(raw) < a.NonceSize() {
		return "", fmt.Errorf("%w: a sealed TOTP secret is malformed", ErrCorrupt)
	}
	pt, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], []byte("staff.totp_secret"))
	if err != nil {
		return "", fmt.Errorf("%w: a sealed TOTP secret does not open with this key file", ErrKeyFile)
	}
	return string(pt), nil
}
