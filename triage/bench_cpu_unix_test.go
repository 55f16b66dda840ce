//go:build unix

package triage

import (
	"syscall"
	"time"
)

// cpuTime returns the user plus system CPU time the process has used, so
// that benchmarks can report throughput per CPU-second: on a machine shared
// with other jobs, wall-clock rates measure the contention as much as the
// code.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
