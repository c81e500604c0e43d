package redisstore

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

// BenchmarkRedisAllow: GCRA decisions against REDIS_ADDR from 16
// concurrent callers per CPU (a gateway serves many requests at once),
// each cycling through its own 1,024 client keys. Reports decisions/s and the p50/p99 latency
// of one decision (one EVALSHA round trip).
func BenchmarkRedisAllow(b *testing.B) {
	for _, perCPU := range []int{1, 16} {
		b.Run("callers-per-cpu-"+strconv.Itoa(perCPU), func(b *testing.B) { benchmarkRedisAllow(b, perCPU) })
	}
}

func benchmarkRedisAllow(b *testing.B, perCPU int) {
	rs := newTestStore(b, redisAddr(b), Config{Timeout: time.Second, PoolSize: 64})
	limit := store.Limit{Rate: 100, Period: time.Second, Burst: 50}
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
			if _, err := rs.Allow(ctx, keys[i&1023], limit, 1); err != nil {
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
