package scanner

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common/reedsolomon"
)

// setMaxiBits writes v into the bits numbered nrs of words (the inverse
// of maxiBits).
func setMaxiBits(words []byte, v int, nrs ...int) {
	for i, n := range nrs {
		n--
		bit := byte(v>>(len(nrs)-1-i)) & 1
		words[n/6] = words[n/6]&^(1<<(5-n%6)) | bit<<(5-n%6)
	}
}

// maxiPadded returns msg padded with code set A's PAD to n codewords.
func maxiPadded(n int, msg ...byte) []byte {
	out := append([]byte{}, msg...)
	for len(out) < n {
		out = append(out, 33)
	}
	return out
}

func TestMaxiCodeMessage(t *testing.T) {
	const (
		ns, eci, pad, latchB, shiftB, shiftC, shiftE = 31, 27, 33, 63, 59, 60, 62
		bLatchA, b2ShiftA, b3ShiftA, cLock           = 63, 56, 57, 60
	)
	tests := []struct {
		name  string
		words []byte
		want  string
		err   error
	}{
		{"set A", []byte{1, 2, 3, 32, 48, 57, pad, pad}, "ABC 09", nil},
		{"CR is code 0", []byte{8, 0, 9}, "H\rI", nil},
		{"latch B", []byte{1, latchB, 1, 2, bLatchA, 3}, "AabC", nil},
		{"shift B for one", []byte{1, shiftB, 1, 2}, "AaB", nil},
		{"two and three shift A from B", []byte{latchB, b2ShiftA, 1, 2, 3, b3ShiftA, 4, 5, 6, 7}, "ABcDEFg", nil},
		{"numeric shift", []byte{1, ns, 7, 22, 60, 52, 21, 2}, "A123456789B", nil},
		{"numeric shift keeps leading zeros", []byte{ns, 0, 0, 0, 0, 7}, "000000007", nil},
		{"shift C for one Latin-1 letter", []byte{shiftC, 9, 1}, "ÉA", nil},
		{"lock C", []byte{shiftC, cLock, 0, 1, 58, 1}, "ÀÁA", nil},
		{"shift E control", []byte{shiftE, 32, 1}, "\x1cA", nil},
		{"GS and RS in set A", []byte{28, 29, 30}, "\x1c\x1d\x1e", nil},
		{"structured append header skipped", []byte{pad, 0x09, 1, 2}, "AB", nil},
		{"utf-8 eci", []byte{eci, 26, shiftC, 3, shiftE, 44}, "é", nil},
		{"latin-1 eci", []byte{eci, 3, shiftC, 9}, "É", nil},
		{"unknown eci", []byte{eci, 20, 1}, "", errMaxiECI},
		{"bad utf-8 after eci", []byte{eci, 26, shiftC, 3, 1}, "", errMaxiFormat},
		{"numeric shift cut short", []byte{1, ns, 1, 2}, "", errMaxiFormat},
		{"numeric shift over nine digits", []byte{ns, 63, 63, 63, 63, 63}, "", errMaxiFormat},
		{"eci cut short", []byte{1, eci}, "", errMaxiFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := maxiMessage(tc.words)
			if !errors.Is(err, tc.err) {
				t.Fatalf("maxiMessage(%v) error %v, want %v", tc.words, err, tc.err)
			}
			if got != tc.want {
				t.Errorf("maxiMessage(%v) = %q, want %q", tc.words, got, tc.want)
			}
		})
	}
}

// TestMaxiCodeTextRandom feeds random codewords of every mode to the
// parser: it returns a text or an error, never panics, and a text is
// valid UTF-8.
func TestMaxiCodeTextRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 57))
	for i := 0; i < 20000; i++ {
		words := make([]byte, 94)
		for k := range words {
			words[k] = byte(rng.IntN(64))
			if rng.IntN(8) == 0 {
				// Control codes more often than chance.
				words[k] = byte(27 + rng.IntN(5))
			}
		}
		mode := 2 + rng.IntN(5)
		text, err := maxiText(words, mode)
		if err == nil && !utf8.ValidString(text) {
			t.Fatalf("mode %d %v: invalid UTF-8 %q", mode, words, text)
		}
	}
}

// maxiPrimary builds the 10 primary data codewords of a structured
// carrier message.
func maxiPrimary(mode int, post string, country, service int) []byte {
	w := make([]byte, 10)
	w[0] = byte(mode)
	if mode == 2 {
		v := 0
		for _, c := range post {
			v = v*10 + int(c-'0')
		}
		setMaxiBits(w, len(post), 39, 40, 41, 42, 31, 32)
		setMaxiBits(w, v, 33, 34, 35, 36, 25, 26, 27, 28, 29, 30, 19, 20, 21, 22, 23, 24,
			13, 14, 15, 16, 17, 18, 7, 8, 9, 10, 11, 12, 1, 2)
	} else {
		for i, bits := range [6][6]int{
			{39, 40, 41, 42, 31, 32}, {33, 34, 35, 36, 25, 26}, {27, 28, 29, 30, 19, 20},
			{21, 22, 23, 24, 13, 14}, {15, 16, 17, 18, 7, 8}, {9, 10, 11, 12, 1, 2},
		} {
			c := strings.IndexByte("\rABCDEFGHIJKLMNOPQRSTUVWXYZ", post[i])
			if post[i] == ' ' {
				c = 32
			} else if post[i] >= '0' && post[i] <= '9' {
				c = 48 + int(post[i]-'0')
			}
			setMaxiBits(w, c, bits[:]...)
		}
	}
	setMaxiBits(w, country, 53, 54, 43, 44, 45, 46, 47, 48, 37, 38)
	setMaxiBits(w, service, 55, 56, 57, 58, 59, 60, 49, 50, 51, 52)
	return w
}

func TestMaxiCodeText(t *testing.T) {
	// "[)>" RS "01" GS "96" in set A (with shifts to set B for "[" and
	// ">"), then "AB".
	header := []byte{59, 42, 41, 59, 40, 30, 48, 49, 29, 57, 54}
	tests := []struct {
		name  string
		mode  int
		words []byte
		want  string
		err   error
	}{
		{"mode 2 after the header", 2, append(maxiPrimary(2, "152382802", 840, 1), maxiPadded(84, append(header, 1, 2)...)...),
			"[)>\x1e01\x1d96152382802\x1d840\x1d001\x1dAB", nil},
		{"mode 2 without header", 2, append(maxiPrimary(2, "01234", 840, 3), maxiPadded(84, 1, 2)...),
			"01234\x1d840\x1d003\x1dAB", nil},
		{"mode 3 alphanumeric postcode", 3, append(maxiPrimary(3, "B1050 ", 56, 12), maxiPadded(84, 1)...),
			"B1050 \x1d056\x1d012\x1dA", nil},
		{"mode 4", 4, append([]byte{4}, maxiPadded(93, 1, 2, 3)...), "ABC", nil},
		{"mode 6", 6, append([]byte{6}, maxiPadded(93, 1)...), "A", nil},
		{"mode 5", 5, append([]byte{5}, maxiPadded(77, 2)...), "B", nil},
		{"mode 2 country over 999", 2, append(maxiPrimary(2, "12345", 1000, 1), maxiPadded(84, 1)...), "", errMaxiFormat},
		{"mode 2 code longer than its length", 2, func() []byte {
			w := maxiPrimary(2, "123456", 840, 1)
			setMaxiBits(w, 3, 39, 40, 41, 42, 31, 32)
			return append(w, maxiPadded(84, 1)...)
		}(), "", errMaxiFormat},
		{"mode 2 too short", 2, maxiPrimary(2, "12345", 840, 1), "", errMaxiFormat},
		{"mode 7", 7, append([]byte{7}, maxiPadded(93)...), "", errMaxiMode},
		{"codeword out of range", 4, append([]byte{4, 64}, maxiPadded(92)...), "", errMaxiFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := maxiText(tc.words, tc.mode)
			if !errors.Is(err, tc.err) {
				t.Fatalf("maxiText error %v, want %v", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("maxiText = %q, want %q", got, tc.want)
			}
		})
	}
}

// maxiEncode builds the 144 codewords of a symbol from its data words
// (10 primary, then 84 or 68 secondary) with gozxing's Reed-Solomon
// encoder: a test of the split, not a MaxiCode encoder.
func maxiEncode(t *testing.T, data []byte) [maxiCodewords]byte {
	t.Helper()
	enc := reedsolomon.NewReedSolomonEncoder(reedsolomon.GenericGF_MAXICODE_FIELD_64)
	block := func(words []byte, ec int) []int {
		b := make([]int, len(words)+ec)
		for i, w := range words {
			b[i] = int(w)
		}
		if err := enc.Encode(b, ec); err != nil {
			t.Fatal(err)
		}
		return b
	}
	var cw [maxiCodewords]byte
	for i, v := range block(data[:10], 10) {
		cw[i] = byte(v)
	}
	sec := data[10:]
	ec := 124 - len(sec)
	for parity := range 2 {
		var half []byte
		for i := parity; i < len(sec); i += 2 {
			half = append(half, sec[i])
		}
		b := block(half, ec/2)
		for i, v := range b[:len(half)] {
			cw[20+parity+2*i] = byte(v)
		}
		for i, v := range b[len(half):] {
			cw[20+len(sec)+parity+2*i] = byte(v)
		}
	}
	return cw
}

func TestMaxiCodeCorrection(t *testing.T) {
	data := append([]byte{4}, maxiPadded(93, 1, 2, 3)...)
	enh := append([]byte{5}, maxiPadded(77, 1, 2, 3)...)
	flip := func(cw [maxiCodewords]byte, at ...int) [maxiCodewords]byte {
		for _, i := range at {
			cw[i] ^= 0x15
		}
		return cw
	}
	seq := func(from, n, step int) []int {
		var s []int
		for i := 0; i < n; i++ {
			s = append(s, from+i*step)
		}
		return s
	}
	tests := []struct {
		name string
		data []byte
		errs []int
		ok   bool
	}{
		{"clean", data, nil, true},
		{"five primary errors", data, seq(0, 5, 3), true},
		{"six primary errors", data, seq(0, 6, 3), false},
		{"ten errors in each secondary block", data, seq(20, 20, 1), true},
		{"eleven in the even block", data, seq(20, 11, 2), false},
		{"fourteen in each enhanced block", enh, seq(30, 28, 1), true},
		{"fifteen in an enhanced block", enh, seq(31, 15, 2), false},
	}
	rs := newMaxiRS()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cw := flip(maxiEncode(t, tc.data), tc.errs...)
			text, mode, err := rs.decode(cw)
			if !tc.ok {
				if err == nil {
					t.Fatalf("decoded %q from a symbol beyond repair", text)
				}
				return
			}
			if err != nil || text != "ABC" || mode != int(tc.data[0]) {
				t.Fatalf("decode = %q, mode %d, %v; want \"ABC\", mode %d", text, mode, err, tc.data[0])
			}
		})
	}
}

// TestMaxiCodeSamples reads each zxing-cpp MaxiCode sample with an
// expected text through the public API.
func TestMaxiCodeSamples(t *testing.T) {
	dir := filepath.Join(samplesDir(t), "maxicode-1")
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, txt := range files {
		if strings.HasSuffix(txt, ".result.txt") {
			continue
		}
		base := strings.TrimSuffix(txt, ".txt")
		img := ""
		for _, ext := range []string{".png", ".webp"} {
			if _, err := os.Stat(base + ext); err == nil {
				img = base + ext
			}
		}
		if img == "" {
			continue
		}
		n++
		t.Run(filepath.Base(img), func(t *testing.T) {
			want, err := os.ReadFile(txt)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(img)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			scans, err := NewDecoder(DecodeOptions{}).DecodeReader(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(scans) != 1 || scans[0].Symbology != SymMaxiCode || scans[0].Text != string(want) {
				t.Fatalf("got %q, want one MaxiCode %q", scans, want)
			}
		})
	}
	if n != 8 {
		t.Errorf("%d samples with an expected text, want 8", n)
	}
}

// upsMessage is a UPS label's MaxiCode content (mode 2): the secondary
// message zint encodes, and the text our reader returns with the primary
// message's postal code, country and service class put back.
const (
	upsPrimary = "152382802840001"
	upsData    = "[)>\x1e01\x1d961Z00004951\x1dUPSN\x1d06X610\x1d159\x1d1234567\x1d1/1\x1d\x1dY\x1d634 ALPHA DR\x1dPITTSBURGH\x1dPA\x1e\x04"
	upsText    = "[)>\x1e01\x1d96152382802\x1d840\x1d001\x1d1Z00004951\x1dUPSN\x1d06X610\x1d159\x1d1234567\x1d1/1\x1d\x1dY\x1d634 ALPHA DR\x1dPITTSBURGH\x1dPA\x1e\x04"
)

// renderUPSMaxiCode renders upsData with zint (an encoder that is not
// ours) at the given scale, on a light margin as on a label.
func renderUPSMaxiCode(t testing.TB, dir, scale string) *image.Gray {
	t.Helper()
	if _, err := exec.LookPath("zint"); err != nil {
		t.Fatal("zint not on PATH (packaging/deps.sh installs it)")
	}
	esc := strings.NewReplacer("\x1e", `\R`, "\x1d", `\G`, "\x04", `\E`).Replace(upsData)
	g := renderZint(t, dir, symbol2D{name: "ups-" + scale, data: esc,
		args: []string{"-b", "57", "--mode=2", "--esc", "--scale=" + scale, "--primary=" + upsPrimary}})
	return padNearest(g, 1, 40, 255)
}

// TestMaxiCodeTurned reads a UPS MaxiCode rendered by zint turned to
// any angle, blurred and seen at a slant, and classifies it as a UPS
// parcel.
func TestMaxiCodeTurned(t *testing.T) {
	dir := t.TempDir()
	blur := func(g *image.Gray) *image.Gray { return boxBlur3(boxBlur3(g)) }
	squash := func(g *image.Gray) *image.Gray {
		return resize(g, g.Bounds().Dx()*4/5, g.Bounds().Dy())
	}
	d := NewDecoder(DecodeOptions{})
	for _, scale := range []string{"2", "4"} {
		g := renderUPSMaxiCode(t, dir, scale)
		for _, tc := range []struct {
			name string
			img  *image.Gray
		}{
			{"upright", g},
			{"rot13", rotateFill(g, 13, 255)},
			{"rot45+blur", blur(rotateFill(g, 45, 255))},
			{"rot90+blur", blur(rotate90CCW(g))},
			{"rot-160", rotateFill(g, -160, 255)},
			{"slant+rot30", rotateFill(squash(g), 30, 255)},
			{"tilted+rot200", tiltAway(rotateFill(g, 200, 255), 0.12)},
		} {
			t.Run("scale"+scale+"/"+tc.name, func(t *testing.T) {
				scans, err := d.Decode(context.Background(), tc.img)
				if err != nil {
					t.Fatal(err)
				}
				if len(scans) != 1 || scans[0].Symbology != SymMaxiCode || scans[0].Text != upsText {
					t.Fatalf("got %q, want one MaxiCode %q", scans, upsText)
				}
				c := Classify(scans[0].Text, ClassifyOptions{})
				if c.Kind != KindParcel || c.Carrier != "UPS" || c.Text != "1Z00004951" {
					t.Errorf("Classify = %+v, want a UPS parcel 1Z00004951", c)
				}
			})
		}
	}
}

// tiltAway warps g with a homography: the top edge shrunk by about f.
func tiltAway(g *image.Gray, f float64) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2, float64(h)/2
	k := f / float64(h) // dest to source: w = 1 - k (y - cy)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			ww := 1 - k*(float64(y)-cy)
			sx := cx + (float64(x)-cx)/ww
			sy := cy + (float64(y)-cy)/ww
			v := uint8(255)
			if ix, iy := int(sx), int(sy); ix >= 0 && ix < w && iy >= 0 && iy < h {
				v = g.Pix[iy*g.Stride+ix]
			}
			out.Pix[y*out.Stride+x] = v
		}
	}
	return out
}

// TestMaxiCodeLabel reads a label with a UPS MaxiCode and the Code 128
// of the whole tracking number: the whole number is reported (the
// MaxiCode holds a short form); without the bar code, the MaxiCode.
func TestMaxiCodeLabel(t *testing.T) {
	maxi := renderUPSMaxiCode(t, t.TempDir(), "2")
	const whole = "1Z999AA10123456784"
	bars := renderZint(t, t.TempDir(), symbol2D{name: "code128", args: []string{"-b", "20", "--scale=2", "--height=40"}, data: whole})
	w := max(maxi.Bounds().Dx(), bars.Bounds().Dx()) + 80
	h := maxi.Bounds().Dy() + bars.Bounds().Dy() + 120
	label := image.NewGray(image.Rect(0, 0, w, h))
	for i := range label.Pix {
		label.Pix[i] = 255
	}
	paste := func(g *image.Gray, x0, y0 int) {
		for y := 0; y < g.Bounds().Dy(); y++ {
			copy(label.Pix[(y0+y)*label.Stride+x0:], g.Pix[y*g.Stride:y*g.Stride+g.Bounds().Dx()])
		}
	}
	paste(maxi, 40, 40)
	paste(bars, 40, maxi.Bounds().Dy()+80)
	d := NewDecoder(DecodeOptions{})
	for _, tc := range []struct {
		name      string
		img       *image.Gray
		sym, text string
	}{
		{"label", rotateFill(label, 8, 255), SymCode128, whole},
		{"maxicode alone", rotateFill(maxi, 8, 255), SymMaxiCode, upsText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scans, err := d.Decode(context.Background(), tc.img)
			if err != nil {
				t.Fatal(err)
			}
			if len(scans) != 1 || scans[0].Symbology != tc.sym || scans[0].Text != tc.text {
				t.Fatalf("got %q, want one %s %q", scans, tc.sym, tc.text)
			}
		})
	}
}

// TestMaxiCodeDamaged wipes growing parts of a symbol: the reader
// returns the right text or nothing, never another.
func TestMaxiCodeDamaged(t *testing.T) {
	g := renderUPSMaxiCode(t, t.TempDir(), "3")
	// A shorter budget than the default: the heavily damaged ones run
	// every preparation, and the light ones are read at the first.
	d := NewDecoder(DecodeOptions{Symbologies: []string{SymMaxiCode}, Budget: 2 * time.Second})
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	read := 0
	for _, pct := range []int{5, 10, 20, 30, 45} {
		t.Run(fmt.Sprintf("%d%%", pct), func(t *testing.T) {
			c := copyOf(g)
			// A light stripe across the top of the symbol, and
			// scattered dark specks.
			for y := 40; y < 40+(h-80)*pct/100; y++ {
				for x := 0; x < w; x++ {
					c.Pix[y*c.Stride+x] = 255
				}
			}
			for i := 0; i < w*h*pct/400; i++ {
				c.Pix[(i*7919)%len(c.Pix)] = 0
			}
			scans, err := d.Decode(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range scans {
				if s.Text != upsText {
					t.Fatalf("misread %s %q", s.Symbology, s.Text)
				}
				read++
			}
		})
	}
	if read == 0 {
		t.Error("not even the lightly damaged symbol was read")
	}
	t.Logf("read %d of 5 damaged symbols, misread none", read)
}

func copyOf(g *image.Gray) *image.Gray {
	c := image.NewGray(g.Bounds())
	copy(c.Pix, g.Pix)
	return c
}

// BenchmarkMaxiCode measures a MaxiCode's decode (a sample and a turned
// UPS label in a camera frame) and the bullseye search's cost on a frame
// without one (what every image the other readers cannot read pays).
func BenchmarkMaxiCode(b *testing.B) {
	f, err := os.Open(filepath.Join(samplesDir(b), "maxicode-1", "MODE2.png"))
	if err != nil {
		b.Fatal(err)
	}
	sample, err := ReadImage(f, 0)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	ups := rotateFill(renderUPSMaxiCode(b, b.TempDir(), "2"), 20, 255)
	thorough, fast := NewDecoder(DecodeOptions{}), NewDecoder(DecodeOptions{Effort: EffortFast})
	for _, tc := range []struct {
		name string
		d    *Decoder
		img  image.Image
	}{
		{"sample-MODE2", thorough, sample},
		{"frame1280x720-ups-rot20", thorough, frame(b, 1280, 720, ups)},
		{"camera-frame1280x720-ups-rot20", fast, frame(b, 1280, 720, ups)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cpu0, cpuOK := processCPU()
			for i := 0; i < b.N; i++ {
				scans, _ := tc.d.Decode(context.Background(), tc.img)
				if len(scans) != 1 || scans[0].Symbology != SymMaxiCode {
					b.Fatalf("got %q", scans)
				}
			}
			if cpu1, ok := processCPU(); ok && cpuOK {
				b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			}
		})
	}
	// The search alone, on the binarized Code 128 frame of
	// BenchmarkDecodeFrame.
	code := frame(b, 1280, 720, writerFixture(b, SymCode128, "1Z999AA10123456784", 2))
	bm, _ := gozxing.NewBinaryBitmap(newHybridBinarizer(newGrayLuminance(code)))
	m, err := bm.GetBlackMatrix()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("bullseye-search-1280x720-code128", func(b *testing.B) {
		cpu0, cpuOK := processCPU()
		defer func() {
			if cpu1, ok := processCPU(); ok && cpuOK {
				b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			}
		}()
		for i := 0; i < b.N; i++ {
			if got := findBullseyes(m); len(got) > 0 {
				for _, bu := range got {
					if _, ok := readBullseye(m, bu, newMaxiRS()); ok {
						b.Fatal("read a MaxiCode in a Code 128 frame")
					}
				}
			}
		}
	})
}
