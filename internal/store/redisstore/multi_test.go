package redisstore

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// multiLimits and multiTimeline repeat store's multi-limit timeline (see
// store/multi_test.go): a short limit (one event per 100ms, burst 3) and
// a slower one (one per 500ms, burst 4), decided together.
var multiLimits = []store.NamedLimit{
	{Name: "0", Limit: store.Limit{Rate: 10, Period: time.Second, Burst: 3}},
	{Name: "1", Limit: store.Limit{Rate: 2, Period: time.Second, Burst: 4}},
}

type multiStep struct {
	at   time.Duration
	cost int
	want store.MultiDecision
}

func admitted(ds ...store.Decision) store.MultiDecision {
	return store.MultiDecision{Allowed: true, Refused: -1, Limits: ds}
}

func refused(by int, retry time.Duration, ds ...store.Decision) store.MultiDecision {
	return store.MultiDecision{Refused: by, RetryAfter: retry, Limits: ds}
}

type dec = store.Decision

var multiTimeline = []multiStep{
	{0, 1, admitted(dec{Allowed: true, Remaining: 2, ResetAfter: ms(100)}, dec{Allowed: true, Remaining: 3, ResetAfter: ms(500)})},
	{0, 1, admitted(dec{Allowed: true, Remaining: 1, ResetAfter: ms(200)}, dec{Allowed: true, Remaining: 2, ResetAfter: ms(1000)})},
	{0, 1, admitted(dec{Allowed: true, Remaining: 0, ResetAfter: ms(300)}, dec{Allowed: true, Remaining: 1, ResetAfter: ms(1500)})},
	{0, 1, refused(0, ms(100), dec{RetryAfter: ms(100), ResetAfter: ms(300)}, dec{Allowed: true, Remaining: 1, ResetAfter: ms(1500)})},
	{ms(100), 1, admitted(dec{Allowed: true, Remaining: 0, ResetAfter: ms(300)}, dec{Allowed: true, Remaining: 0, ResetAfter: ms(1900)})},
	{ms(200), 1, refused(1, ms(300), dec{Allowed: true, Remaining: 1, ResetAfter: ms(200)}, dec{RetryAfter: ms(300), ResetAfter: ms(1800)})},
	{ms(200), 1, refused(1, ms(300), dec{Allowed: true, Remaining: 1, ResetAfter: ms(200)}, dec{RetryAfter: ms(300), ResetAfter: ms(1800)})},
	{ms(500), 1, admitted(dec{Allowed: true, Remaining: 2, ResetAfter: ms(100)}, dec{Allowed: true, Remaining: 0, ResetAfter: ms(2000)})},
	{ms(500), 4, refused(0, store.RetryNever, dec{Remaining: 2, RetryAfter: store.RetryNever, ResetAfter: ms(100)}, dec{RetryAfter: ms(2000), ResetAfter: ms(2000)})},
	{ms(550), 3, refused(1, ms(1450), dec{Remaining: 2, RetryAfter: ms(50), ResetAfter: ms(50)}, dec{RetryAfter: ms(1450), ResetAfter: ms(1950)})},
	{3 * time.Second, 0, admitted(dec{Allowed: true, Remaining: 3}, dec{Allowed: true, Remaining: 4})},
	{3 * time.Second, 3, admitted(dec{Allowed: true, Remaining: 0, ResetAfter: ms(300)}, dec{Allowed: true, Remaining: 1, ResetAfter: ms(1500)})},
}

func sameMulti(a, b store.MultiDecision) bool { return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b) }

// TestRedisMultiLimitTimelineMatchesMemory runs the timeline on Redis and
// on store.Memory with the same test clock.
func TestRedisMultiLimitTimelineMatchesMemory(t *testing.T) {
	clock := newFakeClock()
	start := clock.Now()
	rs := newTestStore(t, redistest.Addr(t), Config{Now: clock.Now})
	mem, _ := store.NewMemory(store.MemoryConfig{Now: clock.Now})
	for i, s := range multiTimeline {
		clock.Set(start.Add(s.at))
		got, err := rs.AllowAll(ctx, "client", multiLimits, s.cost)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		memGot, _ := mem.AllowAll(ctx, "client", multiLimits, s.cost)
		if !sameMulti(got, s.want) || !sameMulti(memGot, s.want) {
			t.Errorf("step %d (t=%v cost=%d):\nredis  %+v\nmemory %+v\nwant   %+v", i, s.at, s.cost, got, memGot, s.want)
		}
	}
}

// TestRedisRefusalBySecondLimitLeavesFirstUncharged: the stored state of
// the first limit is byte for byte the same after any number of requests
// the second limit refused.
func TestRedisRefusalBySecondLimitLeavesFirstUncharged(t *testing.T) {
	rs := newTestStore(t, redistest.Addr(t), Config{})
	limits := []store.NamedLimit{
		{Name: "second", Limit: store.Limit{Rate: 20, Period: time.Second, Burst: 40}},
		{Name: "day", Limit: store.Limit{Rate: 2, Period: 24 * time.Hour, Burst: 2}},
	}
	for i := range 2 {
		if md, err := rs.AllowAll(ctx, "k", limits, 1); err != nil || !md.Allowed {
			t.Fatalf("request %d: %+v %v", i, md, err)
		}
	}
	keys := rs.limitKeys("k", limits)
	before, err := rs.client.Get(ctx, keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		md, err := rs.AllowAll(ctx, "k", limits, 1)
		if err != nil || md.Allowed || md.Refused != 1 || !md.Limits[0].Allowed {
			t.Fatalf("daily quota spent: %+v %v, want refused by limit 1 with room in limit 0", md, err)
		}
	}
	after, _ := rs.client.Get(ctx, keys[0]).Result()
	if after != before {
		t.Errorf("first limit's state went from %s to %s while the second refused", before, after)
	}
	// A key whose first limit refuses: nothing is written for the second.
	spent := []store.NamedLimit{limits[1], {Name: "fresh", Limit: limits[0].Limit}}
	_, _ = rs.AllowAll(ctx, "k", spent, 1)
	if n, _ := rs.client.Exists(ctx, rs.limitKeys("k", spent)[1]).Result(); n != 0 {
		t.Error("a refused request wrote the state of a limit that had room")
	}
}

// TestRedisMultiLimitConcurrentExact: two replicas on one key admit
// exactly the tighter burst and charge the looser limit exactly as often.
func TestRedisMultiLimitConcurrentExact(t *testing.T) {
	addr := redistest.Addr(t)
	rs := newTestStore(t, addr, Config{})
	other := newTestStore(t, addr, Config{Prefix: rs.prefix})
	limits := []store.NamedLimit{
		{Name: "loose", Limit: store.Limit{Rate: 1, Period: time.Hour, Burst: 1000}},
		{Name: "tight", Limit: store.Limit{Rate: 1, Period: time.Hour, Burst: 60}},
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		replica := []*Store{rs, other}[w%2]
		wg.Go(func() {
			for range 20 {
				md, err := replica.AllowAll(ctx, "shared", limits, 1)
				if err != nil {
					t.Error(err)
					return
				}
				if md.Allowed {
					n.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := n.Load(); got != 60 {
		t.Errorf("admitted %d, want exactly the tight burst 60", got)
	}
	md, err := rs.AllowAll(ctx, "shared", limits[:1], 0)
	if err != nil || md.Limits[0].Remaining != 940 {
		t.Errorf("loose limit: %+v %v, want 940 remaining", md, err)
	}
}

// TestRedisMultiLimitCorruptLaterKey: a corrupt state in any limit is an
// error, and the limits before it are not charged.
func TestRedisMultiLimitCorruptLaterKey(t *testing.T) {
	rs := newTestStore(t, redistest.Addr(t), Config{})
	keys := rs.limitKeys("k", multiLimits)
	if err := rs.client.Set(ctx, keys[1], "garbage", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := rs.AllowAll(ctx, "k", multiLimits, 1)
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("corrupt second limit: %v, want a plain error", err)
	}
	if _, err := rs.client.Get(ctx, keys[0]).Result(); !errors.Is(err, redis.Nil) {
		t.Errorf("first limit written despite the error: %v", err)
	}
}
