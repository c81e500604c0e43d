package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// TestTestPrefixCleanupFindsEveryKey: on a private server, every key
// every operation writes (plain, hashed and named-limit forms) starts with
// "<prefix>:", so redistest.Prefix's cleanup, which tests sharing one
// Redis rely on, leaves the server empty.
func TestTestPrefixCleanupFindsEveryKey(t *testing.T) {
	srv := redistest.StartServer(t)
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr(), DisableIdentity: true, Protocol: 2})
	defer admin.Close()
	var prefix string
	t.Run("store", func(t *testing.T) {
		prefix = redistest.Prefix(t, srv.Addr())
		rs, err := New(ctx, Config{Addr: srv.Addr(), Prefix: prefix, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		until := time.Now().Add(time.Hour)
		for _, k := range []string{"203.0.113.9", "a{b}", "#raw", strings.Repeat("k", maxRawKey+1)} {
			for _, op := range []func() error{
				func() error {
					_, err := rs.Allow(ctx, k, store.Limit{Rate: 1, Period: time.Second, Burst: 1}, 1)
					return err
				},
				func() error { _, err := rs.AllowAll(ctx, k, threeLimits, 1); return err },
				func() error { _, err := rs.Incr(ctx, k, time.Minute, 1); return err },
				func() error { _, err := rs.AddDistinct(ctx, k, "m", time.Minute); return err },
				func() error { _, err := rs.FirstSeen(ctx, k, time.Minute); return err },
				func() error { return rs.PutMark(ctx, "ban", store.Mark{Key: k, Until: until}) },
			} {
				if err := op(); err != nil {
					t.Fatalf("key %.20q: %v", k, err)
				}
			}
		}
		keys, err := admin.Keys(ctx, "*").Result()
		if err != nil || len(keys) == 0 {
			t.Fatalf("KEYS *: %v %v; want every operation's keys", keys, err)
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, prefix+":") {
				t.Errorf("key %q does not start with %q: the test cleanup misses it", k, prefix+":")
			}
		}
	})
	if n, err := admin.DBSize(ctx).Result(); err != nil || n != 0 {
		t.Errorf("after the test's cleanup: %d keys left, %v", n, err)
	}
}
