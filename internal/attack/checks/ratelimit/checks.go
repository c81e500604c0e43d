package ratelimit

import "github.com/rampartsec/rampart/internal/attack/core"

// Checks returns the rate-limit stage's checks, in run order.
func Checks() []core.Check { return []core.Check{LoginCheck{}, BurstCheck{}} }
