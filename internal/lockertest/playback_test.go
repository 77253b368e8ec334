package lockertest

import (
	"fmt"
	"io"
	"sync"
	"testing"
)

// recorder is a testing.TB that records errors and runs its cleanups when
// told, so that the tests can see what a Playback reports.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// end runs the cleanups as the end of a test would and returns the errors.
func (r *recorder) end() []string {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs
}

func TestPlayback(t *testing.T) {
	script := []Step{
		{Want: []byte{0x02, 0x00, 0x30}, Reply: []byte{0x02, 0x00, 0x35, 0x03}},
		{Want: []byte{0x02, 0x00, 0x31}, Reply: nil},
	}
	tests := []struct {
		name     string
		writes   [][]byte
		wantErrs int
	}{
		{"every step played", [][]byte{{0x02, 0x00, 0x30}, {0x02, 0x00, 0x31}}, 0},
		{"a step left unused", [][]byte{{0x02, 0x00, 0x30}}, 1},
		{"wrong bytes", [][]byte{{0x02, 0x00, 0x30}, {0x02, 0x01, 0x31}}, 1},
		{"a write after the last step", [][]byte{{0x02, 0x00, 0x30}, {0x02, 0x00, 0x31}, {0x55}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			p := NewPlayback(rec, script...)
			for _, w := range tc.writes {
				if n, err := p.Write(w); n != len(w) || err != nil {
					t.Fatalf("Write(% X) = %d, %v", w, n, err)
				}
			}
			// The first step's reply, read in two parts.
			buf := make([]byte, 3)
			n, err := p.Read(buf)
			if err != nil || n != 3 || buf[2] != 0x35 {
				t.Fatalf("Read = %d, % X, %v; want the first 3 bytes of the reply", n, buf[:n], err)
			}
			n, err = p.Read(buf)
			if err != nil || n != 1 || buf[0] != 0x03 {
				t.Fatalf("second Read = %d, % X, %v; want the last byte of the reply", n, buf[:n], err)
			}
			if errs := rec.end(); len(errs) != tc.wantErrs {
				t.Errorf("reported %d errors %q, want %d", len(errs), errs, tc.wantErrs)
			}
			if _, err := p.Read(buf); err != io.EOF {
				t.Errorf("Read after the end = %v, want io.EOF", err)
			}
		})
	}
}
