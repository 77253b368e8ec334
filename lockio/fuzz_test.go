package lockio

import (
	"bytes"
	"testing"
)

// fuzzScan decodes data like the bus does and checks that every frame found
// is valid, that the decoder always makes progress, and that a real frame
// placed after the data (behind a pad longer than any frame) is found.
func fuzzScan(t *testing.T, p protocol, k frameKind, data, real []byte, valid func([]byte) bool) {
	const pad = 10
	buf := append(append(bytes.Clone(data), make([]byte, pad)...), real...)
	found := false
	for steps := 0; len(buf) > 0; steps++ {
		if steps > len(data)+pad+len(real)+1 {
			t.Fatalf("decoder does not make progress")
		}
		start, n, ok := p.scan(buf, k)
		if start < 0 || start > len(buf) || (ok && (n <= 0 || start+n > len(buf))) {
			t.Fatalf("scan = %d %d %v for a %d-byte buffer", start, n, ok, len(buf))
		}
		if !ok {
			if start == 0 {
				break // a possible frame's beginning: the bus waits for more
			}
			buf = buf[start:]
			continue
		}
		f := buf[start : start+n]
		if !valid(f) {
			t.Fatalf("accepted invalid frame % X", f)
		}
		_, _ = p.parseStatus(f, int(f[1]))
		if bytes.Equal(f, real) && len(buf)-start == len(real) {
			found = true
		}
		buf = buf[start+n:]
	}
	if !found {
		t.Fatalf("real frame % X lost after % X", real, data)
	}
}

func FuzzKerongReply(f *testing.F) {
	for _, s := range []string{
		"02 00 35 01 00 00 01 03 3C",
		"02 30 35 FF FF 00 00 03 68",
		"02 00 31 03 36",
		"02 00 35 01 00",
		"FF 02 02 03 00 35",
		"",
	} {
		f.Add(hx(f, s))
	}
	real := hx(f, "02 10 35 0F 00 F0 00 03 49")
	p := kerong{}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzScan(t, p, kindStatus, data, real, func(b []byte) bool {
			n := len(b)
			return b[0] == kerongSTX && (n == 5 || n == 9) && b[n-2] == kerongETX && kerongSum(b[:n-1]) == b[n-1]
		})
	})
}

func FuzzGen8aReply(f *testing.F) {
	for _, s := range []string{
		"80 01 00 00 01 33 B3",
		"8A 01 01 11 9B",
		"8A 01 01 00 8A",
		"80 01 00 33 B2",
		"80 01 00",
		"",
	} {
		f.Add(hx(f, s), true)
		f.Add(hx(f, s), false)
	}
	allReal := hx(f, "80 02 01 01 00 33 B1")
	unlockReal := hx(f, "8A 01 01 00 8A")
	p := gen8a{}
	f.Fuzz(func(t *testing.T, data []byte, status bool) {
		k, real := kindUnlock, unlockReal
		if status {
			k, real = kindStatus, allReal
		}
		fuzzScan(t, p, k, data, real, func(b []byte) bool {
			n := len(b)
			if status && (n != 7 || b[0] != gen8aQueryCmd || b[5] != gen8aQueryFn) {
				return false
			}
			return (n == 5 || n == 7) && (b[0] == 0x80 || b[0] == 0x8A) && gen8aXOR(b[:n-1]) == b[n-1]
		})
	})
}
