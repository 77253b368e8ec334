package scanner

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// frame places code (if any) in the middle of a w x h gray camera-like
// frame with some noise.
func frame(b *testing.B, w, h int, code *image.Gray) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = uint8(170 + (i*7919)%40)
	}
	if code != nil {
		cw, ch := code.Bounds().Dx(), code.Bounds().Dy()
		if cw > w || ch > h {
			code = scaleTo(code, min(w, h)*9/10)
			cw, ch = code.Bounds().Dx(), code.Bounds().Dy()
		}
		x0, y0 := (w-cw)/2, (h-ch)/2
		for y := 0; y < ch; y++ {
			copy(g.Pix[(y0+y)*g.Stride+x0:], code.Pix[y*code.Stride:y*code.Stride+cw])
		}
	}
	return g
}

// BenchmarkDecodeFrame measures ms per camera frame for a QR code, a Code
// 128 and an empty frame at 640x480 and 1280x720, with the camera's fast
// decoder and the thorough one used for files: wall time, and the CPU
// time of the process (which other jobs on the machine do not inflate).
func BenchmarkDecodeFrame(b *testing.B) {
	codes := map[string]*image.Gray{
		"QR":      qrFixture(b, "PK1.eyJwIjoiMTIzIn0.c2lnbmF0dXJl", 300),
		"Code128": writerFixture(b, SymCode128, "1Z999AA10123456784", 2),
		"empty":   nil,
	}
	for _, eff := range []struct {
		name string
		e    Effort
	}{{"fast", EffortFast}, {"thorough", EffortThorough}} {
		d := NewDecoder(DecodeOptions{Effort: eff.e})
		for _, size := range [][2]int{{640, 480}, {1280, 720}} {
			for _, name := range []string{"QR", "Code128", "empty"} {
				f := frame(b, size[0], size[1], codes[name])
				b.Run(fmt.Sprintf("%s/%dx%d/%s", eff.name, size[0], size[1], name), func(b *testing.B) {
					found := 0
					cpu0, cpuOK := processCPU()
					start := time.Now()
					for i := 0; i < b.N; i++ {
						scans, _ := d.Decode(context.Background(), f)
						found += len(scans)
					}
					b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
					if cpu1, ok := processCPU(); ok && cpuOK {
						// CPU time, on both cores: what the frame costs on
						// a machine busy with other jobs.
						b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/frame")
					}
					if name != "empty" && found == 0 {
						b.Errorf("%s not read", name)
					}
					if name == "empty" && found != 0 {
						b.Errorf("read a code in an empty frame")
					}
				})
			}
		}
	}
}

// zbarResult runs zbarimg once over files and returns the texts it
// read per file and the CPU time it used.
func zbarResult(b *testing.B, files []string) (map[string][]string, time.Duration, error) {
	cmd := exec.Command("zbarimg", append([]string{"--xml", "-q"}, files...)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	_ = cmd.Run() // non-zero when some file has no code
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	var doc struct {
		Sources []struct {
			Href    string `xml:"href,attr"`
			Symbols []struct {
				Type string `xml:"type,attr"`
				Data string `xml:"data"`
			} `xml:"index>symbol"`
		} `xml:"source"`
	}
	if err := xml.Unmarshal(out.Bytes(), &doc); err != nil {
		return nil, 0, fmt.Errorf("zbarimg output: %w", err)
	}
	res := map[string][]string{}
	for _, s := range doc.Sources {
		for _, sym := range s.Symbols {
			res[s.Href] = append(res[s.Href], sym.Data)
		}
	}
	return res, cpu, nil
}

// BenchmarkSamples decodes the zxing sample photos with our decoder and,
// in the same run, with ZBar's zbarimg, and reports how many each read
// (of the first 457 samples, and of the PDF417 and MaxiCode sets apart),
// the false positives, and the time ratio. Both decode one image at a
// time; ours may use both cores within an image. The two take turns over
// the corpus in quarters (ours on a quarter, then ZBar on it), so that a
// slow or fast spell of the machine weighs on both alike; ZBar starts once
// a quarter (10-20 ms each). Per-set counts are printed.
// SCANNER_SAMPLES_BUDGET (a duration such as 60s) replaces the default
// budget per image.
func BenchmarkSamples(b *testing.B) {
	root := samplesDir(b)
	samples := loadSamples(b, root)
	_, zbarErr := exec.LookPath("zbarimg")
	var o DecodeOptions
	if v := os.Getenv("SCANNER_SAMPLES_BUDGET"); v != "" {
		// A budget is wall time: on a machine busy with other jobs the
		// default one cuts the work short and caps the CPU time too.
		budget, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("SCANNER_SAMPLES_BUDGET: %v", err)
		}
		o.Budget = budget
	}
	d := NewDecoder(o)
	const turns = 4
	for i := 0; i < b.N; i++ {
		var (
			res           []sampleResult
			ours, zt      time.Duration
			oursCPU, zcpu time.Duration
			cpuOK         = true
			zres          = map[string][]string{}
		)
		for t := 0; t < turns; t++ {
			part := samples[t*len(samples)/turns : (t+1)*len(samples)/turns]
			cpu0, ok0 := processCPU()
			start := time.Now()
			res = append(res, runSamples(b, d, part, 1)...)
			ours += time.Since(start)
			cpu1, ok1 := processCPU()
			oursCPU += cpu1 - cpu0
			cpuOK = cpuOK && ok0 && ok1
			if zbarErr != nil {
				continue
			}
			var files []string
			for _, s := range part {
				files = append(files, s.path)
			}
			zstart := time.Now()
			got, cpu, err := zbarResult(b, files)
			zt += time.Since(zstart)
			if err != nil {
				b.Fatal(err)
			}
			zcpu += cpu
			for f, texts := range got {
				zres[f] = append(zres[f], texts...)
			}
		}
		ok, total := setCounts(res)
		read, later, fp := 0, 0, 0
		for _, r := range res {
			if r.want != "" && r.ok {
				if laterSets[r.set] {
					later++
				} else {
					read++
				}
			}
			if r.want == "" && len(r.got) > 0 {
				fp++
			}
		}
		b.ReportMetric(float64(read), "ours-read")
		b.ReportMetric(float64(later), "ours-read-pdf417+maxicode")
		b.ReportMetric(float64(fp), "ours-falsepos")
		b.ReportMetric(float64(ours.Milliseconds())/float64(len(samples)), "ours-ms/image")
		zok := map[string]int{}
		if zbarErr == nil {
			zread, zlater, zfp := 0, 0, 0
			for _, s := range samples {
				got := zres[s.path]
				if s.want == "" {
					if len(got) > 0 {
						zfp++
					} else {
						zok[s.set]++
					}
					continue
				}
				for _, g := range got {
					if sameCode(s.want, Scan{Text: g}) || sameCode(s.want, Scan{Text: g, Symbology: SymUPCE}) {
						if laterSets[s.set] {
							zlater++
						} else {
							zread++
						}
						zok[s.set]++
						break
					}
				}
			}
			b.ReportMetric(float64(zread), "zbar-read")
			b.ReportMetric(float64(zlater), "zbar-read-pdf417+maxicode")
			b.ReportMetric(float64(zfp), "zbar-falsepos")
			b.ReportMetric(float64(zt.Milliseconds())/float64(len(samples)), "zbar-ms/image")
			b.ReportMetric(float64(ours)/float64(zt), "time-ratio-ours/zbar")
			if cpuOK && zcpu > 0 {
				// CPU time, ours on both cores: the ratio a machine
				// busy with other jobs does not skew.
				b.ReportMetric(float64(oursCPU.Milliseconds())/float64(len(samples)), "ours-cpu-ms/image")
				b.ReportMetric(float64(zcpu.Milliseconds())/float64(len(samples)), "zbar-cpu-ms/image")
				b.ReportMetric(float64(oursCPU)/float64(zcpu), "cpu-ratio-ours/zbar")
			}
		}
		sets := make([]string, 0, len(total))
		for s := range total {
			sets = append(sets, s)
		}
		sort.Strings(sets)
		var sb strings.Builder
		fmt.Fprintf(&sb, "%-18s %7s %5s %5s %9s\n", "set", "samples", "ours", "zbar", "zxing-cpp")
		for _, s := range sets {
			fmt.Fprintf(&sb, "%-18s %7d %5d %5d %9d\n", s, total[s], ok[s], zok[s], zxingCPP[s])
		}
		// Printed, not logged: benchmark logs are cut to a few lines
		// without -v, and `make bench` shows this table.
		fmt.Printf("zxing samples, GOMAXPROCS=%d, one image at a time:\n%s", runtime.GOMAXPROCS(0), sb.String())
	}
}
