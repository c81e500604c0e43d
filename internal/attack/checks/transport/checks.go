package transport

import "github.com/rampartsec/rampart/internal/attack/core"

// Checks returns the transport stage's checks, in run order.
func Checks() []core.Check { return []core.Check{TLSCheck{}, HSTSCheck{}, PlainHTTPCheck{}} }
