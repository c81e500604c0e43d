package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// step is one Allow call at an offset from the timeline's start.
type step struct {
	at   time.Duration
	cost int
	want Decision
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// timelines are GCRA histories with exact expected decisions. With rate 10
// per second the emission interval is 100ms.
var timelines = []struct {
	name  string
	limit Limit
	steps []step
}{
	{
		name:  "burst then steady rate",
		limit: Limit{Rate: 10, Period: time.Second, Burst: 5},
		steps: []step{
			{0, 1, Decision{Allowed: true, Remaining: 4, ResetAfter: ms(100)}},
			{0, 1, Decision{Allowed: true, Remaining: 3, ResetAfter: ms(200)}},
			{0, 1, Decision{Allowed: true, Remaining: 2, ResetAfter: ms(300)}},
			{0, 1, Decision{Allowed: true, Remaining: 1, ResetAfter: ms(400)}},
			{0, 1, Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			// Burst spent: the next event fits one interval later.
			{0, 1, Decision{Remaining: 0, RetryAfter: ms(100), ResetAfter: ms(500)}},
			// A denied request consumes nothing: retrying does not push
			// the reopening further away.
			{ms(40), 1, Decision{Remaining: 0, RetryAfter: ms(60), ResetAfter: ms(460)}},
			{ms(100), 1, Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			{ms(150), 1, Decision{Remaining: 0, RetryAfter: ms(50), ResetAfter: ms(450)}},
			{ms(200), 1, Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			// Half a second of quiet drains the whole burst... almost.
			{ms(650), 1, Decision{Allowed: true, Remaining: 3, ResetAfter: ms(150)}},
			// Long quiet: a full burst again.
			{ms(5000), 1, Decision{Allowed: true, Remaining: 4, ResetAfter: ms(100)}},
		},
	},
	{
		name:  "cost",
		limit: Limit{Rate: 10, Period: time.Second, Burst: 5},
		steps: []step{
			{0, 3, Decision{Allowed: true, Remaining: 2, ResetAfter: ms(300)}},
			// 2 left, 3 asked: denied until one interval has drained.
			{0, 3, Decision{Remaining: 2, RetryAfter: ms(100), ResetAfter: ms(300)}},
			{ms(100), 3, Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			// Cost 0 peeks without consuming.
			{ms(100), 0, Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			{ms(300), 0, Decision{Allowed: true, Remaining: 2, ResetAfter: ms(300)}},
			// Cost above burst: never admitted, and says so.
			{ms(300), 6, Decision{Remaining: 2, RetryAfter: RetryNever, ResetAfter: ms(300)}},
			// Exactly the burst, once drained.
			{ms(600), 5, Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
		},
	},
	{
		name:  "burst of one is a strict interval",
		limit: Limit{Rate: 2, Period: time.Second, Burst: 1},
		steps: []step{
			{0, 1, Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			{ms(1), 1, Decision{Remaining: 0, RetryAfter: ms(499), ResetAfter: ms(499)}},
			{ms(499), 1, Decision{Remaining: 0, RetryAfter: ms(1), ResetAfter: ms(1)}},
			{ms(500), 1, Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
		},
	},
	{
		name:  "slow limit: 3 per hour",
		limit: Limit{Rate: 3, Period: time.Hour, Burst: 3},
		steps: []step{
			{0, 1, Decision{Allowed: true, Remaining: 2, ResetAfter: 20 * time.Minute}},
			{0, 2, Decision{Allowed: true, Remaining: 0, ResetAfter: time.Hour}},
			{time.Minute, 1, Decision{Remaining: 0, RetryAfter: 19 * time.Minute, ResetAfter: 59 * time.Minute}},
			{21 * time.Minute, 1, Decision{Allowed: true, Remaining: 0, ResetAfter: 59 * time.Minute}},
		},
	},
}

func TestMemoryGCRATimelines(t *testing.T) {
	for _, tl := range timelines {
		t.Run(tl.name, func(t *testing.T) {
			clock := newFakeClock()
			start := clock.Now()
			m, err := NewMemory(MemoryConfig{Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tl.steps {
				clock.Set(start.Add(s.at))
				got, err := m.Allow(context.Background(), "client", tl.limit, s.cost)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if got != s.want {
					t.Errorf("step %d (t=%v cost=%d): got %+v, want %+v", i, s.at, s.cost, got, s.want)
				}
			}
		})
	}
}

func TestMemoryGCRAKeysAreIndependent(t *testing.T) {
	clock := newFakeClock()
	m, _ := NewMemory(MemoryConfig{Now: clock.Now})
	limit := Limit{Rate: 1, Period: time.Second, Burst: 1}
	for _, key := range []string{"a", "b", "", "a\x00"} {
		if d, _ := m.Allow(context.Background(), key, limit, 1); !d.Allowed {
			t.Errorf("key %q: first request denied", key)
		}
	}
	if d, _ := m.Allow(context.Background(), "a", limit, 1); d.Allowed {
		t.Error("key a: second request admitted")
	}
}

func TestCheckAllowRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit Limit
		cost  int
	}{
		{"zero rate", Limit{Rate: 0, Period: time.Second, Burst: 1}, 1},
		{"zero period", Limit{Rate: 1, Burst: 1}, 1},
		{"negative burst", Limit{Rate: 1, Period: time.Second, Burst: -1}, 1},
		{"sub-nanosecond interval", Limit{Rate: 10, Period: 5, Burst: 1}, 1},
		{"overflowing burst", Limit{Rate: 1, Period: time.Hour, Burst: 1 << 40}, 1},
		{"negative cost", Limit{Rate: 1, Period: time.Second, Burst: 1}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := NewMemory(MemoryConfig{})
			if _, err := m.Allow(context.Background(), "k", tc.limit, tc.cost); err == nil {
				t.Error("got no error")
			}
		})
	}
}

// TestMemoryGCRAConcurrentExactBurst: many goroutines on one key at one
// instant admit exactly the burst, no more (the decision is atomic).
func TestMemoryGCRAConcurrentExactBurst(t *testing.T) {
	clock := newFakeClock()
	m, _ := NewMemory(MemoryConfig{Now: clock.Now})
	limit := Limit{Rate: 1, Period: time.Minute, Burst: 100}
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if d, err := m.Allow(context.Background(), "shared", limit, 1); err == nil && d.Allowed {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := admitted.Load(); got != 100 {
		t.Errorf("admitted %d, want exactly the burst 100", got)
	}
}

// FuzzGCRA checks the limiter's invariants over arbitrary limits, costs
// and timings: no panic, and every decision within its bounds.
func FuzzGCRA(f *testing.F) {
	f.Add(10, int64(time.Second), 5, 1, int64(0), 20)
	f.Add(3, int64(time.Hour), 1, 2, int64(time.Minute), 5)
	f.Add(1_000_000, int64(time.Second), 1_000_000, 999_999, int64(1), 3)
	f.Fuzz(func(t *testing.T, rate int, period int64, burst, cost int, step int64, n int) {
		limit := Limit{Rate: rate, Period: time.Duration(period), Burst: burst}
		clock := newFakeClock()
		m, _ := NewMemory(MemoryConfig{Now: clock.Now})
		if err := CheckAllow(limit, cost); err != nil {
			if _, err2 := m.Allow(context.Background(), "k", limit, cost); err2 == nil {
				t.Fatalf("CheckAllow refused (%v) but Allow accepted", err)
			}
			return
		}
		span := limit.Interval() * time.Duration(limit.Burst)
		for range min(max(n, 1), 50) {
			clock.Advance(time.Duration(step & (1<<40 - 1)))
			d, err := m.Allow(context.Background(), "k", limit, cost)
			switch {
			case err != nil:
				t.Fatal(err)
			case d.Remaining < 0 || d.Remaining > limit.Burst:
				t.Fatalf("remaining %d outside [0, %d]", d.Remaining, limit.Burst)
			case d.ResetAfter < 0 || d.ResetAfter > span:
				t.Fatalf("reset after %v outside [0, %v]", d.ResetAfter, span)
			case d.Allowed && d.RetryAfter != 0:
				t.Fatalf("allowed with retry after %v", d.RetryAfter)
			case !d.Allowed && cost > limit.Burst && d.RetryAfter != RetryNever:
				t.Fatalf("cost above burst: retry after %v, want RetryNever", d.RetryAfter)
			case !d.Allowed && cost <= limit.Burst && (d.RetryAfter <= 0 || d.RetryAfter > span):
				t.Fatalf("denied with retry after %v outside (0, %v]", d.RetryAfter, span)
			}
		}
	})
}
