//go:build !unix

package triage

import "time"

// cpuTime is not available here; benchmarks then report wall-clock rates
// only.
func cpuTime() (time.Duration, bool) { return 0, false }
