package scanner

import (
	"context"
	"image"
	"image/color"
	"math"
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
		{"unknown eci", []int{5, 927, 14, 901, 'a'}, "", true},
		{"bad length", []int{9, 1, 2}, "", true},
		// After 901 the last one to five codewords are a byte each.
		{"byte 901 five single bytes", []int{7, 901, 'a', 'b', 'c', 'd', 'e'}, "abcde", false},
		// 0x414243444546 in base 900, then one more byte.
		{"byte 901 group and byte", []int{8, 901, 109, 326, 368, 127, 330, 'G'}, "ABCDEFG", false},
		{"byte 924 group", []int{7, 924, 109, 326, 368, 127, 330}, "ABCDEF", false},
		{"byte 924 partial group", []int{6, 924, 109, 326, 368, 127}, "", true},
		// AB, then the UTF-8 bytes of é by two byte shifts.
		{"eci in text with byte shifts", []int{8, 1, 927, 26, 913, 0xc3, 913, 0xa9}, "ABé", false},
		// zxing-cpp's pdf417-1/12-mixed-ecis: Shift_JIS, EUC-KR then
		// GB 2312, ISO-8859-7, a general-purpose ECI (ignored),
		// Windows-1251, ISO-8859-2 in text mode after a byte shift,
		// a user-defined ECI.
		{"mixed ecis", []int{40, 1, 927, 10, 901, 927, 20, 246, 877, 166, 106, 797, 927, 30, 927, 29, 415, 537, 357,
			329, 194, 927, 8, 927, 9, 225, 926, 899, 898, 927, 22, 144, 927, 4, 900, 913, 172, 925, 1, 900},
			"AB点茗テ齄膀赧αђŹ", false},
		{"eci in numeric", []int{8, 902, 1, 624, 927, 26, 1, 624}, "524524", false},
		// Macro PDF417: segment 0 (numeric 100000), file id, segment
		// count 1, last segment. The text is the data alone.
		{"macro block", []int{11, 1, 928, 111, 100, 17, 923, 1, 111, 101, 922}, "AB", false},
		{"macro bad segment index", []int{5, 1, 928, 5, 5}, "", true},
		{"macro bad optional field", []int{8, 1, 928, 111, 100, 17, 923, 9}, "", true},
		{"terminator outside a macro", []int{3, 1, 922}, "", true},
		{"reserved codeword", []int{3, 1, 910}, "", true},
		{"reader init first", []int{3, 921, 1}, "AB", false},
		{"reader init later", []int{3, 1, 921}, "", true},
		// A punctuation shift last is padding.
		{"trailing padding", []int{2, 29}, "A", false},
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
		// Shift_JIS under ECI 20; segment 2 of 3 of a Macro PDF417 file.
		{"eci-20", []string{"-b", "55", "--scale=2", "--eci=20"}, "点茗テ parcel", SymPDF417},
		{"macro", []string{"-b", "55", "--scale=2", "--structapp=2,3,1234"}, "MACRO SEGMENT 2", SymPDF417},
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

// pdfRenderLine draws one row of a PDF417 symbol (start pattern, the
// codewords of cluster cl, stop pattern) at about module width m, a pixel
// black when its centre falls in a bar, as a scaled bitmap aliases.
func pdfRenderLine(vals []int, cl int, m float64) []bool {
	var mods []bool
	put := func(p uint32, n int) {
		for i := n - 1; i >= 0; i-- {
			mods = append(mods, p>>i&1 == 1)
		}
	}
	put(0x1fea8, 17) // start 11111111010101000
	for _, v := range vals {
		put(pdf417Patterns[cl][v], 17)
	}
	put(0x3fa29, 18) // stop 111111101000101001
	// The symbol's edges on pixel edges, as in a scaled bitmap.
	n := int(float64(len(mods)) * m)
	m = float64(n) / float64(len(mods))
	px := make([]bool, n+1)
	for j := 0; j < n; j++ {
		px[j] = mods[min(len(mods)-1, int((float64(j)+0.5)/m))]
	}
	return px
}

func TestPDF417ReadCodewords(t *testing.T) {
	look := newPDFLookup()
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name  string
		m     float64
		fuzzy bool
		// wantMiss: some codeword is not read (the edges alone do
		// not read aliased modules; the grid does).
		wantMiss bool
	}{
		{"integer modules", 2, false, false},
		{"aliased 1.06 px modules, edges only", 1.06, false, true},
		{"aliased 1.06 px modules", 1.06, true, false},
		{"aliased 1.5 px modules", 1.5, true, false},
		{"aliased 2.3 px modules", 2.3, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			missed := false
			for trial := 0; trial < 30; trial++ {
				cl := trial % 3
				vals := make([]int, 2+rng.IntN(8))
				for i := range vals {
					vals[i] = rng.IntN(929)
				}
				px := pdfRenderLine(vals, cl, tc.m)
				cw, cls := readCodewords(scanOf(px), len(vals), tc.m, tc.m, look, tc.fuzzy)
				for i := range vals {
					if cw[i] != vals[i] || cls[i] != cl {
						missed = true
						if !tc.wantMiss {
							t.Fatalf("trial %d: read %v (clusters %v), want %v in cluster %d", trial, cw, cls, vals, cl)
						}
					}
				}
			}
			if tc.wantMiss && !missed {
				t.Error("read every codeword, want some missed")
			}
		})
	}
}

func TestPDF417Closest(t *testing.T) {
	look := newPDFLookup()
	// The runs of codeword v of cluster cl at 3 pixels a module.
	runsOf := func(cl, v int) [8]int {
		var r [8]int
		p, k, prev := pdf417Patterns[cl][v], 0, true
		for i := 16; i >= 0; i-- {
			if bit := p>>i&1 == 1; bit != prev {
				k++
				prev = bit
			}
			r[k] += 3
		}
		return r
	}
	tests := []struct {
		name    string
		cl, v   int
		shift   int // pixels moved from the widest run to the next
		wantHit bool
	}{
		{"exact", 0, 123, 0, true},
		{"edge moved one pixel", 1, 456, 1, true},
		{"edge moved a module", 2, 789, 3, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runsOf(tc.cl, tc.v)
			w := 0
			for i := range r {
				if r[i] > r[w] {
					w = i
				}
			}
			r[w] -= tc.shift
			r[(w+1)%8] += tc.shift
			got, _ := look.closest(r)
			hit := int(got&0xffff) == tc.v && int(got>>16) == tc.cl
			if hit != tc.wantHit {
				t.Errorf("closest(%v) = %d/%d, want hit %v", r, got>>16, got&0xffff, tc.wantHit)
			}
		})
	}
}

// TestPDF417DamagedPatterns reads zint's PDF417 symbols whose start and
// stop patterns are wiped out over their top or bottom rows (a torn or
// smudged label edge, a finger): the row indicators tell how many rows
// the symbol has, and the lines beyond the patterns are read too.
func TestPDF417DamagedPatterns(t *testing.T) {
	if _, err := exec.LookPath("zint"); err != nil {
		t.Fatal("zint not on PATH (packaging/deps.sh installs it)")
	}
	dir := t.TempDir()
	s := symbol2D{"damaged", []string{"-b", "55", "--scale=2", "--rows=12", "--secure=2"}, "Parcel 1Z999AA10123456784 for locker 42", SymPDF417}
	g := renderZint(t, dir, s)
	// The symbol's bounds and module width (the start pattern's first
	// bar is 8 modules wide).
	x0, y0, x1, y1 := g.Rect.Max.X, g.Rect.Max.Y, -1, -1
	for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
		for x := g.Rect.Min.X; x < g.Rect.Max.X; x++ {
			if g.GrayAt(x, y).Y < 128 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	mid, bar := (y0+y1)/2, 0
	for x := x0; g.GrayAt(x, mid).Y < 128; x++ {
		bar++
	}
	mw := bar / 8
	d := NewDecoder(DecodeOptions{Symbologies: []string{SymPDF417}})
	for _, tc := range []struct {
		name        string
		wiped       [][2]float64 // parts of the height wiped
		start, stop bool         // which patterns
	}{
		{"top third", [][2]float64{{0, 0.34}}, true, true},
		{"bottom third", [][2]float64{{0.66, 1}}, true, true},
		{"both ends", [][2]float64{{0, 0.2}, {0.8, 1}}, true, true},
		{"no start pattern", [][2]float64{{0, 1}}, true, false},
		{"no stop pattern", [][2]float64{{0, 1}}, false, true},
		{"no start pattern, top third of the stop", [][2]float64{{0, 1}}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewGray(g.Rect)
			copy(img.Pix, g.Pix)
			h := float64(y1 - y0 + 1)
			for _, w := range tc.wiped {
				for y := y0 + int(w[0]*h); y <= y0+int(w[1]*h) && y <= y1; y++ {
					for x := x0; x < x0+17*mw && tc.start; x++ {
						img.SetGray(x, y, color.Gray{Y: 255})
					}
					for x := x1 + 1 - 18*mw; x <= x1 && tc.stop; x++ {
						img.SetGray(x, y, color.Gray{Y: 255})
					}
				}
			}
			if strings.Contains(tc.name, "top third of the stop") {
				for y := y0; y <= y0+int(0.34*h); y++ {
					for x := x1 + 1 - 18*mw; x <= x1; x++ {
						img.SetGray(x, y, color.Gray{Y: 255})
					}
				}
			}
			scans, err := d.Decode(context.Background(), padNearest(img, 1, 30, 255))
			if err != nil {
				t.Fatal(err)
			}
			if len(scans) != 1 || scans[0].Text != s.data {
				t.Errorf("read %+v, want PDF417 %q", scans, s.data)
			}
		})
	}
}

// TestClosestMatchesFullScan asserts that the grouped search of closest
// returns what a scan of every codeword in order returns (the least
// error, the first codeword of equal ones), on random widths and on
// codewords' own widths stretched by a pixel here and there.
func TestClosestMatchesFullScan(t *testing.T) {
	look := newPDFLookup()
	full := func(runs [8]int) (int32, float32) {
		total := 0
		for _, r := range runs {
			total += r
		}
		best, bestErr := int32(-1), float32(math.MaxFloat32)
		for j, row := range look.ratios {
			var e float32
			for k := range row {
				d := row[k] - float32(runs[k])/float32(total)
				e += d * d
			}
			if e < bestErr {
				best, bestErr = look.vals[j], e
			}
		}
		return best, bestErr
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for n := 0; n < 20000; n++ {
		var runs [8]int
		if n%2 == 0 {
			for i := range runs {
				runs[i] = 1 + rng.IntN(12)
			}
		} else {
			row := look.ratios[rng.IntN(len(look.ratios))]
			scale := 1 + rng.IntN(4)
			for i, r := range row {
				runs[i] = max(1, int(r*17+0.5)*scale+rng.IntN(3)-1)
			}
		}
		gotV, gotE := look.closest(runs)
		wantV, wantE := full(runs)
		if gotV != wantV || gotE != wantE {
			t.Fatalf("closest(%v) = %d (error %v), a full scan finds %d (error %v)", runs, gotV, gotE, wantV, wantE)
		}
	}
}
