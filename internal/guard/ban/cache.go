package ban

import (
	"sync"
	"time"
)

// cache remembers store answers (banned until T, or not banned) for a short
// TTL, so that most requests cost no store round trip (a request with keys
// not cached costs one, for all of them). The price is propagation delay:
// a ban or unban made elsewhere is seen after at most the TTL.
//
// It is bounded (an attacker chooses addresses). Every entry lives for the
// same TTL, so entries expire in insertion order and a FIFO queue finds
// them in O(1); when full, the oldest entry is dropped.
type cache struct {
	ttl      time.Duration
	capacity int

	mu    sync.RWMutex
	m     map[string]cached
	queue []queued // insertion order, from head
	head  int
}

// cached is one store answer.
type cached struct {
	since  time.Time // when it was cached; also identifies its queue entry
	banned bool
	until  time.Time
	reason string
	source string
}

type queued struct {
	key   string
	since time.Time
}

func newCache(ttl time.Duration, capacity int) *cache {
	return &cache{ttl: ttl, capacity: capacity, m: make(map[string]cached)}
}

// get returns key's cached answer if it is fresh at now. The []byte key
// lookup does not allocate.
func (c *cache) get(key []byte, now time.Time) (cached, bool) {
	c.mu.RLock()
	e, ok := c.m[string(key)]
	c.mu.RUnlock()
	if !ok || now.Sub(e.since) >= c.ttl || now.Before(e.since) {
		return cached{}, false
	}
	return e, true
}

// put caches an answer fetched at now.
func (c *cache) put(key string, e cached, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	if old, ok := c.m[key]; ok {
		// A concurrent miss got here first: keep its queue position (and
		// age), so the queue and the map stay in step.
		e.since = old.since
		c.m[key] = e
		return
	}
	for len(c.queue)-c.head >= c.capacity {
		c.pop()
	}
	if c.head > 0 && len(c.queue) == cap(c.queue) {
		n := copy(c.queue, c.queue[c.head:])
		clear(c.queue[n:])
		c.queue, c.head = c.queue[:n], 0
	}
	e.since = now
	c.m[key] = e
	c.queue = append(c.queue, queued{key: key, since: now})
}

// forget drops key, so the next check asks the store.
func (c *cache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	// Its queue entry stays until it expires; pop checks it still owns the
	// map entry before deleting.
}

func (c *cache) expire(now time.Time) {
	for c.head < len(c.queue) && now.Sub(c.queue[c.head].since) >= c.ttl {
		c.pop()
	}
	if c.head == len(c.queue) {
		c.queue, c.head = c.queue[:0], 0
	}
}

// pop drops the oldest queue entry and its map entry, if it still owns it.
func (c *cache) pop() {
	q := &c.queue[c.head]
	if e, ok := c.m[q.key]; ok && e.since.Equal(q.since) {
		delete(c.m, q.key)
	}
	*q = queued{}
	c.head++
}

// len returns the number of cached keys (for tests).
func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
