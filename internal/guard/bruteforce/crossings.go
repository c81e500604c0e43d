package bruteforce

import (
	"sync"
	"time"
)

// crossingsCapacity bounds the keys a crossings remembers. Entries are
// created only when a threshold is crossed, so the bound is rarely reached;
// when it is, an arbitrary entry makes room (at worst one duplicate event).
const crossingsCapacity = 4096

// crossings lets one lockout or ban per key per period through: a flood of
// failures past a threshold writes one mark and raises one Event, not one
// per request. It is per process; replicas may each report the same key
// once. (Refusals of a locked-out flood are folded by Guard.refusals, an
// internal/dedup window.)
type crossings struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func newCrossings() *crossings { return &crossings{until: make(map[string]time.Time)} }

// first reports whether key is not already remembered at now, and if so
// remembers it until until.
func (d *crossings) first(key string, now, until time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.until[key]; ok {
		if now.Before(t) {
			return false
		}
		delete(d.until, key)
	}
	if len(d.until) >= crossingsCapacity {
		d.sweep(now)
	}
	d.until[key] = until
	return true
}

// forget drops key, so that the next crossing tries again (after a failed
// store write).
func (d *crossings) forget(key string) {
	d.mu.Lock()
	delete(d.until, key)
	d.mu.Unlock()
}

// sweep drops expired entries and, if none expired, one arbitrary entry.
func (d *crossings) sweep(now time.Time) {
	for k, t := range d.until {
		if !now.Before(t) {
			delete(d.until, k)
		}
	}
	if len(d.until) < crossingsCapacity {
		return
	}
	for k := range d.until {
		delete(d.until, k)
		return
	}
}
