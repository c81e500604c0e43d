package dedup

import (
	"sync"
	"time"
)

// crossingsCapacity bounds the keys a Crossings remembers. Entries are
// created only when a threshold is crossed, so the bound is rarely reached;
// when it is, an arbitrary entry makes room (at worst one duplicate report).
const crossingsCapacity = 4096

// Crossings lets one action per key through until that action ends: a
// flood of failures past a threshold writes one lockout or ban mark and
// raises one Event, not one per request. Unlike a [Window], whose period is
// fixed, each key is remembered until a time the caller gives (the end of
// the lockout or ban), and it never refuses a new key when full: a wide
// attack must not stop bans from being written. It is per process; replicas
// sharing a store may each act on the same key once.
type Crossings struct {
	mu    sync.Mutex
	until map[string]time.Time
}

// NewCrossings returns an empty Crossings.
func NewCrossings() *Crossings { return &Crossings{until: make(map[string]time.Time)} }

// First reports whether key has no live action remembered at now, and if
// so remembers one until until.
func (c *Crossings) First(key string, now, until time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.until[key]; ok {
		if now.Before(t) {
			return false
		}
		delete(c.until, key)
	}
	if len(c.until) >= crossingsCapacity {
		c.sweep(now)
	}
	c.until[key] = until
	return true
}

// Forget drops key, so that the next crossing acts again (after a failed
// store write, or an operator lifting the ban).
func (c *Crossings) Forget(key string) {
	c.mu.Lock()
	delete(c.until, key)
	c.mu.Unlock()
}

// sweep drops ended entries and, if none ended, one arbitrary entry.
func (c *Crossings) sweep(now time.Time) {
	for k, t := range c.until {
		if !now.Before(t) {
			delete(c.until, k)
		}
	}
	if len(c.until) < crossingsCapacity {
		return
	}
	for k := range c.until {
		delete(c.until, k)
		return
	}
}
