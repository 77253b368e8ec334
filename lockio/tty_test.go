package lockio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenTTYRefuses(t *testing.T) {
	p, err := OpenPTY("")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		baud       int
		want       string
	}{
		{"unsupported baud", p.Path, 12345, "baud 12345 not supported"},
		{"missing device", filepath.Join(t.TempDir(), "ttyUSB9"), 9600, "no such file"},
		{"not a terminal", plain, 9600, "termios of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := openTTY(tc.path, tc.baud)
			if err == nil {
				d.close()
				t.Fatalf("openTTY(%s, %d) opened", tc.path, tc.baud)
			}
			if !strings.HasPrefix(err.Error(), "lockio: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want the lockio prefix and %q", err, tc.want)
			}
		})
	}
}

func TestTTYReadTimesOutThenReads(t *testing.T) {
	p, err := OpenPTY("")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	d, err := openTTY(p.Path, 9600)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	buf := make([]byte, 16)
	// Nothing sent: the read ends empty, without an error, after the timeout.
	if n, err := d.read(buf, 50*time.Millisecond); n != 0 || err != nil {
		t.Fatalf("idle read = %d, %v; want 0, nil", n, err)
	}
	if _, err := p.Master.Write([]byte{0x02, 0x00, 0x03}); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for deadline := time.Now().Add(5 * time.Second); len(got) < 3 && time.Now().Before(deadline); {
		n, err := d.read(buf, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "\x02\x00\x03" {
		t.Fatalf("read %q, want the raw bytes 02 00 03 (no line discipline)", got)
	}
	if _, err := d.write([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	// Closing ends a read that waits.
	done := make(chan error, 1)
	go func() { _, err := d.read(buf, time.Minute); done <- err }()
	time.Sleep(20 * time.Millisecond)
	d.close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a read on a closed device returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close did not end a waiting read")
	}
}
