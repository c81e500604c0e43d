//go:build unix

package inspect

import (
	"syscall"
	"time"
)

// processCPUTime is the CPU time the test process has used, user and
// system. On a shared machine wall-clock ns/op mostly measures the other
// tenants; CPU time per op does not count the time the process waited.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
