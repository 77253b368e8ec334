package scanner

import (
	"context"
	"image"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// rsEncode929 appends numEC Reed-Solomon check codewords to data, as a
// PDF417 encoder does (generator roots 3^1..3^numEC).
func rsEncode929(gf *gf929Tables, data []int, numEC int) []int {
	g := gfPoly{1}
	for i := 1; i <= numEC; i++ {
		g = gf.polyMul(g, mkPoly([]int{1, gfSub(0, gf.exp[i])}))
	}
	// Remainder of data * x^numEC divided by g.
	rem := make([]int, numEC)
	for _, d := range data {
		f := gfAdd(d, rem[0])
		copy(rem, rem[1:])
		rem[numEC-1] = 0
		for j := 0; j < numEC; j++ {
			rem[j] = gfSub(rem[j], gf.mul(f, g[j+1]))
		}
	}
	out := append([]int(nil), data...)
	for _, r := range rem {
		out = append(out, gfSub(0, r))
	}
	return out
}

func TestPDF417ErrorCorrection(t *testing.T) {
	gf := newGF929()
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name             string
		numEC, errs, ers int
		wantOK           bool
	}{
		{"clean", 8, 0, 0, true},
		{"two errors", 8, 2, 0, true},
		{"four erasures", 8, 0, 4, true},
		{"one error three erasures", 16, 1, 3, true},
		{"errors beyond the margin", 8, 3, 0, false},
		{"erasures beyond the margin", 8, 0, 5, false},
		{"many of both", 64, 12, 30, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for trial := 0; trial < 20; trial++ {
				data := make([]int, 30)
				for i := range data {
					data[i] = rng.IntN(900)
				}
				data[0] = len(data)
				good := rsEncode929(gf, data, tc.numEC)
				cw := append([]int(nil), good...)
				pos := rng.Perm(len(cw))
				for _, p := range pos[:tc.errs] {
					cw[p] = (cw[p] + 1 + rng.IntN(927)) % 929
				}
				var ers []int
				for _, p := range pos[tc.errs : tc.errs+tc.ers] {
					cw[p] = 0
					ers = append(ers, p)
				}
				_, err := correctPDF417(gf, cw, tc.numEC, ers)
				same := err == nil && equalInts(cw, good)
				if tc.wantOK && !same {
					t.Fatalf("trial %d: not corrected: %v", trial, err)
				}
				if !tc.wantOK && err == nil && !same {
					t.Fatalf("trial %d: miscorrected without an error", trial)
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPDF417Data(t *testing.T) {
	tests := []struct {
		name string
		cw   []int
		want string
		err  bool
	}{
		// "PDF417" in text compaction: P=15 D=3 F=5, ML 28, 4 1 7 (mixed).
		{"text", []int{5, 15*30 + 3, 5*30 + 28, 4*30 + 1, 7*30 + 29}, "PDF417", false},
		// H, latch lower, alpha shift E, l.
		{"lower and shift", []int{4, 7*30 + 27, 27*30 + 4, 11*30 + 29}, "HEl", false},
		{"byte 901", []int{5, 901, 'a', 'b', 0xe9}, "abé", false},
		// 1*900+624 = 1524: the leading 1 is dropped.
		{"numeric", []int{4, 902, 1, 624}, "524", false},
		{"utf-8 eci", []int{6, 927, 26, 901, 0xc3, 0xa9}, "é", false},
		{"unknown eci", []int{5, 927, 20, 901, 'a'}, "", true},
		{"bad length", []int{9, 1, 2}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodePDF417Data(tc.cw)
			if tc.err {
				if err == nil && got == tc.want {
					return
				}
				if err == nil {
					t.Errorf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestPDF417Zint reads PDF417 symbols made by zint in each compaction
// mode, size and error correction level, turned and blurred.
func TestPDF417Zint(t *testing.T) {
	if _, err := exec.LookPath("zint"); err != nil {
		t.Fatal("zint not on PATH (packaging/deps.sh installs it)")
	}
	dir := t.TempDir()
	symbols := []symbol2D{
		{"text", []string{"-b", "55", "--scale=2"}, "Parcel 1Z999AA10123456784, locker #42; ok?", SymPDF417},
		{"numeric", []string{"-b", "55", "--scale=2", "--cols=4"}, strings.Repeat("0123456789", 8), SymPDF417},
		{"bytes", []string{"-b", "55", "--scale=2", "--binary"}, "Größe: 1×2 — ünïcödé", SymPDF417},
		{"ec-level-1", []string{"-b", "55", "--scale=2", "--secure=1"}, "LOW EC LEVEL", SymPDF417},
		{"ec-level-6", []string{"-b", "55", "--scale=3", "--secure=6"}, "HIGH EC LEVEL", SymPDF417},
		{"wide", []string{"-b", "55", "--scale=2", "--cols=12"}, strings.Repeat("WIDE SYMBOL ", 10), SymPDF417},
		{"compact", []string{"-b", "56", "--scale=2"}, "COMPACT PDF417", SymPDF417},
	}
	d := NewDecoder(DecodeOptions{Symbologies: []string{SymPDF417}})
	for _, s := range symbols {
		g := padNearest(renderZint(t, dir, s), 1, 30, 255)
		for _, tr := range []struct {
			name string
			img  func() *image.Gray
		}{
			{"plain", func() *image.Gray { return g }},
			{"rot90", func() *image.Gray { return rotate90CCW(g) }},
			{"rot180", func() *image.Gray { return rotate180(g) }},
			{"rot10", func() *image.Gray { return rotateFill(g, 10, 255) }},
			{"blur", func() *image.Gray { return boxBlur3(g) }},
		} {
			t.Run(s.name+"/"+tr.name, func(t *testing.T) {
				scans, err := d.Decode(context.Background(), tr.img())
				if err != nil {
					t.Fatal(err)
				}
				if len(scans) != 1 || scans[0].Symbology != SymPDF417 || scans[0].Text != s.data {
					t.Errorf("read %+v, want PDF417 %q", scans, s.data)
				}
			})
		}
	}
}
