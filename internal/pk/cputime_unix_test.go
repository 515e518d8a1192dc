//go:build unix

package pk

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system, all threads) this process
// has used, for benchmarks to report beside wall time: the machines are
// shared, and wall time alone mixes in other processes' load.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
