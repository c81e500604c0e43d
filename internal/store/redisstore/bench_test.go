package redisstore

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// BenchmarkRedisAllow: GCRA decisions of one limit against REDIS_ADDR from
// 1 or 16 concurrent callers per CPU (a gateway serves many requests at
// once), each cycling through its own 1,024 client keys. Reports
// decisions/s and the p50/p99 latency of one decision (one EVALSHA round
// trip).
func BenchmarkRedisAllow(b *testing.B) {
	limit := store.Limit{Rate: 100, Period: time.Second, Burst: 50}
	benchmarkRedisDecisions(b, func(rs *Store, key string) error {
		_, err := rs.Allow(ctx, key, limit, 1)
		return err
	})
}

// BenchmarkRedisAllowAll: the same with a policy of two limits (20/s burst
// 40 and 10,000 a day) decided in one script.
func BenchmarkRedisAllowAll(b *testing.B) {
	limits := []store.NamedLimit{
		{Name: "0", Limit: store.Limit{Rate: 20, Period: time.Second, Burst: 40}},
		{Name: "1", Limit: store.Limit{Rate: 10000, Period: 24 * time.Hour, Burst: 10000}},
	}
	benchmarkRedisDecisions(b, func(rs *Store, key string) error {
		_, err := rs.AllowAll(ctx, key, limits, 1)
		return err
	})
}

// BenchmarkRedisBanLookup: an uncached ban check of a client's address
// and network, as two GetMark round trips or one GetMarks.
func BenchmarkRedisBanLookup(b *testing.B) {
	b.Run("two-GetMark", func(b *testing.B) {
		benchmarkRedisDecisions(b, func(rs *Store, key string) error {
			if _, _, err := rs.GetMark(ctx, "ban", "ip:"+key); err != nil {
				return err
			}
			_, _, err := rs.GetMark(ctx, "ban", "net:"+key)
			return err
		})
	})
	b.Run("GetMarks", func(b *testing.B) {
		benchmarkRedisDecisions(b, func(rs *Store, key string) error {
			var dst [2]store.MarkResult
			_, err := rs.GetMarks(ctx, "ban", []string{"ip:" + key, "net:" + key}, dst[:0])
			return err
		})
	})
}

func benchmarkRedisDecisions(b *testing.B, decide func(rs *Store, key string) error) {
	for _, perCPU := range []int{1, 16} {
		b.Run("callers-per-cpu-"+strconv.Itoa(perCPU), func(b *testing.B) { benchmarkRedisCallers(b, perCPU, decide) })
	}
}

func benchmarkRedisCallers(b *testing.B, perCPU int, decide func(rs *Store, key string) error) {
	rs := newTestStore(b, redistest.Addr(b), Config{Timeout: time.Second, PoolSize: 64})
	var (
		worker atomic.Int64
		mu     sync.Mutex
		lat    []time.Duration
	)
	b.SetParallelism(perCPU)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := worker.Add(1)
		keys := make([]string, 1024)
		for i := range keys {
			keys[i] = "10." + strconv.FormatInt(w, 10) + ".0." + strconv.Itoa(i)
		}
		local := make([]time.Duration, 0, 1024)
		i := 0
		for pb.Next() {
			start := time.Now()
			if err := decide(rs, keys[i&1023]); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(start))
			i++
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := b.Elapsed()
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "decisions/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
