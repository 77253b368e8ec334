package lockertest

import (
	"testing"
	"time"
)

// WaitFor polls cond every 5 ms until it holds, and fails the test with
// what when it still does not after d. Tests wait for a condition with it
// instead of sleeping a fixed time, so they hold on a loaded machine: give
// d generously.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
