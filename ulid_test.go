package locker

import (
	"testing"
	"time"
)

func TestNewULIDSortsByTime(t *testing.T) {
	a := NewULID(time.UnixMilli(1000))
	b := NewULID(time.UnixMilli(1001))
	if len(a) != 26 || len(b) != 26 {
		t.Fatalf("length: %q %q", a, b)
	}
	if !(a < b) {
		t.Errorf("ULIDs do not sort by time: %q >= %q", a, b)
	}
	if a[:10] != "00000000Z8" {
		t.Errorf("time part of 1000 ms = %q, want 00000000Z8", a[:10])
	}
}
