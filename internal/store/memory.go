package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"time"
)

// Memory defaults; see MemoryConfig.
const (
	DefaultMaxKeys         = 100_000
	DefaultMaxDistinctKeys = 10_000
	DefaultMaxMarks        = 100_000
	// maxNamespaces bounds the number of mark namespaces: they are chosen
	// by code ("ban", "revoked-jti"), never by clients.
	maxNamespaces = 64
)

// MemoryConfig configures NewMemory. Zero fields take the documented
// defaults; negative ones are errors.
type MemoryConfig struct {
	// MaxKeys bounds each of the limiter, counter and nonce tables
	// separately (entries, not bytes: keys are stored as 64-bit hashes, so
	// an entry costs about 100 bytes with map overhead, whatever the key's
	// length). A full table first drops expired entries, then evicts the
	// entry expiring soonest in a random sample of 8. Default 100,000
	// (about 10 MB per table at capacity).
	MaxKeys int
	// MaxDistinctKeys bounds the distinct-count table; one key costs at
	// most about 4.2 KB (an exact set of up to 512 member hashes, then a
	// 4,096-register HyperLogLog). Eviction as for MaxKeys. Default 10,000
	// (at most about 45 MB).
	MaxDistinctKeys int
	// MaxMarks bounds the live marks of each namespace. A full namespace
	// refuses new marks with ErrFull rather than evicting old ones.
	// Default 100,000.
	MaxMarks int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Memory is the bounded in-memory Store for a single replica. All methods
// are safe for concurrent use; none blocks on I/O. Keys of limits,
// counters, distinct counts and nonces are kept as 64-bit seeded hashes
// (hash/maphash, random seed per Memory): memory per entry does not depend
// on key length, and an attacker cannot aim collisions at another client's
// key.
type Memory struct {
	now      func() time.Time
	seed     maphash.Seed
	limits   *table[uint64, struct{}] // value is the TAT, stored as the slot's expiry
	counters *table[uint64, counter]
	distinct *table[uint64, *distinctSet]
	nonces   *table[uint64, struct{}]
	marks    markNamespaces
}

var _ Store = (*Memory)(nil)

// counter is one fixed window's count.
type counter struct {
	start int64 // window start, Unix nanoseconds
	count int64
}

// MemoryStats counts stored entries (live, or dead but not yet swept).
type MemoryStats struct {
	Limits, Counters, Distinct, Nonces, Marks int
}

// NewMemory validates cfg and returns an empty store.
func NewMemory(cfg MemoryConfig) (*Memory, error) {
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxKeys", &cfg.MaxKeys, DefaultMaxKeys},
		{"MaxDistinctKeys", &cfg.MaxDistinctKeys, DefaultMaxDistinctKeys},
		{"MaxMarks", &cfg.MaxMarks, DefaultMaxMarks},
	} {
		switch {
		case *f.v < 0:
			return nil, fmt.Errorf("memory store: %s is %d, must not be negative", f.name, *f.v)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Memory{
		now:      cfg.Now,
		seed:     maphash.MakeSeed(),
		limits:   newTable[uint64, struct{}](cfg.MaxKeys),
		counters: newTable[uint64, counter](cfg.MaxKeys),
		distinct: newTable[uint64, *distinctSet](cfg.MaxDistinctKeys),
		nonces:   newTable[uint64, struct{}](cfg.MaxKeys),
		marks:    markNamespaces{perNamespace: cfg.MaxMarks},
	}, nil
}

func (m *Memory) hash(key string) uint64 { return maphash.String(m.seed, key) }

// Allow makes a GCRA decision for key; see gcra for the arithmetic.
func (m *Memory) Allow(_ context.Context, key string, limit Limit, cost int) (Decision, error) {
	if err := CheckAllow(limit, cost); err != nil {
		return Decision{}, err
	}
	h := m.hash(key)
	s := m.limits.shard(h)
	s.mu.Lock()
	now := m.now().UnixNano()
	e, _ := s.get(h, now)
	d, tat := gcra(e.exp, now, limit, cost)
	if tat > now && tat != e.exp {
		s.put(h, slot[struct{}]{exp: tat}, now, m.limits.perShard)
	}
	s.mu.Unlock()
	return d, nil
}

// AllowAll decides several limits of key atomically; see gcraAll. Every
// limit of a key lives in the shard of the key's own hash, so one shard
// lock covers the whole decision.
func (m *Memory) AllowAll(_ context.Context, key string, limits []NamedLimit, cost int) (MultiDecision, error) {
	if err := CheckAllowAll(limits, cost); err != nil {
		return MultiDecision{}, err
	}
	h := m.hash(key)
	var hashes [MaxLimitsPerDecision]uint64
	for i, l := range limits {
		hashes[i] = m.limitHash(h, l.Name)
	}
	var tats, stored [MaxLimitsPerDecision]int64
	s := m.limits.shard(h)
	s.mu.Lock()
	now := m.now().UnixNano()
	for i := range limits {
		e, _ := s.get(hashes[i], now)
		tats[i], stored[i] = e.exp, e.exp
	}
	md := gcraAll(tats[:len(limits)], now, limits, cost)
	if md.Allowed {
		for i := range limits {
			if tat := tats[i]; tat > now && tat != stored[i] {
				s.put(hashes[i], slot[struct{}]{exp: tat}, now, m.limits.perShard)
			}
		}
	}
	s.mu.Unlock()
	return md, nil
}

// limitHash is the table key of key's limit called name: the key's own
// hash for the unnamed limit (Allow's), else a hash of the key's hash and
// the name's, with the shard bits of the key's hash. Two keys share a
// named limit's state only if their 64-bit hashes collide, as for Allow.
func (m *Memory) limitHash(keyHash uint64, name string) uint64 {
	if name == "" {
		return keyHash
	}
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], keyHash)
	binary.LittleEndian.PutUint64(b[8:], maphash.String(m.seed, name))
	return maphash.Bytes(m.seed, b[:])&^m.limits.mask | keyHash&m.limits.mask
}

// Incr adds n to key's count in the current window. Windows are aligned
// to multiples of window since the Unix epoch, so every replica and
// backend agrees on their edges. Use one key per window length.
func (m *Memory) Incr(_ context.Context, key string, window time.Duration, n int64) (int64, error) {
	if err := CheckDuration("window", window); err != nil {
		return 0, err
	}
	h := m.hash(key)
	s := m.counters.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now().UnixNano()
	start := now - now%int64(window)
	e, ok := s.get(h, now)
	if !ok || e.val.start != start {
		e = slot[counter]{exp: start + int64(window), val: counter{start: start}}
	}
	e.val.count += n
	s.put(h, e, now, m.counters.perShard)
	return e.val.count, nil
}

// Reset deletes key's counter.
func (m *Memory) Reset(_ context.Context, key string) error {
	h := m.hash(key)
	s := m.counters.shard(h)
	s.mu.Lock()
	delete(s.m, h)
	s.mu.Unlock()
	return nil
}

// FirstSeen records key for ttl. When the nonce table is full, the
// soonest-expiring sampled nonce is evicted (it could then be replayed in
// what is left of its ttl); size MaxKeys above the number of nonces a ttl
// can hold at the peak request rate.
func (m *Memory) FirstSeen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	if err := CheckDuration("ttl", ttl); err != nil {
		return false, err
	}
	h := m.hash(key)
	s := m.nonces.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now().UnixNano()
	if _, ok := s.get(h, now); ok {
		return false, nil
	}
	s.put(h, slot[struct{}]{exp: now + int64(ttl)}, now, m.nonces.perShard)
	return true, nil
}

// Stats counts entries per table.
func (m *Memory) Stats() MemoryStats {
	return MemoryStats{
		Limits:   m.limits.len(),
		Counters: m.counters.len(),
		Distinct: m.distinct.len(),
		Nonces:   m.nonces.len(),
		Marks:    m.marks.len(),
	}
}

// Close releases nothing: Memory owns no goroutines or files.
func (m *Memory) Close() error { return nil }
