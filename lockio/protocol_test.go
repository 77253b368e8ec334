package lockio

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/parcelkiosk/locker"
)

func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFrames(t *testing.T) {
	tests := []struct {
		name  string
		proto string
		got   func(p protocol) []byte
		want  string
	}{
		{"kerong unlock 0/1 (published)", ProtocolKerong, func(p protocol) []byte { return p.unlockFrame(locker.LockAddr{Board: 0, Lock: 1}) }, "02 00 31 03 36"},
		{"kerong unlock 1/16", ProtocolKerong, func(p protocol) []byte { return p.unlockFrame(locker.LockAddr{Board: 1, Lock: 16}) }, "02 1F 31 03 55"},
		{"kerong unlock 15/3", ProtocolKerong, func(p protocol) []byte { return p.unlockFrame(locker.LockAddr{Board: 15, Lock: 3}) }, "02 F2 31 03 28"},
		{"kerong read board 0", ProtocolKerong, func(p protocol) []byte { return p.statusFrame(0) }, "02 00 30 03 35"},
		{"kerong read board 2", ProtocolKerong, func(p protocol) []byte { return p.statusFrame(2) }, "02 20 30 03 55"},
		{"gen8a unlock 1/1 (published)", ProtocolGen8a, func(p protocol) []byte { return p.unlockFrame(locker.LockAddr{Board: 1, Lock: 1}) }, "8A 01 01 11 9B"},
		{"gen8a unlock 32/24", ProtocolGen8a, func(p protocol) []byte { return p.unlockFrame(locker.LockAddr{Board: 32, Lock: 24}) }, "8A 20 18 11 A3"},
		{"gen8a query all board 1", ProtocolGen8a, func(p protocol) []byte { return p.statusFrame(1) }, "80 01 00 33 B2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := lookup(tc.proto)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tc.got(p), hx(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("frame = % X, want % X", got, want)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name      string
		proto     string
		frame     string
		board     int
		ok        bool
		hook, ir  uint32
		wantHasIR bool
	}{
		{"kerong lock 1 bit, item lock 9", ProtocolKerong, "02 00 35 01 00 00 01 03 3C", 0, true, 0x0001, 0x0100, true},
		{"kerong all hooks", ProtocolKerong, "02 30 35 FF FF 00 00 03 68", 3, true, 0xFFFF, 0, true},
		{"kerong other board", ProtocolKerong, "02 30 35 FF FF 00 00 03 68", 2, false, 0, 0, false},
		{"kerong lock nibble ignored (unlock reply)", ProtocolKerong, "02 05 35 00 80 00 00 03 BF", 0, true, 0x8000, 0, true},
		{"gen8a lock 1", ProtocolGen8a, "80 01 00 00 01 33 B3", 1, true, 0x000001, 0, false},
		{"gen8a locks 9 and 17", ProtocolGen8a, "80 02 01 01 00 33 B1", 2, true, 0x010100, 0, false},
		{"gen8a other board", ProtocolGen8a, "80 01 00 00 01 33 B3", 2, false, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := lookup(tc.proto)
			f := hx(t, tc.frame)
			start, n, ok := p.scan(f, kindStatus)
			if !ok || start != 0 || n != len(f) {
				t.Fatalf("scan = %d %d %v, want a whole frame (checksum in the test table wrong?)", start, n, ok)
			}
			s, ok := p.parseStatus(f, tc.board)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && (s.hook != tc.hook || s.ir != tc.ir || s.hasIR != tc.wantHasIR) {
				t.Errorf("sense = %+v, want hook %#x ir %#x hasIR %v", s, tc.hook, tc.ir, tc.wantHasIR)
			}
		})
	}
}

func TestScanResync(t *testing.T) {
	kState := "02 00 35 01 00 00 01 03 3C"
	gAll := "80 01 00 00 01 33 B3"
	tests := []struct {
		name  string
		proto string
		kind  frameKind
		in    string
		want  string // the frame expected, "" for none
	}{
		{"kerong clean", ProtocolKerong, kindStatus, kState, kState},
		{"kerong garbage first", ProtocolKerong, kindStatus, "FF 13 37 " + kState, kState},
		{"kerong stray STX", ProtocolKerong, kindStatus, "02 02 " + kState, kState},
		{"kerong truncated then whole", ProtocolKerong, kindStatus, "02 00 35 01 00 " + kState, kState},
		{"kerong bad checksum then whole", ProtocolKerong, kindStatus, "02 00 35 01 00 00 01 03 3D " + kState, kState},
		{"kerong truncated only", ProtocolKerong, kindStatus, "02 00 35 01", ""},
		{"kerong 5-byte frame", ProtocolKerong, kindRequest, "00 02 00 31 03 36", "02 00 31 03 36"},
		{"gen8a clean", ProtocolGen8a, kindStatus, gAll, gAll},
		{"gen8a unlock echo before status skipped", ProtocolGen8a, kindStatus, "8A 01 01 00 8A " + gAll, gAll},
		{"gen8a truncated then whole", ProtocolGen8a, kindStatus, "80 01 00 " + gAll, gAll},
		{"gen8a bad xor then whole", ProtocolGen8a, kindStatus, "80 01 00 00 01 33 B4 " + gAll, gAll},
		{"gen8a unlock reply", ProtocolGen8a, kindUnlock, "33 8A 01 01 00 8A", "8A 01 01 00 8A"},
		{"gen8a truncated only", ProtocolGen8a, kindUnlock, "8A 01 01", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := lookup(tc.proto)
			in := hx(t, tc.in)
			start, n, ok := p.scan(in, tc.kind)
			if tc.want == "" {
				if ok {
					t.Fatalf("found % X in a buffer without a whole frame", in[start:start+n])
				}
				return
			}
			if !ok {
				t.Fatalf("no frame found in % X", in)
			}
			if got, want := in[start:start+n], hx(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("frame = % X, want % X", got, want)
			}
		})
	}
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		proto string
		a     locker.LockAddr
		ok    bool
	}{
		{ProtocolKerong, locker.LockAddr{Board: 0, Lock: 1}, true},
		{ProtocolKerong, locker.LockAddr{Board: 15, Lock: 16}, true},
		{ProtocolKerong, locker.LockAddr{Board: 16, Lock: 1}, false},
		{ProtocolKerong, locker.LockAddr{Board: 0, Lock: 0}, false},
		{ProtocolKerong, locker.LockAddr{Board: 0, Lock: 17}, false},
		{ProtocolGen8a, locker.LockAddr{Board: 0, Lock: 1}, false},
		{ProtocolGen8a, locker.LockAddr{Board: 32, Lock: 24}, true},
		{ProtocolGen8a, locker.LockAddr{Board: 33, Lock: 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.proto, func(t *testing.T) {
			p, _ := lookup(tc.proto)
			if err := checkAddr(p, tc.a); (err == nil) != tc.ok {
				t.Errorf("checkAddr(%v) = %v, want ok %v", tc.a, err, tc.ok)
			}
		})
	}
}
