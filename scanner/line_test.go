package scanner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

func TestLineReader(t *testing.T) {
	long := strings.Repeat("9", 10000)
	tests := []struct {
		name  string
		in    string
		lines []string
		errs  []error // error expected at the same index (nil: a line)
	}{
		{"CR", "abc\rdef\r", []string{"abc", "def"}, nil},
		{"LF", "abc\ndef\n", []string{"abc", "def"}, nil},
		{"CRLF and blanks", "abc\r\n\r\n\ndef\r\n", []string{"abc", "def"}, nil},
		{"last line without end", "abc\ndef", []string{"abc", "def"}, nil},
		{"GS1 separators kept", "]C1\x1d01\x1e\x04\n", []string{"]C1\x1d01\x1e\x04"}, nil},
		{"UTF-8", "café\n", []string{"café"}, nil},
		{"10,000-char line then a good one", long + "\nok123\n", []string{"", "ok123"}, []error{ErrLineTooLong, nil}},
		{"binary junk then a good one", "\x00\x01\x02\xff\x00junk\nok123\n", []string{"", "ok123"}, []error{ErrJunk, nil}},
		{"invalid UTF-8", "ab\xffcd\n", []string{""}, []error{ErrJunk}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lr := NewLineReader(strings.NewReader(tc.in), 4096)
			for i, want := range tc.lines {
				got, err := lr.Next()
				var wantErr error
				if tc.errs != nil {
					wantErr = tc.errs[i]
				}
				if wantErr != nil {
					if !errors.Is(err, wantErr) {
						t.Fatalf("line %d: err = %v, want %v", i, err, wantErr)
					}
					continue
				}
				if err != nil || got != want {
					t.Fatalf("line %d = %q, %v; want %q", i, got, err, want)
				}
			}
			if got, err := lr.Next(); err != io.EOF {
				t.Fatalf("after the lines: %q, %v; want io.EOF", got, err)
			}
		})
	}
}

// TestLineReaderBoundedMemory feeds an endless line and checks the reader
// gives up at the limit instead of growing.
func TestLineReaderBoundedMemory(t *testing.T) {
	endless := io.MultiReader(strings.NewReader("x"), repeatReader('A'))
	lr := NewLineReader(endless, 1000)
	_, err := lr.Next()
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("err = %v, want ErrLineTooLong", err)
	}
	if cap(lr.buf) > 4096 {
		t.Fatalf("buffer grew to %d bytes", cap(lr.buf))
	}
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("abc\r\ndef\n"), 16)
	f.Add([]byte("\x00\xff\n123"), 4)
	f.Add(bytes.Repeat([]byte("x"), 100), 10)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max <= 0 || max > 1<<16 {
			max = 64
		}
		lr := NewLineReader(bytes.NewReader(data), max)
		total := 0
		for i := 0; i <= len(data)+1; i++ {
			line, err := lr.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !errors.Is(err, ErrJunk) && !errors.Is(err, ErrLineTooLong) {
					t.Fatalf("unexpected error %v", err)
				}
				continue
			}
			if line == "" || len(line) > max || strings.ContainsAny(line, "\r\n") {
				t.Fatalf("bad line %q (max %d)", line, max)
			}
			for _, c := range []byte(line) {
				if !textByte(c) {
					t.Fatalf("line %q holds byte 0x%02x", line, c)
				}
			}
			total += len(line)
			if total > len(data) {
				t.Fatalf("more text out than in")
			}
		}
		t.Fatalf("Next never reached EOF")
	})
}

// TestSerialSourceOnPTY runs the serial source on a real pseudo-terminal:
// the test writes to the master side as a scanner would, the source opens
// the slave by name through OpenSerial (go.bug.st/serial, raw mode), with
// junk, an overlong line, and the device going away and coming back.
func TestSerialSourceOnPTY(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type dev struct{ master, slave *os.File }
	devs := make(chan dev, 4)
	openCount := 0
	src := &StreamSource{
		Name:    "serial",
		MaxLine: 256,
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			m, s, err := pty.Open()
			if err != nil {
				return nil, err
			}
			name := s.Name()
			s.Close()
			port, err := OpenSerial(name, 9600)
			if err != nil {
				m.Close()
				return nil, err
			}
			openCount++
			devs <- dev{m, s}
			return port, nil
		},
	}
	var errs []error
	sup := &Supervised{Source: src, Backoff: time.Millisecond, OnError: func(err error) { errs = append(errs, err) }}
	out := make(chan Scan, 8)
	done := make(chan error, 1)
	go func() { done <- sup.Run(ctx, out) }()

	recv := func() Scan {
		t.Helper()
		select {
		case s := <-out:
			return s
		case <-ctx.Done():
			t.Fatal("timed out waiting for a scan")
		}
		return Scan{}
	}
	d := <-devs
	if _, err := d.master.Write([]byte("1Z999AA10123456784\r\n")); err != nil {
		t.Fatal(err)
	}
	if s := recv(); s.Text != "1Z999AA10123456784" || s.Source != "serial" {
		t.Fatalf("scan = %+v", s)
	}
	// Binary junk: the source fails with ErrJunk and is restarted.
	d.master.Write([]byte("\x00\x01\x02\x03\r\n"))
	d2 := <-devs
	d.master.Close()
	d2.master.Write([]byte("PK1.after.junk\n"))
	if s := recv(); s.Text != "PK1.after.junk" {
		t.Fatalf("scan after restart = %+v", s)
	}
	// A 10,000-character line: ErrLineTooLong, restart.
	go d2.master.Write([]byte(strings.Repeat("7", 10000) + "\n"))
	d3 := <-devs
	// The device goes away: closing the master makes reads fail.
	d3.master.Write([]byte("BADGE:7\n"))
	if s := recv(); s.Text != "BADGE:7" {
		t.Fatalf("scan after long line = %+v", s)
	}
	d3.master.Close()
	d4 := <-devs
	d4.master.Write([]byte("EA123456785US\n"))
	if s := recv(); s.Text != "EA123456785US" {
		t.Fatalf("scan after replug = %+v", s)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	d2.master.Close()
	d4.master.Close()
	var junk, long, gone bool
	for _, err := range errs {
		junk = junk || errors.Is(err, ErrJunk)
		long = long || errors.Is(err, ErrLineTooLong)
		gone = gone || !errors.Is(err, ErrJunk) && !errors.Is(err, ErrLineTooLong)
	}
	if !junk || !long || !gone {
		t.Errorf("errors seen %v: want junk, too long and device gone", errs)
	}
	if openCount != 4 {
		t.Errorf("opened %d times, want 4", openCount)
	}
}
