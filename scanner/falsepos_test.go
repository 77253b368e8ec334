package scanner

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// symbol2D is one 2D or stacked symbol rendered by zint or qrencode.
type symbol2D struct {
	name string   // zint's name for the kind
	args []string // zint arguments before -d
	data string
	// sym is the symbology our decoder may report for it, "" if it reads
	// none: anything else read from the image is a misread.
	sym string
}

// symbols2D lists a symbol of every 2D and stacked kind zint makes that
// shares a label with 1D codes.
func symbols2D() []symbol2D {
	const text = "1Z999AA10123456784 PARCEL LOCKER 42"
	return []symbol2D{
		{"PDF417", []string{"-b", "55", "--scale=2"}, text, SymPDF417},
		{"PDF417-compact", []string{"-b", "56", "--scale=2"}, text, SymPDF417},
		{"PDF417-narrow", []string{"-b", "55", "--scale=2", "--cols=2"}, "0123456789012345678901234567890123456789", SymPDF417},
		{"MicroPDF417", []string{"-b", "84", "--scale=2"}, "MICROPDF 417 TEST", ""},
		{"MaxiCode", []string{"-b", "57", "--scale=2", "--mode=4"}, text, SymMaxiCode},
		{"QR", []string{"-b", "58", "--scale=3"}, text, SymQR},
		{"MicroQR", []string{"-b", "97", "--scale=4"}, "12345", ""},
		{"rMQR", []string{"-b", "145", "--scale=3"}, "PARCEL 42", ""},
		{"DataMatrix", []string{"-b", "71", "--scale=4"}, text, SymDataMatrix},
		{"Aztec", []string{"-b", "92", "--scale=3"}, text, SymAztec},
		{"DotCode", []string{"-b", "115", "--scale=3"}, text, ""},
		{"HanXin", []string{"-b", "116", "--scale=3"}, text, ""},
		{"CodeOne", []string{"-b", "141", "--scale=3"}, text, ""},
		{"GridMatrix", []string{"-b", "142", "--scale=3"}, text, ""},
		{"Ultracode", []string{"-b", "144", "--scale=3"}, text, ""},
		{"CodablockF", []string{"-b", "74", "--scale=2"}, text, ""},
		{"Code16k", []string{"-b", "23", "--scale=2"}, "PARCEL LOCKER 42", ""},
		{"Code49", []string{"-b", "24", "--scale=2"}, "PARCEL 42", ""},
		{"DataBarStacked", []string{"-b", "79", "--scale=2"}, "0123456789012", ""},
		{"DataBarExpStacked", []string{"-b", "81", "--scale=2"}, "[01]98898765432106[3202]012345[15]991231", ""},
	}
}

// renderZint renders s into dir and returns its gray image.
func renderZint(t testing.TB, dir string, s symbol2D) *image.Gray {
	t.Helper()
	p := filepath.Join(dir, s.name+".png")
	cmd := exec.Command("zint", append(append([]string{}, s.args...), "-d", s.data, "-o", p)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v: %s", cmd.Args, err, b)
	}
	return readGray(t, p, 0)
}

// TestNo1DFromSymbols2D renders 2D and stacked symbols with zint and
// qrencode (encoders that are not ours), turns and blurs them, and asserts
// that the decoder never reports a 1D code from them: a 2D symbol may be
// read, but only as itself with its own text.
func TestNo1DFromSymbols2D(t *testing.T) {
	if _, err := exec.LookPath("zint"); err != nil {
		t.Fatal("zint not on PATH (packaging/deps.sh installs it)")
	}
	if _, err := exec.LookPath("qrencode"); err != nil {
		t.Fatal("qrencode not on PATH (packaging/deps.sh installs it)")
	}
	dir := t.TempDir()
	type job struct {
		name, sym, data string
		img             *image.Gray
	}
	var jobs []job
	add := func(name, sym, data string, g *image.Gray) {
		blur := func(g *image.Gray) *image.Gray { return boxBlur3(boxBlur3(g)) }
		// On a light background with a margin, as on a label.
		g = padNearest(g, 1, 40, 255)
		jobs = append(jobs,
			job{name + "/plain", sym, data, g},
			job{name + "/rot90+blur", sym, data, blur(rotate90CCW(g))},
			job{name + "/rot7", sym, data, rotateFill(g, 7, 255)},
			job{name + "/rot-20+blur", sym, data, blur(rotateFill(g, -20, 255))},
			job{name + "/rot180+blur", sym, data, blur(rotate180(g))},
		)
	}
	for _, s := range symbols2D() {
		add(s.name, s.sym, s.data, renderZint(t, dir, s))
	}
	qp := filepath.Join(dir, "qrencode.png")
	const qtext = "PK1.qrencode.false-positive-check"
	if b, err := exec.Command("qrencode", "-s", "3", "-o", qp, qtext).CombinedOutput(); err != nil {
		t.Fatalf("qrencode: %v: %s", err, b)
	}
	f, err := os.Open(qp)
	if err != nil {
		t.Fatal(err)
	}
	qimg, err := ReadImage(f, 0)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	add("qrencode", SymQR, qtext, toGray(qimg, 0))

	d := NewDecoder(DecodeOptions{})
	results := make([][]Scan, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], _ = d.Decode(context.Background(), jobs[i].img)
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	own := map[string]int{}
	for i, j := range jobs {
		for _, s := range results[i] {
			if s.Symbology != j.sym || s.Text != j.data {
				t.Errorf("%s: misread %s %q", j.name, s.Symbology, s.Text)
				continue
			}
			own[j.sym]++
		}
	}
	t.Logf("%d images of %d kinds; read as themselves: %v", len(jobs), len(jobs)/5, fmt.Sprint(own))
}
