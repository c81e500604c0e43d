package ban

import (
	"sync"
	"time"
)

// dedup decides which refusals become Events: the first refusal of a key in
// a window does, the others do not. A banned client typically keeps
// hammering, and one Event per refused request would move the flood to the
// event sinks and the detector. (The same type lives in guard/ratelimit:
// guards do not import each other.)
//
// It is bounded (an attacker chooses keys): at most capacity keys are
// remembered. Every key lives for the same window, so they expire in the
// order they came, and a FIFO queue finds the expired ones in O(1). When
// every remembered key is still live, a new key is not reported: the events
// of a wide flood are capped at capacity per window.
type dedup struct {
	window   time.Duration
	capacity int

	mu    sync.Mutex
	live  map[string]struct{}
	queue []dedupEntry // live keys oldest first, from head
	head  int
}

type dedupEntry struct {
	key   string
	since time.Time
}

func newDedup(window time.Duration, capacity int) *dedup {
	return &dedup{window: window, capacity: capacity, live: make(map[string]struct{})}
}

// first records a hit of key at now and reports whether it is the first in
// its window (and should be reported).
func (d *dedup) first(key string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(now)
	if _, ok := d.live[key]; ok {
		return false
	}
	if len(d.live) >= d.capacity {
		return false
	}
	d.live[key] = struct{}{}
	if d.head > 0 && len(d.queue) == cap(d.queue) {
		// Reuse the space of expired entries before growing.
		n := copy(d.queue, d.queue[d.head:])
		clear(d.queue[n:])
		d.queue, d.head = d.queue[:n], 0
	}
	d.queue = append(d.queue, dedupEntry{key: key, since: now})
	return true
}

// expire forgets the keys whose window has ended.
func (d *dedup) expire(now time.Time) {
	for d.head < len(d.queue) {
		e := &d.queue[d.head]
		if now.Sub(e.since) < d.window {
			return
		}
		delete(d.live, e.key)
		*e = dedupEntry{}
		d.head++
	}
	d.queue, d.head = d.queue[:0], 0
}
