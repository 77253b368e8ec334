package lockertest

import (
	"net"
	"testing"
)

// FreePort returns a TCP port free on the loopback interface now, for a
// server the test starts in another process.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
