package redisstore

import (
	"errors"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// TestCorruptStateIsAnErrorNotACrash: keys overwritten with the wrong
// type or garbage (by an operator, another program, an attacker with
// Redis access) give errors, never panics or made-up decisions.
func TestCorruptStateIsAnErrorNotACrash(t *testing.T) {
	rs := newTestStore(t, redistest.Addr(t), Config{})
	c := rs.client
	limit := store.Limit{Rate: 1, Period: time.Second, Burst: 5}
	marks := rs.markKeys("ban")
	for _, tc := range []struct {
		name    string
		corrupt func() error
		op      func() error
	}{
		{"gcra key holds garbage",
			func() error { return c.Set(ctx, rs.key("gcra", "k1"), "garbage", 0).Err() },
			func() error { _, err := rs.Allow(ctx, "k1", limit, 1); return err }},
		{"gcra key holds an absurd time",
			func() error { return c.Set(ctx, rs.key("gcra", "k2"), "1e300.5", 0).Err() },
			func() error { _, err := rs.Allow(ctx, "k2", limit, 1); return err }},
		{"gcra key holds nanoseconds out of range",
			func() error { return c.Set(ctx, rs.key("gcra", "k3"), "1700000000.9999999999", 0).Err() },
			func() error { _, err := rs.Allow(ctx, "k3", limit, 1); return err }},
		{"gcra key holds a far-future time",
			func() error { return c.Set(ctx, rs.key("gcra", "k8"), "99999999999.0", 0).Err() },
			func() error { _, err := rs.Allow(ctx, "k8", limit, 1); return err }},
		{"gcra key is a list",
			func() error { return c.RPush(ctx, rs.key("gcra", "k4"), "x").Err() },
			func() error { _, err := rs.Allow(ctx, "k4", limit, 1); return err }},
		{"counter key is a list",
			func() error { return c.RPush(ctx, rs.key("ctr", "k"), "x").Err() },
			func() error { _, err := rs.Incr(ctx, "k", time.Minute, 1); return err }},
		{"counter count is not a number",
			func() error {
				_, err := rs.Incr(ctx, "k5", time.Hour, 1)
				if err == nil {
					err = c.HSet(ctx, rs.key("ctr", "k5"), "c", "many").Err()
				}
				return err
			},
			func() error { _, err := rs.Incr(ctx, "k5", time.Hour, 1); return err }},
		{"distinct key is not a HyperLogLog",
			func() error {
				_, err := rs.AddDistinct(ctx, "k6", "m", time.Hour)
				if err == nil {
					err = c.Set(ctx, rs.key("dst", "k6")+":h", "not an hll", 0).Err()
				}
				return err
			},
			func() error { _, err := rs.AddDistinct(ctx, "k6", "m2", time.Hour); return err }},
		{"mark is not JSON",
			func() error {
				err := rs.PutMark(ctx, "ban", store.Mark{Key: "m1", Until: time.Now().Add(time.Hour)})
				if err == nil {
					err = c.HSet(ctx, marks[0], "m1", "{not json").Err()
				}
				return err
			},
			func() error { _, _, err := rs.GetMark(ctx, "ban", "m1"); return err }},
		{"mark list holds a bad mark",
			func() error { return nil }, // m1 from the previous case
			func() error { _, err := rs.ListMarks(ctx, "ban", 10); return err }},
		{"mark hash is a string",
			func() error { return c.Set(ctx, rs.markKeys("ban2")[1], "x", 0).Err() },
			func() error { _, _, err := rs.GetMark(ctx, "ban2", "m"); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.corrupt(); err != nil {
				t.Fatal(err)
			}
			err := tc.op()
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, store.ErrUnavailable) {
				t.Errorf("corruption reported as unavailability: %v", err)
			}
		})
	}
}

// TestNonceOverAnyKeyIsSeen: SET NX on an existing key of any type
// answers "seen", the safe reading for a replay cache.
func TestNonceOverAnyKeyIsSeen(t *testing.T) {
	rs := newTestStore(t, redistest.Addr(t), Config{})
	if err := rs.client.HSet(ctx, rs.key("nonce", "k"), "a", "b").Err(); err != nil {
		t.Fatal(err)
	}
	if seen, err := rs.FirstSeen(ctx, "k", time.Minute); seen || err != nil {
		t.Errorf("FirstSeen over a hash: %v %v, want false, nil", seen, err)
	}
}
