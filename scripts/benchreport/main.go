// Command benchreport runs every benchmark of the module and writes
// docs/BENCHMARKS.md: each figure with the peer or floor its benchmark
// measured in the same run (the benchmarks report those as extra metrics:
// fsyncs/op, ratio, relay/raw, zbar counts ...), and the machine it ran on.
//
//	go run ./scripts/benchreport [-out docs/BENCHMARKS.md] [-bench .] [-benchtime 1s] [-pkg ./scanner]
//
// With -pkg, only those packages (comma-separated) are benchmarked and
// their sections of the existing report are replaced, each marked with the
// machine and time of its own run; the other sections stay as they were.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	out := flag.String("out", "docs/BENCHMARKS.md", "report `file`")
	bench := flag.String("bench", ".", "benchmark `regexp`")
	benchtime := flag.String("benchtime", "", "go test -benchtime value (default go test's)")
	only := flag.String("pkg", "", "comma-separated `packages` to benchmark, updating only their sections")
	flag.Parse()
	if err := run(*out, *bench, *benchtime, *only); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(out, bench, benchtime, only string) error {
	list := []string{"list", "./..."}
	if only != "" {
		list = append([]string{"list"}, strings.Split(only, ",")...)
	}
	pkgs, err := exec.Command("go", list...).Output()
	if err != nil {
		return fmt.Errorf("benchreport: go list: %w", err)
	}
	var results []pkgResult
	var failed []string
	for _, pkg := range strings.Fields(string(pkgs)) {
		args := []string{"test", "-run", "^$", "-bench", bench, "-benchmem", "-timeout", "60m"}
		if benchtime != "" {
			args = append(args, "-benchtime", benchtime)
		}
		args = append(args, pkg)
		fmt.Fprintln(os.Stderr, "benchreport: go", strings.Join(args, " "))
		cmd := exec.Command("go", args...)
		var buf bytes.Buffer
		cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
		cmd.Stderr = os.Stderr
		runErr := cmd.Run()
		rows := parse(&buf)
		if runErr != nil {
			failed = append(failed, pkg)
		}
		if len(rows) > 0 {
			results = append(results, pkgResult{pkg, rows})
		}
	}
	var old []byte
	if only != "" {
		if old, err = os.ReadFile(out); err != nil {
			return fmt.Errorf("benchreport: -pkg updates an existing report: %w", err)
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("benchreport: %w", err)
	}
	defer f.Close()
	if only != "" {
		f.WriteString(mergeReport(string(old), machine(), results))
	} else {
		writeReport(f, machine(), results)
	}
	if len(failed) > 0 {
		fmt.Fprintf(f, "\n## Failed\n\nThese packages' benchmarks failed in this run: %s.\n", strings.Join(failed, ", "))
	}
	if err := f.Close(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("benchreport: benchmarks failed in %s", strings.Join(failed, ", "))
	}
	return nil
}

// pkgResult is the benchmarks of one package.
type pkgResult struct {
	Pkg  string
	Rows []row
}

// row is one benchmark result line.
type row struct {
	Name    string
	N       int64
	Metrics []metric // in the order go test printed them
}

// metric is one "value unit" pair of a result line.
type metric struct {
	Value float64
	Unit  string
}

// parse reads go test -bench output and returns its result lines.
func parse(r io.Reader) []row {
	var rows []row
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		r := row{Name: trimProcs(f[0]), N: n}
		ok := true
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				ok = false
				break
			}
			r.Metrics = append(r.Metrics, metric{v, f[i+1]})
		}
		if ok {
			rows = append(rows, r)
		}
	}
	return rows
}

// trimProcs drops the -GOMAXPROCS suffix go test adds to a benchmark name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// machine describes the computer the benchmarks ran on.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
				mem = fmt.Sprintf(", %.0f GiB memory", kb/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s %s/%s, %s", cpu, runtime.NumCPU(), mem,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}

func writeReport(w io.Writer, machine string, results []pkgResult) {
	fmt.Fprintf(w, "# Benchmarks\n\nWritten by `make bench` (scripts/benchreport). Machine: %s.\n\n", machine)
	fmt.Fprintln(w, "Each benchmark measures its peer or floor in the same run and reports the ratio as an extra metric;")
	fmt.Fprintln(w, "the notes in the README say which is which. Figures from a busy or virtual machine vary by run: compare ratios, not absolutes.")
	for _, p := range results {
		writeSection(w, p)
	}
}

// writeSection writes one package's table.
func writeSection(w io.Writer, p pkgResult) {
	fmt.Fprintf(w, "\n## %s\n\n| benchmark | runs | figures |\n|---|---:|---|\n", p.Pkg)
	for _, r := range p.Rows {
		parts := make([]string, len(r.Metrics))
		for i, m := range r.Metrics {
			parts[i] = formatValue(m.Value) + " " + m.Unit
		}
		fmt.Fprintf(w, "| `%s` | %d | %s |\n", r.Name, r.N, strings.Join(parts, ", "))
	}
}

// mergeReport replaces the sections of results' packages in report (or
// appends them), each noting the machine and time of this run.
func mergeReport(report, machine string, results []pkgResult) string {
	for _, p := range results {
		var b strings.Builder
		writeSection(&b, p)
		sec := strings.Replace(b.String(), "\n\n|", "\n\nMeasured on their own: "+machine+".\n\n|", 1)
		head := "\n## " + p.Pkg + "\n"
		i := strings.Index(report, head)
		if i < 0 {
			report = strings.TrimRight(report, "\n") + "\n" + sec
			continue
		}
		end := strings.Index(report[i+len(head):], "\n## ")
		if end < 0 {
			report = report[:i] + sec
		} else {
			report = report[:i] + sec + report[i+len(head)+end:]
		}
	}
	return report
}

// formatValue prints a number with about four significant digits.
func formatValue(v float64) string {
	switch {
	case v == float64(int64(v)) && v < 1e15:
		return strconv.FormatInt(int64(v), 10)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
