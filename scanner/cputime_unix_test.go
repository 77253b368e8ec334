//go:build unix

package scanner

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the test process has used,
// on all its threads: on a machine shared with other jobs it counts our
// work only, where wall time counts the waits for a core too.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
