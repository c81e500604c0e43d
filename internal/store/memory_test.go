package store

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

func newTestMemory(t *testing.T, cfg MemoryConfig) (*Memory, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	m, err := NewMemory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, clock
}

func TestNewMemoryValidates(t *testing.T) {
	for _, cfg := range []MemoryConfig{{MaxKeys: -1}, {MaxDistinctKeys: -5}, {MaxMarks: -1}} {
		if _, err := NewMemory(cfg); err == nil {
			t.Errorf("NewMemory(%+v): no error", cfg)
		}
	}
}

func TestMemoryCountersFixedWindows(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	// Put the clock 10s before a minute boundary.
	clock.Set(time.Date(2030, 1, 1, 0, 0, 50, 0, time.UTC))
	incr := func(key string, n int64) int64 {
		t.Helper()
		got, err := m.Incr(ctx, key, time.Minute, n)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	steps := []struct {
		name    string
		advance time.Duration
		key     string
		n       int64
		want    int64
	}{
		{"first", 0, "ip", 1, 1},
		{"same window", 5 * time.Second, "ip", 2, 3},
		{"other key", 0, "other", 1, 1},
		{"negative n", 0, "ip", -1, 2},
		{"window edge resets", 5 * time.Second, "ip", 1, 1},
		{"next window continues", 59 * time.Second, "ip", 1, 2},
		{"skipped windows reset", 10 * time.Minute, "ip", 1, 1},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		if got := incr(s.key, s.n); got != s.want {
			t.Errorf("%s: got %d, want %d", s.name, got, s.want)
		}
	}
	if err := m.Reset(ctx, "ip"); err != nil {
		t.Fatal(err)
	}
	if got := incr("ip", 1); got != 1 {
		t.Errorf("after reset: got %d, want 1", got)
	}
	if _, err := m.Incr(ctx, "ip", time.Microsecond, 1); err == nil {
		t.Error("sub-millisecond window: no error")
	}
}

func TestMemoryNonces(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	first := func(key string) bool {
		t.Helper()
		ok, err := m.FirstSeen(ctx, key, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !first("n1") {
		t.Error("new nonce reported seen")
	}
	if first("n1") {
		t.Error("replayed nonce reported new")
	}
	clock.Advance(59 * time.Second)
	if first("n1") {
		t.Error("replay within ttl reported new")
	}
	clock.Advance(time.Second)
	if !first("n1") {
		t.Error("nonce not forgotten after ttl")
	}
	if _, err := m.FirstSeen(ctx, "n", 0); err == nil {
		t.Error("zero ttl: no error")
	}
}

// TestTableEvictsExpiredFirstThenSoonest: a full table drops dead entries
// before live ones, and among live ones the one expiring soonest.
func TestTableEvictsExpiredFirstThenSoonest(t *testing.T) {
	tb := newTable[uint64, struct{}](4)
	if len(tb.shards) != 4 || tb.perShard != 1 {
		t.Fatalf("4 keys: %d shards of %d, want 4 of 1", len(tb.shards), tb.perShard)
	}
	tb = newTable[uint64, struct{}](8)
	tb.shards, tb.mask, tb.perShard = tb.shards[:1], 0, 8 // one shard, to control eviction
	s := tb.shard(0)
	for k := range uint64(8) {
		s.put(k, slot[struct{}]{exp: 100 + int64(k)}, 0, tb.perShard)
	}
	s.put(100, slot[struct{}]{exp: 1000}, 0, tb.perShard)
	if _, ok := s.m[0]; ok || len(s.m) != 8 {
		t.Errorf("live eviction: entry 0 (soonest) kept or size %d != 8", len(s.m))
	}
	// At now=104 the entries 1..4 are dead: one insert sweeps them.
	s.put(101, slot[struct{}]{exp: 1000}, 104, tb.perShard)
	for k := range uint64(5) {
		if _, ok := s.m[k]; ok {
			t.Errorf("dead entry %d survived", k)
		}
	}
	if _, ok := s.m[5]; !ok {
		t.Error("live entry 5 evicted although dead ones were there")
	}
}

// TestMemoryBoundedWithOneMillionKeys: an attacker cycling through a
// million keys cannot grow the store past its capacity.
func TestMemoryBoundedWithOneMillionKeys(t *testing.T) {
	const keys = 1_000_000
	m, _ := newTestMemory(t, MemoryConfig{MaxKeys: 50_000, MaxDistinctKeys: 5_000})
	limit := Limit{Rate: 1, Period: time.Hour, Burst: 10}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	const workers = 4
	for w := range workers {
		wg.Go(func() {
			buf := make([]byte, 0, 32)
			for i := w; i < keys; i += workers {
				key := string(strconv.AppendInt(append(buf[:0], "203.0.113."...), int64(i), 10))
				if _, err := m.Allow(ctx, key, limit, 1); err != nil {
					t.Error(err)
					return
				}
				if i%4 == 0 {
					_, _ = m.Incr(ctx, key, time.Hour, 1)
					_, _ = m.FirstSeen(ctx, key, time.Hour)
					_, _ = m.AddDistinct(ctx, key, "user", time.Hour)
				}
			}
		})
	}
	wg.Wait()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	st := m.Stats()
	t.Logf("entries %+v, heap in use grew %.1f MB", st, float64(after.HeapInuse-before.HeapInuse)/(1<<20))
	for name, got := range map[string][2]int{
		"limits": {st.Limits, 50_000}, "counters": {st.Counters, 50_000},
		"nonces": {st.Nonces, 50_000}, "distinct": {st.Distinct, 5_000},
	} {
		if got[0] > got[1] {
			t.Errorf("%s: %d entries, capacity %d", name, got[0], got[1])
		}
		if got[0] < got[1]*9/10 {
			t.Errorf("%s: %d entries, want the table nearly full (capacity %d)", name, got[0], got[1])
		}
	}
	// 150,000 small entries and 5,000 one-member sets take about 16 MB
	// (about 100 bytes an entry with map overhead); the million keys
	// retained would take over 300 MB.
	const bound = 32 << 20
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > bound {
		t.Errorf("heap in use grew %d bytes, bound %d", grew, bound)
	}
	runtime.KeepAlive(m)
}

func TestMemoryStats(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	_, _ = m.Allow(ctx, "a", Limit{Rate: 1, Period: time.Second, Burst: 1}, 1)
	_, _ = m.Incr(ctx, "a", time.Second, 1)
	_, _ = m.AddDistinct(ctx, "a", "x", time.Second)
	_, _ = m.FirstSeen(ctx, "a", time.Second)
	_ = m.PutMark(ctx, "ban", Mark{Key: "a", Until: clock.Now().Add(time.Hour)})
	want := MemoryStats{Limits: 1, Counters: 1, Distinct: 1, Nonces: 1, Marks: 1}
	if got := m.Stats(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}
}

func TestMemoryConcurrentMixedUse(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{MaxKeys: 256, MaxDistinctKeys: 64, MaxMarks: 64})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 500 {
				key := fmt.Sprint(w*7 + i) // overlapping keys across workers
				_, _ = m.Allow(ctx, key, Limit{Rate: 5, Period: time.Second, Burst: 3}, 1)
				_, _ = m.Incr(ctx, key, time.Second, 1)
				_, _ = m.AddDistinct(ctx, key, strconv.Itoa(i), time.Second)
				_, _ = m.FirstSeen(ctx, key, time.Second)
				_ = m.PutMark(ctx, "ban", Mark{Key: key, Until: clock.Now().Add(time.Second)})
				_, _, _ = m.GetMark(ctx, "ban", key)
				if i%50 == 0 {
					_, _ = m.ListMarks(ctx, "ban", 10)
					clock.Advance(100 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
}
