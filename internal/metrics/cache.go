package metrics

import (
	"sync"
	"sync/atomic"
)

// seriesCache maps a struct of label values to the resolved series, so the
// request path skips Vec.WithLabelValues (which hashes the values, takes a
// lock and allocates a label slice on every call).
//
// It is copy-on-write: a lookup is one atomic load and a map read, with no
// lock and no allocation; a miss copies the map under a mutex. Misses are
// rare because label values are bounded by the configuration, so the copy
// cost is paid once per series.
type seriesCache[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex
}

// get returns the cached value for k, building it with build on a miss.
func (c *seriesCache[K, V]) get(k K, build func(K) V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var old map[K]V
	if p := c.m.Load(); p != nil {
		old = *p
		if v, ok := old[k]; ok {
			return v
		}
	}
	v := build(k)
	next := make(map[K]V, len(old)+1)
	for ok, ov := range old {
		next[ok] = ov
	}
	next[k] = v
	c.m.Store(&next)
	return v
}
