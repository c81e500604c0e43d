package store

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkMemoryAllowParallel: GCRA decisions from all cores, each
// goroutine cycling through its own 1,024 client keys (the shape of many
// clients behind one gateway), with the real clock.
func BenchmarkMemoryAllowParallel(b *testing.B) {
	limit := Limit{Rate: 100, Period: time.Second, Burst: 50}
	benchmarkMemoryDecisions(b, func(m *Memory, key string) error {
		_, err := m.Allow(ctx, key, limit, 1)
		return err
	})
}

// BenchmarkMemoryAllowAllParallel: as BenchmarkMemoryAllowParallel, each
// decision being a policy of two limits (20/s burst 40 and 10,000 a day)
// decided together.
func BenchmarkMemoryAllowAllParallel(b *testing.B) {
	limits := []NamedLimit{
		{Name: "0", Limit: Limit{Rate: 20, Period: time.Second, Burst: 40}},
		{Name: "1", Limit: Limit{Rate: 10000, Period: 24 * time.Hour, Burst: 10000}},
	}
	benchmarkMemoryDecisions(b, func(m *Memory, key string) error {
		_, err := m.AllowAll(ctx, key, limits, 1)
		return err
	})
}

// benchmarkMemoryDecisions runs decide from all cores, each goroutine on
// its own 1,024 client keys, and reports decisions/s.
func benchmarkMemoryDecisions(b *testing.B, decide func(m *Memory, key string) error) {
	m, _ := NewMemory(MemoryConfig{})
	var worker atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := worker.Add(1)
		keys := make([]string, 1024)
		for i := range keys {
			keys[i] = "10." + strconv.FormatInt(w, 10) + ".0." + strconv.Itoa(i)
		}
		i := 0
		for pb.Next() {
			if err := decide(m, keys[i&1023]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkMemoryAllowOneKey: the worst case, every core on one key.
func BenchmarkMemoryAllowOneKey(b *testing.B) {
	m, _ := NewMemory(MemoryConfig{})
	limit := Limit{Rate: 100, Period: time.Second, Burst: 50}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = m.Allow(ctx, "one", limit, 1)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

func BenchmarkMemoryIncrParallel(b *testing.B) {
	m, _ := NewMemory(MemoryConfig{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_, _ = m.Incr(ctx, strconv.Itoa(i&1023), time.Minute, 1)
			i++
		}
	})
}

func BenchmarkMemoryAddDistinct(b *testing.B) {
	m, _ := NewMemory(MemoryConfig{})
	members := make([]string, 4096)
	for i := range members {
		members[i] = "user" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = m.AddDistinct(ctx, "ip", members[i&4095], time.Minute)
	}
}
