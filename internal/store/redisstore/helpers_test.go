package redisstore

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/redistest"
)

var ctx = context.Background()

// newTestStore connects to addr (or cfg.ClusterAddrs) with a unique prefix
// and deletes the prefix's keys when the test ends, best effort: a test
// may have stopped its server.
func newTestStore(t testing.TB, addr string, cfg Config) *Store {
	t.Helper()
	cfg.Addr = addr
	if cfg.Prefix == "" {
		cfg.Prefix = redistest.UniquePrefix(t)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second // generous: tests run under -race on a busy machine
	}
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("connecting to redis at %s: %v", addr, err)
	}
	t.Cleanup(func() {
		defer s.Close()
		_ = redistest.DeleteKeys(ctx, s.client, cfg.Prefix+":*")
	})
	return s
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *fakeClock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }

// evalshaCalls returns each master's EVALSHA count.
func evalshaCalls(t testing.TB, c *redistest.Cluster) []int64 {
	t.Helper()
	out := make([]int64, len(c.Direct))
	for i, d := range c.Direct {
		out[i] = redistest.CommandCalls(t, d)["evalsha"]
	}
	return out
}
