package store

import (
	"math/bits"
	"sync"
)

// maxShards is the number of independently locked shards of a table, so
// parallel requests for different keys rarely wait on each other.
const maxShards = 64

// evictSample is how many entries a full shard looks at to choose a victim
// (Redis's approximated-LRU idea): cheap, and good enough to find expired
// or nearly expired entries.
const evictSample = 8

// sweepEvery makes a shard scan a few entries for expired ones every this
// many inserts, so memory comes back after a burst even below capacity.
const (
	sweepEvery = 256
	sweepScan  = 32
)

// slot is a table entry: a value and the time (Unix nanoseconds) after
// which it is dead.
type slot[V any] struct {
	exp int64
	val V
}

// shard is one lock and map. Callers hold mu around get/put/del.
type shard[K comparable, V any] struct {
	mu      sync.Mutex
	m       map[K]slot[V]
	inserts uint32
	// Padding keeps shards on separate cache lines, so two cores locking
	// neighbouring shards don't bounce one line between them.
	_ [40]byte
}

// table is a bounded map from K to V, split into shards by a caller-given
// 64-bit hash. Each shard holds at most perShard live entries; total
// capacity is shards*perShard <= the configured maximum.
type table[K comparable, V any] struct {
	shards   []shard[K, V]
	mask     uint64
	perShard int
}

func newTable[K comparable, V any](capacity int) *table[K, V] {
	n := maxShards
	if capacity < n {
		n = 1 << (bits.Len(uint(capacity)) - 1) // largest power of two <= capacity
	}
	t := &table[K, V]{shards: make([]shard[K, V], n), mask: uint64(n - 1), perShard: capacity / n}
	for i := range t.shards {
		t.shards[i].m = make(map[K]slot[V])
	}
	return t
}

func (t *table[K, V]) shard(h uint64) *shard[K, V] {
	// The low bits pick the shard; the map rehashes the key itself.
	return &t.shards[h&t.mask]
}

// len counts entries, live or not yet swept.
func (t *table[K, V]) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// get returns key's entry if it is live at now; a dead one is deleted.
func (s *shard[K, V]) get(key K, now int64) (slot[V], bool) {
	e, ok := s.m[key]
	if !ok {
		return e, false
	}
	if e.exp <= now {
		delete(s.m, key)
		return slot[V]{}, false
	}
	return e, true
}

// put stores key's entry, evicting one when the shard is full.
func (s *shard[K, V]) put(key K, e slot[V], now int64, perShard int) {
	if _, ok := s.m[key]; ok {
		s.m[key] = e
		return
	}
	s.inserts++
	if s.inserts%sweepEvery == 0 {
		s.sweep(now, sweepScan)
	}
	if len(s.m) >= perShard {
		s.evict(now)
	}
	s.m[key] = e
}

// sweep deletes expired entries among up to limit entries, starting at a
// random point (Go randomises map iteration order).
func (s *shard[K, V]) sweep(now int64, limit int) {
	for k, e := range s.m {
		if limit--; limit < 0 {
			return
		}
		if e.exp <= now {
			delete(s.m, k)
		}
	}
}

// evict frees one slot: the expired entries in a random sample if any,
// else the sampled entry that dies soonest, which loses the least state
// (for a limiter, the key closest to a full burst anyway).
func (s *shard[K, V]) evict(now int64) {
	var victim K
	var victimExp int64
	seen, freed, found := 0, false, false
	for k, e := range s.m {
		if e.exp <= now {
			delete(s.m, k)
			freed = true
		} else if !found || e.exp < victimExp {
			victim, victimExp, found = k, e.exp, true
		}
		if seen++; seen >= evictSample {
			break
		}
	}
	if !freed && found {
		delete(s.m, victim)
	}
}
