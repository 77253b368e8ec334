//go:build benchprof

package main

import (
	"net"
	"net/http"
	_ "net/http/pprof" // the profiles BenchmarkFlowsRSS takes
	"os"
)

// A kiosk built with the benchprof tag (BenchmarkFlowsRSS builds one when
// BENCH_PROFILES is set) serves net/http/pprof on the loopback address in
// KIOSK_PPROF. Kiosks built without the tag have no such server.
func init() {
	addr := os.Getenv("KIOSK_PPROF")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil || !ln.Addr().(*net.TCPAddr).IP.IsLoopback() {
		panic("kiosk: KIOSK_PPROF must be a free loopback address: " + addr)
	}
	go func() { _ = http.Serve(ln, nil) }()
}
