package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	out := `goos: linux
BenchmarkFsyncFloor-2   	     300	   3933001 ns/op	       0 B/op	       0 allocs/op
BenchmarkStore/history=1000/Deposit-2         	     200	   8000000 ns/op	         2.03 fsyncs/op	    4096 B/op	      80 allocs/op
BenchmarkBroken-2 notanumber 5 ns/op
PASS
`
	rows := parse(strings.NewReader(out))
	if len(rows) != 2 {
		t.Fatalf("parsed %d rows, want 2: %+v", len(rows), rows)
	}
	r := rows[1]
	if r.Name != "BenchmarkStore/history=1000/Deposit" || r.N != 200 {
		t.Errorf("row = %q %d", r.Name, r.N)
	}
	if len(r.Metrics) != 4 || r.Metrics[1] != (metric{2.03, "fsyncs/op"}) {
		t.Errorf("metrics = %+v", r.Metrics)
	}
}

func TestTrimProcs(t *testing.T) {
	tests := map[string]string{
		"BenchmarkX-2":         "BenchmarkX",
		"BenchmarkX/a-b":       "BenchmarkX/a-b",
		"BenchmarkX/size=1-16": "BenchmarkX/size=1",
		"BenchmarkNoSuffix":    "BenchmarkNoSuffix",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := trimProcs(in); got != want {
				t.Errorf("trimProcs(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestWriteReport(t *testing.T) {
	var buf bytes.Buffer
	writeReport(&buf, "test machine", []pkgResult{{"example/pkg", []row{{"BenchmarkA", 10, []metric{{1234.5, "ns/op"}, {0.5, "ratio"}}}}}})
	got := buf.String()
	for _, want := range []string{"Machine: test machine", "## example/pkg", "| `BenchmarkA` | 10 | 1234 ns/op, 0.5 ratio |"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

func TestMergeReport(t *testing.T) {
	var buf bytes.Buffer
	writeReport(&buf, "old machine", []pkgResult{
		{"example/a", []row{{"BenchmarkA", 1, []metric{{1, "ns/op"}}}}},
		{"example/b", []row{{"BenchmarkB", 2, []metric{{2, "ns/op"}}}}},
	})
	got := mergeReport(buf.String(), "new machine", []pkgResult{
		{"example/a", []row{{"BenchmarkA", 3, []metric{{3, "ns/op"}}}}},
		{"example/c", []row{{"BenchmarkC", 4, []metric{{4, "ns/op"}}}}},
	})
	for _, want := range []string{"Machine: old machine", "| `BenchmarkA` | 3 | 3 ns/op |", "| `BenchmarkB` | 2 | 2 ns/op |",
		"| `BenchmarkC` | 4 | 4 ns/op |", "Measured on their own: new machine."} {
		if !strings.Contains(got, want) {
			t.Errorf("merged report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "| `BenchmarkA` | 1 |") {
		t.Errorf("old section of example/a kept:\n%s", got)
	}
	if strings.Index(got, "example/a") > strings.Index(got, "example/b") {
		t.Errorf("section order changed:\n%s", got)
	}
}
