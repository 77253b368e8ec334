package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parcelkiosk/locker"
)

func TestAuditTriggersRefuseEdits(t *testing.T) {
	db, path := openTest(t, Options{})
	apply(t, db, auditChange(time.Now(), 3, "t"))
	db.Close()
	raw := rawOpen(t, path)
	for _, q := range []string{
		`UPDATE audit SET detail = 'x' WHERE seq = 2`,
		`DELETE FROM audit WHERE seq = 3`,
		`DELETE FROM audit`,
		`DELETE FROM meta WHERE key = 'audit_hash'`,
		`UPDATE meta SET value = 1 WHERE key = 'audit_seq'`,
	} {
		_, err := raw.Exec(q)
		if err == nil {
			t.Errorf("%s: succeeded, want refused", q)
		}
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM audit`).Scan(&n); err != nil || n != 3 {
		t.Errorf("audit rows = %d, %v", n, err)
	}
}

// withoutTriggers runs q on path with the append-only triggers dropped,
// then puts them back (a tamperer who knows SQL).
func withoutTriggers(t *testing.T, path string, qs ...string) {
	t.Helper()
	raw := rawOpen(t, path)
	var trig []string
	rows, err := raw.Query(`SELECT sql FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		trig = append(trig, s)
	}
	rows.Close()
	for _, name := range []string{"audit_no_update", "audit_no_delete", "meta_counters_grow", "meta_counters_stay"} {
		mustExec(t, raw, `DROP TRIGGER `+name)
	}
	for _, q := range qs {
		mustExec(t, raw, q)
	}
	for _, s := range trig {
		mustExec(t, raw, s)
	}
	raw.Close()
}

// editFileBytes replaces every occurrence of old with repl (same length) in
// the file, as a hex editor would.
func editFileBytes(t *testing.T, path, old, repl string) {
	t.Helper()
	if len(old) != len(repl) {
		t.Fatal("edit must keep the length")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%q not in %s", old, path)
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(b, []byte(old), []byte(repl)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyAuditFindsTampering(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		tamper  func(t *testing.T, path string)
		wantSeq int64
	}{
		{"row edited with SQL", func(t *testing.T, path string) {
			withoutTriggers(t, path, `UPDATE audit SET detail = 'nothing to see' WHERE seq = 3`)
		}, 3},
		{"row edited with its hash recomputed", func(t *testing.T, path string) {
			raw := rawOpen(t, path)
			var ph, tm, actor, action, subject string
			if err := raw.QueryRow(`SELECT prev_hash, time, actor, action, subject FROM audit WHERE seq = 4`).
				Scan(&ph, &tm, &actor, &action, &subject); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			h := auditHash(ph, 4, tm, actor, action, subject, "forged")
			withoutTriggers(t, path, fmt.Sprintf(`UPDATE audit SET detail = 'forged', hash = '%s' WHERE seq = 4`, h))
		}, 5},
		{"row edited in the file with a hex editor", func(t *testing.T, path string) {
			editFileBytes(t, path, "orig-2", "EDIT-2")
		}, 3},
		{"middle row deleted", func(t *testing.T, path string) {
			withoutTriggers(t, path, `DELETE FROM audit WHERE seq = 4`)
		}, 4},
		{"first row deleted", func(t *testing.T, path string) {
			withoutTriggers(t, path, `DELETE FROM audit WHERE seq = 1`)
		}, 1},
		{"last row deleted", func(t *testing.T, path string) {
			withoutTriggers(t, path, `DELETE FROM audit WHERE seq = 7`)
		}, 7},
		{"row appended outside Apply", func(t *testing.T, path string) {
			mustExec(t, rawOpen(t, path), `INSERT INTO audit (seq, time, actor, action, prev_hash, hash)
				VALUES (8, '', 'x', 'y', '', '')`)
		}, 8},
		{"triggers dropped", func(t *testing.T, path string) {
			raw := rawOpen(t, path)
			mustExec(t, raw, `DROP TRIGGER audit_no_delete`)
		}, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.db")
			db := openAt(t, path, Options{})
			apply(t, db, auditChange(time.Now(), 3, "orig"))
			apply(t, db, auditChange(time.Now(), 4, "more"))
			if err := db.VerifyAudit(ctx); err != nil {
				t.Fatalf("untouched chain: %v", err)
			}
			db.Close()
			if _, err := os.Stat(path + "-wal"); err == nil {
				t.Fatal("WAL left after Close; the edit would miss rows")
			}
			tc.tamper(t, path)

			_, err := Open(ctx, path, Options{})
			var abe *AuditBrokenError
			if !errors.Is(err, ErrAuditBroken) || !errors.As(err, &abe) {
				t.Fatalf("Open = %v, want ErrAuditBroken", err)
			}
			if abe.Seq != tc.wantSeq {
				t.Errorf("first bad seq = %d (%s), want %d", abe.Seq, abe.Reason, tc.wantSeq)
			}
			// The operator can still open it to look, and Check agrees.
			db = openAt(t, path, Options{SkipChainCheck: true})
			if err := db.Check(ctx); !errors.Is(err, ErrAuditBroken) {
				t.Errorf("Check = %v, want ErrAuditBroken", err)
			}
		})
	}
}

func TestCorruptDatabaseIsAClearError(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"not a database", func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("this is not sqlite "), 500), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"page overwritten with garbage", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			garbage := bytes.Repeat([]byte{0xA5, 0x5A, 0xFF, 0x00}, 1024)
			if _, err := f.WriteAt(garbage, fi.Size()/2/4096*4096); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated", func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, fi.Size()/2/4096*4096); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.db")
			db := openAt(t, path, Options{})
			apply(t, db, &locker.Change{Compartments: bank(4)})
			for i := range 300 {
				at := time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)
				c := depositChange(at, "A1", fmt.Sprintf("BARCODE-%05d", i))
				c.Parcels[0].Status = locker.ParcelPickedUp
				apply(t, db, c)
			}
			db.Close()
			tc.corrupt(t, path)
			for _, o := range []Options{{}, {FullIntegrityCheck: true}} {
				_, err := Open(ctx, path, o)
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Open(full check %v) = %v, want ErrCorrupt", o.FullIntegrityCheck, err)
				}
				if !errors.Is(err, locker.ErrStoreDown) && !strings.Contains(err.Error(), "check") {
					t.Errorf("error %v says neither store down nor check", err)
				}
			}
		})
	}
}

// roChildEnv names the path a re-executed test binary tries to open (the
// read-only test drops root in a child, since root writes anywhere).
const roChildEnv = "STORE_TEST_READONLY_PATH"

func TestReadOnlyChild(t *testing.T) {
	path := os.Getenv(roChildEnv)
	if path == "" {
		t.Skip("run by TestReadOnlyIsAClearError")
	}
	_, err := Open(context.Background(), path, Options{})
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Open(%s) = %v, want ErrReadOnly", path, err)
	}
	fmt.Printf("READONLY-OK %v\n", err)
}

func TestReadOnlyIsAClearError(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string
	}{
		{"new database in a read-only directory", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "ro", "kiosk.db")
		}},
		{"read-only database file", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "rw", "kiosk.db")
			makeDB(t, path)
			if err := os.Chmod(path, 0o444); err != nil {
				t.Fatal(err)
			}
			return path
		}},
		{"writable file in a read-only directory", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "ro", "kiosk.db")
			if err := os.Chmod(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			makeDB(t, path)
			if err := os.Chmod(path, 0o666); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Dir(path), 0o555); err != nil {
				t.Fatal(err)
			}
			return path
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, d := range []string{"ro", "rw"} {
				if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			path := tc.setup(t, dir)
			if err := os.Chmod(filepath.Join(dir, "ro"), 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(filepath.Join(dir, "ro"), 0o755) })
			if os.Geteuid() != 0 {
				_, err := Open(context.Background(), path, Options{})
				if !errors.Is(err, ErrReadOnly) {
					t.Fatalf("Open = %v, want ErrReadOnly", err)
				}
				return
			}
			runAsNobody(t, dir, path)
		})
	}
}

func makeDB(t *testing.T, path string) {
	t.Helper()
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	apply(t, db, auditChange(time.Now(), 1, "x"))
	db.Close()
}

// runAsNobody re-executes the test binary as uid 65534 to run
// TestReadOnlyChild on path.
func runAsNobody(t *testing.T, dir, path string) {
	t.Helper()
	// The go tool's build directory is private to root: copy the binary to
	// where nobody can execute it.
	bin := filepath.Join(dir, "store.test")
	copyFile(t, os.Args[0], bin, 0o755)
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "ro"), 0o555); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), roChildEnv+"="+path)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Skipf("cannot run a child as nobody here: %v", err)
		}
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("READONLY-OK")) {
		t.Fatalf("child did not report: %s", out)
	}
	t.Logf("child: %s", bytes.TrimSpace(bytes.Split(out, []byte("\n"))[1]))
}

func copyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestBackupOpensAndVerifies(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t, Options{})
	apply(t, db, &locker.Change{Compartments: bank(3), Secret: []byte("s3cret")})
	for i := range 20 {
		apply(t, db, depositChange(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), "A2", fmt.Sprintf("B%d", i)))
	}
	dst := filepath.Join(filepath.Dir(path), "backup.db")
	if err := db.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dst); !errors.Is(err, os.ErrExist) {
		t.Errorf("second Backup to the same file = %v, want ErrExist", err)
	}
	orig, err := db.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := openAt(t, dst, Options{})
	if err := b.Check(ctx); err != nil {
		t.Fatalf("backup Check: %v", err)
	}
	got, err := b.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Parcels) != 20 || got.NextSeq != orig.NextSeq || string(got.Secret) != "s3cret" ||
		len(got.Compartments) != len(orig.Compartments) {
		t.Errorf("backup snapshot: %d parcels next seq %d, want 20 and %d", len(got.Parcels), got.NextSeq, orig.NextSeq)
	}
	var a, c bytes.Buffer
	if err := db.Export(ctx, &a, ExportAudit, FormatCSV); err != nil {
		t.Fatal(err)
	}
	if err := b.Export(ctx, &c, ExportAudit, FormatCSV); err != nil {
		t.Fatal(err)
	}
	if a.String() != c.String() {
		t.Error("backup audit differs from the original")
	}
}

// TestCheckFindsWhatQuickCheckMisses damages an index so that it no longer
// matches its table: the pages are sound (quick_check at Open passes) but
// Check's full integrity_check must find it.
func TestCheckFindsWhatQuickCheckMisses(t *testing.T) {
	ctx := context.Background()
	db, path := openTest(t, Options{})
	apply(t, db, &locker.Change{Compartments: bank(2)})
	for i := range 20 {
		apply(t, db, depositChange(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), "A1", fmt.Sprintf("B%02d", i)))
	}
	db.Close()
	raw := rawOpen(t, path)
	mustExec(t, raw, `PRAGMA writable_schema = ON`)
	mustExec(t, raw, `UPDATE sqlite_master SET sql = replace(sql, '(barcode)', '(carrier)')
		WHERE name = 'parcels_barcode'`)
	raw.Close()

	db = openAt(t, path, Options{})
	if err := db.Check(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Check = %v, want ErrCorrupt", err)
	}
	db.Close()
	if _, err := Open(ctx, path, Options{FullIntegrityCheck: true}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with the full check = %v, want ErrCorrupt", err)
	}
}
