package scanner

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/oned"
	qrcode "github.com/skip2/go-qrcode"
)

// qrFixture renders text as a QR code (go-qrcode) of side px on gray.
func qrFixture(t testing.TB, text string, side int) *image.Gray {
	t.Helper()
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	return toGray(q.Image(side), 0)
}

// matrixFixture renders a gozxing BitMatrix with a quiet zone of 10
// modules, module px pixels wide (1D codes get height h px).
func matrixFixture(m *gozxing.BitMatrix, module, h int) *image.Gray {
	mw, mh := m.GetWidth(), m.GetHeight()
	oneD := mh == 1 || h > 0
	rows := mh * module
	if oneD {
		rows = h
	}
	q := 10 * module
	g := image.NewGray(image.Rect(0, 0, mw*module+2*q, rows+2*q))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	for y := 0; y < rows; y++ {
		my := y / module
		if oneD {
			my = 0
		}
		for x := 0; x < mw*module; x++ {
			if m.Get(x/module, my) {
				g.Pix[(y+q)*g.Stride+x+q] = 0
			}
		}
	}
	return g
}

// writerFixture encodes text with one of gozxing's own writers.
func writerFixture(t testing.TB, sym, text string, module int) *image.Gray {
	t.Helper()
	var w gozxing.Writer
	var f gozxing.BarcodeFormat
	h := 60 * module
	switch sym {
	case SymCode128:
		w, f = oned.NewCode128Writer(), gozxing.BarcodeFormat_CODE_128
	case SymCode39:
		w, f = oned.NewCode39Writer(), gozxing.BarcodeFormat_CODE_39
	case SymEAN13:
		w, f = oned.NewEAN13Writer(), gozxing.BarcodeFormat_EAN_13
	case SymEAN8:
		w, f = oned.NewEAN8Writer(), gozxing.BarcodeFormat_EAN_8
	case SymUPCA:
		w, f = oned.NewUPCAWriter(), gozxing.BarcodeFormat_UPC_A
	case SymUPCE:
		w, f = oned.NewUPCEWriter(), gozxing.BarcodeFormat_UPC_E
	case SymITF:
		w, f = oned.NewITFWriter(), gozxing.BarcodeFormat_ITF
	case SymDataMatrix:
		w, f, h = datamatrix.NewDataMatrixWriter(), gozxing.BarcodeFormat_DATA_MATRIX, 0
	default:
		t.Fatalf("no writer for %s", sym)
	}
	m, err := w.Encode(text, f, 0, 0, nil)
	if err != nil {
		t.Fatalf("encode %s %q: %v", sym, text, err)
	}
	return matrixFixture(m, module, h)
}

// transform describes one way a fixture is degraded.
type transform struct {
	name   string
	apply  func(g *image.Gray, rng *rand.Rand) *image.Gray
	oneDOK bool // 1D codes are expected to survive it too
}

func transforms() []transform {
	return []transform{
		{"plain", func(g *image.Gray, _ *rand.Rand) *image.Gray { return g }, true},
		{"half-size", func(g *image.Gray, _ *rand.Rand) *image.Gray {
			return resize(g, g.Bounds().Dx()*6/10, g.Bounds().Dy()*6/10)
		}, true},
		{"rot90", func(g *image.Gray, _ *rand.Rand) *image.Gray { return rotate90CCW(g) }, true},
		{"rot180", func(g *image.Gray, _ *rand.Rand) *image.Gray { return rotate180(g) }, true},
		{"rot270", func(g *image.Gray, _ *rand.Rand) *image.Gray { return rotate90CCW(rotate180(g)) }, true},
		{"rot12", func(g *image.Gray, _ *rand.Rand) *image.Gray { return rotateAngle(g, 12) }, true},
		{"blur", func(g *image.Gray, _ *rand.Rand) *image.Gray { return boxBlur3(boxBlur3(g)) }, true},
		{"noise", func(g *image.Gray, rng *rand.Rand) *image.Gray { return addNoise(g, rng, 40) }, true},
		{"inverted", func(g *image.Gray, _ *rand.Rand) *image.Gray { return invert(g) }, true},
		{"inverted+noise", func(g *image.Gray, rng *rand.Rand) *image.Gray { return addNoise(invert(g), rng, 30) }, true},
		{"low-contrast", func(g *image.Gray, _ *rand.Rand) *image.Gray { return lowContrast(g) }, true},
	}
}

func invert(g *image.Gray) *image.Gray {
	out := image.NewGray(g.Bounds())
	for i, v := range g.Pix {
		out.Pix[i] = 255 - v
	}
	return out
}

func addNoise(g *image.Gray, rng *rand.Rand, amp int) *image.Gray {
	out := image.NewGray(g.Bounds())
	for i, v := range g.Pix {
		out.Pix[i] = uint8(clampInt(int(v)+rng.IntN(2*amp+1)-amp, 0, 255))
	}
	return out
}

func lowContrast(g *image.Gray) *image.Gray {
	out := image.NewGray(g.Bounds())
	for i, v := range g.Pix {
		out.Pix[i] = 100 + v/4
	}
	return out
}

type fixture struct {
	sym, text string
	img       *image.Gray
}

func generatedFixtures(t testing.TB) []fixture {
	return []fixture{
		{SymQR, "PK1.eyJwIjoiMTIzIn0.c2lnbmF0dXJl", qrFixture(t, "PK1.eyJwIjoiMTIzIn0.c2lnbmF0dXJl", 300)},
		{SymQR, "BADGE:courier-0042", qrFixture(t, "BADGE:courier-0042", 160)},
		{SymDataMatrix, "1Z999AA10123456784", writerFixture(t, SymDataMatrix, "1Z999AA10123456784", 6)},
		{SymCode128, "1Z999AA10123456784", writerFixture(t, SymCode128, "1Z999AA10123456784", 3)},
		{SymCode128, "TBA123456789012", writerFixture(t, SymCode128, "TBA123456789012", 2)},
		{SymCode39, "PARCEL-42", writerFixture(t, SymCode39, "PARCEL-42", 3)},
		{SymEAN13, "4006381333931", writerFixture(t, SymEAN13, "4006381333931", 3)},
		{SymEAN8, "96385074", writerFixture(t, SymEAN8, "96385074", 3)},
		{SymUPCA, "036000291452", writerFixture(t, SymUPCA, "036000291452", 3)},
		{SymUPCE, "01234565", writerFixture(t, SymUPCE, "01234565", 3)},
		{SymITF, "00012345678905", writerFixture(t, SymITF, "00012345678905", 3)},
	}
}

// TestDecodeGeneratedFixtures decodes our own encoders' output through
// every transform and asserts the rate (and that nothing wrong is read).
func TestDecodeGeneratedFixtures(t *testing.T) {
	d := NewDecoder(DecodeOptions{})
	rng := rand.New(rand.NewPCG(1, 2))
	total, ok := 0, 0
	for _, f := range generatedFixtures(t) {
		for _, tr := range transforms() {
			t.Run(f.sym+"/"+tr.name, func(t *testing.T) {
				img := tr.apply(f.img, rng)
				scans, err := d.Decode(context.Background(), img)
				if err != nil {
					t.Fatal(err)
				}
				total++
				for _, s := range scans {
					if s.Text != f.text {
						t.Errorf("read %q (%s), want %q", s.Text, s.Symbology, f.text)
					}
				}
				if len(scans) > 0 {
					ok++
					if scans[0].Symbology != f.sym {
						t.Errorf("symbology %s, want %s", scans[0].Symbology, f.sym)
					}
				} else {
					t.Logf("not read: %s %s", f.sym, tr.name)
				}
			})
		}
	}
	rate := float64(ok) / float64(total)
	t.Logf("generated fixtures: %d of %d read (%.0f%%)", ok, total, 100*rate)
	if rate < 0.95 {
		t.Errorf("decode rate %.2f, want at least 0.95", rate)
	}
}

// externalFixtures renders codes with Debian's zint and qrencode (not our
// encoders) into dir, skipping the ones whose tool is missing.
func externalFixtures(t testing.TB, dir string) []struct{ sym, text, path string } {
	t.Helper()
	type job struct {
		sym, text string
		args      []string // zint args before -o
		qrencode  bool
	}
	jobs := []job{
		{SymQR, "PK1.zint.qr", []string{"-b", "58"}, false},
		{SymQR, "PK1.zint.qr.inverted", []string{"-b", "58", "--reverse", "--scale=3"}, false},
		{SymDataMatrix, "BADGE:zint-dm", []string{"-b", "71", "--scale=4"}, false},
		{SymAztec, "1Z999AA10123456784", []string{"-b", "92", "--scale=4"}, false},
		{SymAztec, "Aztec rotated", []string{"-b", "92", "--scale=4", "--rotate=90"}, false},
		{SymCode128, "986578788855", []string{"-b", "20", "--scale=2"}, false},
		{SymCode128, "TBA123456789012", []string{"-b", "20", "--scale=2", "--rotate=270"}, false},
		{SymCode39, "CODE39TEST", []string{"-b", "8", "--scale=2"}, false},
		{SymEAN13, "4006381333931", []string{"-b", "13", "--scale=2"}, false},
		{SymEAN8, "96385074", []string{"-b", "13", "--scale=2"}, false},
		{SymUPCA, "036000291452", []string{"-b", "34", "--scale=2"}, false},
		{SymUPCE, "01234565", []string{"-b", "37", "--scale=2"}, false},
		{SymITF, "12345678", []string{"-b", "3", "--scale=2"}, false},
		{SymQR, "qrencode PK1.token", nil, true},
	}
	var out []struct{ sym, text, path string }
	for i, j := range jobs {
		p := filepath.Join(dir, fmt.Sprintf("ext%02d.png", i))
		var cmd *exec.Cmd
		if j.qrencode {
			if _, err := exec.LookPath("qrencode"); err != nil {
				continue
			}
			cmd = exec.Command("qrencode", "-s", "4", "-o", p, j.text)
		} else {
			if _, err := exec.LookPath("zint"); err != nil {
				continue
			}
			data := j.text
			switch j.sym {
			case SymEAN13, SymUPCA, SymUPCE:
				data = j.text[:len(j.text)-1] // zint adds the check digit
			case SymEAN8:
				data = j.text[:7]
			}
			if j.sym == SymUPCE {
				data = j.text[1:7]
			}
			cmd = exec.Command("zint", append(append([]string{}, j.args...), "-d", data, "-o", p)...)
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", cmd.Args, err, b)
		}
		out = append(out, struct{ sym, text, path string }{j.sym, j.text, p})
	}
	return out
}

func TestDecodeExternalEncoders(t *testing.T) {
	dir := t.TempDir()
	fx := externalFixtures(t, dir)
	if len(fx) == 0 {
		t.Skip("neither zint nor qrencode on PATH")
	}
	d := NewDecoder(DecodeOptions{})
	ok := 0
	for _, f := range fx {
		t.Run(filepath.Base(f.path)+"/"+f.sym, func(t *testing.T) {
			fh, err := os.Open(f.path)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			scans, err := d.DecodeReader(context.Background(), fh)
			if err != nil {
				t.Fatal(err)
			}
			if len(scans) != 1 || scans[0].Text != f.text || scans[0].Symbology != f.sym {
				t.Errorf("read %+v, want %s %q", scans, f.sym, f.text)
				return
			}
			ok++
		})
	}
	if ok != len(fx) {
		t.Errorf("read %d of %d external images", ok, len(fx))
	}
}

// jpegHeader returns a JPEG whose frame header claims w x h pixels.
func jpegHeader(w, h int) []byte {
	var buf bytes.Buffer
	jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)), nil)
	b := buf.Bytes()
	for i := 0; i+8 < len(b); i++ {
		if b[i] == 0xff && b[i+1] == 0xc0 {
			binary.BigEndian.PutUint16(b[i+5:], uint16(h))
			binary.BigEndian.PutUint16(b[i+7:], uint16(w))
			break
		}
	}
	return b
}

// pngHeader returns a PNG whose IHDR claims w x h pixels (valid CRC).
func pngHeader(w, h int) []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)))
	b := buf.Bytes()
	// Signature (8), length (4), "IHDR" (4), data (13), CRC (4).
	binary.BigEndian.PutUint32(b[16:], uint32(w))
	binary.BigEndian.PutUint32(b[20:], uint32(h))
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBadImages(t *testing.T) {
	d := NewDecoder(DecodeOptions{})
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty file", nil, ErrBadImage},
		{"garbage", []byte("this is not an image at all \x00\x01\x02"), ErrBadImage},
		{"truncated PNG", pngHeader(100, 100)[:40], ErrBadImage},
		{"zero-size PNG", pngHeader(0, 0), ErrBadImage},
		{"50-megapixel PNG", pngHeader(10000, 5000), ErrImageTooLarge},
		{"50-megapixel JPEG", jpegHeader(10000, 5000), ErrImageTooLarge},
		{"corrupt JPEG", append(jpegHeader(64, 64)[:30], bytes.Repeat([]byte{0x55}, 200)...), ErrBadImage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := d.DecodeReader(context.Background(), bytes.NewReader(tc.data))
			runtime.ReadMemStats(&after)
			if err == nil || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
				t.Errorf("allocated %d MB for a bad file", grew>>20)
			}
		})
	}
	if _, err := d.Decode(context.Background(), image.NewGray(image.Rect(0, 0, 0, 0))); err != ErrEmptyImage {
		t.Errorf("zero-size image: %v", err)
	}
}

// TestDecodeHugeFrame decodes a 50-megapixel frame in memory: the decoder
// shrinks it while converting, so its own memory stays bounded, and it
// still finds a large code in it.
func TestDecodeHugeFrame(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 50 MB")
	}
	big := image.NewGray(image.Rect(0, 0, 10000, 5000))
	for i := range big.Pix {
		big.Pix[i] = 230
	}
	qr := qrFixture(t, "PK1.huge.frame", 2000)
	for y := 0; y < 2000; y++ {
		copy(big.Pix[(1500+y)*big.Stride+4000:], qr.Pix[y*qr.Stride:y*qr.Stride+2000])
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	scans, err := NewDecoder(DecodeOptions{}).Decode(context.Background(), big)
	runtime.ReadMemStats(&after)
	if err != nil || len(scans) != 1 || scans[0].Text != "PK1.huge.frame" {
		t.Fatalf("scans %+v, %v", scans, err)
	}
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("decoder allocated %d MB on a 50 MB frame", grew>>20)
	if grew > 200<<20 {
		t.Errorf("decoder allocated %d MB", grew>>20)
	}
}
