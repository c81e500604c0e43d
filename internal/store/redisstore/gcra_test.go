package redisstore

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

type step struct {
	at   time.Duration
	cost int
	want store.Decision
}

// timelines repeat store's GCRA timelines (see store/gcra_test.go): the
// Redis script must decide exactly as the in-memory limiter.
var timelines = []struct {
	name  string
	limit store.Limit
	steps []step
}{
	{
		name:  "burst then steady rate",
		limit: store.Limit{Rate: 10, Period: time.Second, Burst: 5},
		steps: []step{
			{0, 1, store.Decision{Allowed: true, Remaining: 4, ResetAfter: ms(100)}},
			{0, 1, store.Decision{Allowed: true, Remaining: 3, ResetAfter: ms(200)}},
			{0, 1, store.Decision{Allowed: true, Remaining: 2, ResetAfter: ms(300)}},
			{0, 1, store.Decision{Allowed: true, Remaining: 1, ResetAfter: ms(400)}},
			{0, 1, store.Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			{0, 1, store.Decision{Remaining: 0, RetryAfter: ms(100), ResetAfter: ms(500)}},
			{ms(40), 1, store.Decision{Remaining: 0, RetryAfter: ms(60), ResetAfter: ms(460)}},
			{ms(100), 1, store.Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			{ms(150), 1, store.Decision{Remaining: 0, RetryAfter: ms(50), ResetAfter: ms(450)}},
			{ms(200), 1, store.Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			{ms(650), 1, store.Decision{Allowed: true, Remaining: 3, ResetAfter: ms(150)}},
			{ms(5000), 1, store.Decision{Allowed: true, Remaining: 4, ResetAfter: ms(100)}},
		},
	},
	{
		name:  "cost",
		limit: store.Limit{Rate: 10, Period: time.Second, Burst: 5},
		steps: []step{
			{0, 3, store.Decision{Allowed: true, Remaining: 2, ResetAfter: ms(300)}},
			{0, 3, store.Decision{Remaining: 2, RetryAfter: ms(100), ResetAfter: ms(300)}},
			{ms(100), 3, store.Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			{ms(100), 0, store.Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			{ms(300), 0, store.Decision{Allowed: true, Remaining: 2, ResetAfter: ms(300)}},
			{ms(300), 6, store.Decision{Remaining: 2, RetryAfter: store.RetryNever, ResetAfter: ms(300)}},
			{ms(600), 5, store.Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
		},
	},
	{
		name:  "burst of one is a strict interval",
		limit: store.Limit{Rate: 2, Period: time.Second, Burst: 1},
		steps: []step{
			{0, 1, store.Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
			{ms(1), 1, store.Decision{Remaining: 0, RetryAfter: ms(499), ResetAfter: ms(499)}},
			{ms(499), 1, store.Decision{Remaining: 0, RetryAfter: ms(1), ResetAfter: ms(1)}},
			{ms(500), 1, store.Decision{Allowed: true, Remaining: 0, ResetAfter: ms(500)}},
		},
	},
	{
		name:  "slow limit: 3 per hour",
		limit: store.Limit{Rate: 3, Period: time.Hour, Burst: 3},
		steps: []step{
			{0, 1, store.Decision{Allowed: true, Remaining: 2, ResetAfter: 20 * time.Minute}},
			{0, 2, store.Decision{Allowed: true, Remaining: 0, ResetAfter: time.Hour}},
			{time.Minute, 1, store.Decision{Remaining: 0, RetryAfter: 19 * time.Minute, ResetAfter: 59 * time.Minute}},
			{21 * time.Minute, 1, store.Decision{Allowed: true, Remaining: 0, ResetAfter: 59 * time.Minute}},
		},
	},
}

// TestRedisGCRATimelinesMatchMemory runs each timeline on Redis and on
// store.Memory with the same test clock.
func TestRedisGCRATimelinesMatchMemory(t *testing.T) {
	addr := redistest.Addr(t)
	for _, tl := range timelines {
		t.Run(tl.name, func(t *testing.T) {
			clock := newFakeClock()
			start := clock.Now()
			rs := newTestStore(t, addr, Config{Now: clock.Now})
			mem, _ := store.NewMemory(store.MemoryConfig{Now: clock.Now})
			for i, s := range tl.steps {
				clock.Set(start.Add(s.at))
				got, err := rs.Allow(ctx, "client", tl.limit, s.cost)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				memGot, _ := mem.Allow(ctx, "client", tl.limit, s.cost)
				if got != s.want || memGot != s.want {
					t.Errorf("step %d (t=%v cost=%d):\nredis  %+v\nmemory %+v\nwant   %+v", i, s.at, s.cost, got, memGot, s.want)
				}
			}
		})
	}
}

// TestRedisGCRAServerClock: without a test clock the script uses TIME.
func TestRedisGCRAServerClock(t *testing.T) {
	rs := newTestStore(t, redistest.Addr(t), Config{})
	limit := store.Limit{Rate: 1, Period: time.Minute, Burst: 3}
	for i := range 3 {
		if d, err := rs.Allow(ctx, "k", limit, 1); err != nil || !d.Allowed || d.Remaining != 2-i {
			t.Fatalf("request %d: %+v %v", i, d, err)
		}
	}
	d, err := rs.Allow(ctx, "k", limit, 1)
	if err != nil || d.Allowed {
		t.Fatalf("4th request: %+v %v, want denied", d, err)
	}
	// The first event drains a minute after it was admitted; the test has
	// taken far less than 10s since.
	if d.RetryAfter <= 50*time.Second || d.RetryAfter > time.Minute {
		t.Errorf("RetryAfter %v, want just under a minute", d.RetryAfter)
	}
	ttl, _ := rs.client.PTTL(ctx, rs.key("gcra", "k")).Result()
	if ttl <= 170*time.Second || ttl > 3*time.Minute {
		t.Errorf("key TTL %v, want the reset time, about 3 minutes", ttl)
	}
}

// TestRedisGCRAConcurrentExactBurst: concurrent replicas on one key admit
// exactly the burst: the script is atomic.
func TestRedisGCRAConcurrentExactBurst(t *testing.T) {
	addr := redistest.Addr(t)
	rs := newTestStore(t, addr, Config{})
	other := newTestStore(t, addr, Config{Prefix: rs.prefix}) // a second replica
	limit := store.Limit{Rate: 1, Period: time.Hour, Burst: 60}
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		replica := []*Store{rs, other}[w%2]
		wg.Go(func() {
			for range 20 {
				d, err := replica.Allow(ctx, "shared", limit, 1)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := admitted.Load(); got != 60 {
		t.Errorf("admitted %d, want exactly the burst 60", got)
	}
}

func TestRedisRejectsBadInput(t *testing.T) {
	rs := newTestStore(t, redistest.Addr(t), Config{})
	_, e1 := rs.Allow(ctx, "k", store.Limit{Rate: 1}, 1)
	_, e2 := rs.Allow(ctx, "k", store.Limit{Rate: 1, Period: time.Second, Burst: 1}, -1)
	_, e3 := rs.Incr(ctx, "k", time.Microsecond, 1)
	_, e4 := rs.AddDistinct(ctx, "k", "m", 0)
	_, e5 := rs.FirstSeen(ctx, "k", 0)
	e6 := rs.PutMark(ctx, "b{a}n", store.Mark{Key: "k", Until: time.Now().Add(time.Hour)})
	_, _, e7 := rs.GetMark(ctx, "", "k")
	for i, err := range []error{e1, e2, e3, e4, e5, e6, e7} {
		if err == nil || errors.Is(err, store.ErrUnavailable) {
			t.Errorf("case %d: %v, want a bad-input error", i+1, err)
		}
	}
}
