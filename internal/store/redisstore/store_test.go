package redisstore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// TestRedisMatchesMemory drives Redis and store.Memory with the same
// random operations on the same test clock and compares every answer.
func TestRedisMatchesMemory(t *testing.T) {
	clock := newFakeClock()
	rs := newTestStore(t, redistest.Addr(t), Config{Now: clock.Now})
	mem, _ := store.NewMemory(store.MemoryConfig{Now: clock.Now})
	rng := rand.New(rand.NewPCG(7, 11))
	limits := []store.Limit{
		{Rate: 10, Period: time.Second, Burst: 5},
		{Rate: 3, Period: time.Second, Burst: 4}, // 333333.333µs: not a whole microsecond
		{Rate: 100, Period: time.Minute, Burst: 1},
	}
	keys := []string{"a", "b", "203.0.113.9", strings.Repeat("long", 100), "{brace}", "#x"}
	for i := range 2000 {
		clock.Advance(time.Duration(rng.Int64N(int64(300 * time.Millisecond))))
		key := keys[rng.IntN(len(keys))]
		switch op := rng.IntN(5); op {
		case 0, 1:
			l := limits[(i/100)%len(limits)] // one limit per key at a time
			cost := rng.IntN(4)
			got, err := rs.Allow(ctx, fmt.Sprint(key, (i/100)%len(limits)), l, cost)
			want, _ := mem.Allow(ctx, fmt.Sprint(key, (i/100)%len(limits)), l, cost)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("op %d: Allow(%q, %+v, %d):\nredis  %+v\nmemory %+v", i, key, l, cost, got, want)
			}
		case 4:
			// The unnamed limit is Allow's state of the same key.
			k := fmt.Sprint(key, (i/100)%len(limits))
			ls := []store.NamedLimit{{Limit: limits[(i/100)%len(limits)]}, {Name: "b", Limit: limits[1]}, {Name: "c", Limit: limits[2]}}
			ls = ls[rng.IntN(2):] // with or without the unnamed one
			cost := rng.IntN(4)
			got, err := rs.AllowAll(ctx, k, ls, cost)
			want, _ := mem.AllowAll(ctx, k, ls, cost)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
				t.Fatalf("op %d: AllowAll(%q, %+v, %d):\nredis  %+v\nmemory %+v", i, k, ls, cost, got, want)
			}
		case 2:
			n := int64(rng.IntN(5) - 1)
			got, err := rs.Incr(ctx, key, 2*time.Second, n)
			want, _ := mem.Incr(ctx, key, 2*time.Second, n)
			if err != nil || got != want {
				t.Fatalf("op %d: Incr(%q, %d): redis %d %v, memory %d", i, key, n, got, err, want)
			}
		case 3:
			member := fmt.Sprint("user", rng.IntN(20))
			got, err := rs.AddDistinct(ctx, key, member, 3*time.Second)
			want, _ := mem.AddDistinct(ctx, key, member, 3*time.Second)
			if err != nil || got != want {
				t.Fatalf("op %d: AddDistinct(%q, %q): redis %d %v, memory %d", i, key, member, got, err, want)
			}
		}
	}
}

func TestRedisCountersAndReset(t *testing.T) {
	clock := newFakeClock()
	clock.Set(time.Date(2030, 1, 1, 0, 0, 50, 0, time.UTC))
	rs := newTestStore(t, redistest.Addr(t), Config{Now: clock.Now})
	for i, tc := range []struct {
		advance time.Duration
		n, want int64
	}{
		{0, 1, 1}, {5 * time.Second, 2, 3}, {5 * time.Second, 1, 1}, {59 * time.Second, 1, 2}, {10 * time.Minute, 1, 1},
	} {
		clock.Advance(tc.advance)
		if got, err := rs.Incr(ctx, "ip", time.Minute, tc.n); err != nil || got != tc.want {
			t.Errorf("step %d: %d %v, want %d", i, got, err, tc.want)
		}
	}
	if err := rs.Reset(ctx, "ip"); err != nil {
		t.Fatal(err)
	}
	if got, _ := rs.Incr(ctx, "ip", time.Minute, 1); got != 1 {
		t.Errorf("after reset: %d, want 1", got)
	}
}

func TestRedisDistinctLarge(t *testing.T) {
	rs := newTestStore(t, redistest.Addr(t), Config{})
	var got int64
	for i := range 2000 {
		n, err := rs.AddDistinct(ctx, "ip", fmt.Sprint("user", i%1000), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		got = n
	}
	if got < 970 || got > 1030 {
		t.Errorf("1000 distinct members counted %d", got)
	}
}

func TestRedisNonces(t *testing.T) {
	rs := newTestStore(t, redistest.Addr(t), Config{})
	for i, want := range []bool{true, false, false} {
		if got, err := rs.FirstSeen(ctx, "nonce-1", 1500*time.Millisecond); err != nil || got != want {
			t.Errorf("call %d: %v %v, want %v", i, got, err, want)
		}
	}
	if got, _ := rs.FirstSeen(ctx, "nonce-2", time.Minute); !got {
		t.Error("another nonce reported seen")
	}
	// Expiry is Redis's job: check the TTL instead of waiting for it.
	ttl, err := rs.client.PTTL(ctx, rs.key("nonce", "nonce-1")).Result()
	if err != nil || ttl <= time.Second || ttl > 1500*time.Millisecond {
		t.Errorf("nonce TTL %v %v, want about 1.5s", ttl, err)
	}
}

func TestRedisMarks(t *testing.T) {
	clock := newFakeClock()
	rs := newTestStore(t, redistest.Addr(t), Config{Now: clock.Now, MaxMarks: 5})
	mem, _ := store.NewMemory(store.MemoryConfig{Now: clock.Now, MaxMarks: 5})
	now := clock.Now()
	ban := store.Mark{Key: "198.51.100.7", Reason: "credential stuffing", Source: "bruteforce", Since: now, Until: now.Add(time.Hour)}
	if err := rs.PutMark(ctx, "ban", ban); err != nil {
		t.Fatal(err)
	}
	_ = mem.PutMark(ctx, "ban", ban)
	got, ok, err := rs.GetMark(ctx, "ban", ban.Key)
	if err != nil || !ok || got.Key != ban.Key || got.Reason != ban.Reason || got.Source != ban.Source ||
		!got.Since.Equal(ban.Since) || !got.Until.Equal(ban.Until) {
		t.Fatalf("GetMark: %+v %v %v, want %+v", got, ok, err, ban)
	}
	if _, ok, _ := rs.GetMark(ctx, "revoked-jti", ban.Key); ok {
		t.Error("mark visible in another namespace")
	}
	// Fill the namespace on both backends: the same marks are refused.
	for i := range 6 {
		m := store.Mark{Key: fmt.Sprint("k", i), Until: now.Add(time.Duration(i+1) * time.Minute)}
		rerr, merr := rs.PutMark(ctx, "ban", m), mem.PutMark(ctx, "ban", m)
		if errors.Is(rerr, store.ErrFull) != errors.Is(merr, store.ErrFull) || (rerr != nil && !errors.Is(rerr, store.ErrFull)) {
			t.Errorf("put %d: redis %v, memory %v", i, rerr, merr)
		}
	}
	ban.Reason = "updated"
	_ = mem.PutMark(ctx, "ban", ban)
	if err := rs.PutMark(ctx, "ban", ban); err != nil {
		t.Errorf("updating an existing mark in a full namespace: %v", err)
	}
	for _, limit := range []int{0, 3} {
		rl, err := rs.ListMarks(ctx, "ban", limit)
		ml, _ := mem.ListMarks(ctx, "ban", limit)
		if err != nil || keysOf(rl) != keysOf(ml) {
			t.Errorf("ListMarks(%d): redis %s %v, memory %s", limit, keysOf(rl), err, keysOf(ml))
		}
	}
	clock.Advance(150 * time.Second) // k0 and k1 expire
	rl, _ := rs.ListMarks(ctx, "ban", 0)
	ml, _ := mem.ListMarks(ctx, "ban", 0)
	if keysOf(rl) != keysOf(ml) || strings.Contains(keysOf(rl), "k0") {
		t.Errorf("after expiry: redis %s, memory %s", keysOf(rl), keysOf(ml))
	}
	if err := rs.PutMark(ctx, "ban", store.Mark{Key: "new", Until: clock.Now().Add(time.Hour)}); err != nil {
		t.Errorf("room after expiry: %v", err)
	}
	if ok, err := rs.DeleteMark(ctx, "ban", ban.Key); !ok || err != nil {
		t.Errorf("DeleteMark: %v %v", ok, err)
	}
	if ok, _ := rs.DeleteMark(ctx, "ban", ban.Key); ok {
		t.Error("second DeleteMark reported a mark")
	}
	if ok, _ := rs.DeleteMark(ctx, "ban", "k0"); ok {
		t.Error("DeleteMark reported an expired mark")
	}
	// A put with a past Until lifts the mark.
	_ = rs.PutMark(ctx, "ban", store.Mark{Key: "new", Until: clock.Now()})
	if _, ok, _ := rs.GetMark(ctx, "ban", "new"); ok {
		t.Error("mark survived a put with a past Until")
	}
}

func keysOf(ms []store.Mark) string {
	var ks []string
	for _, m := range ms {
		ks = append(ks, m.Key)
	}
	return strings.Join(ks, ",")
}
