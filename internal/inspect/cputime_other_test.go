//go:build !unix

package inspect

import "time"

func processCPUTime() (time.Duration, bool) { return 0, false }
