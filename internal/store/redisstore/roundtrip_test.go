package redisstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// countingHook counts the commands the client sends, connection
// handshakes aside: without pipelining, one command is one round trip.
type countingHook struct{ n atomic.Int64 }

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		switch cmd.Name() {
		case "hello", "auth", "select", "client":
			// A new connection's handshake, not part of an operation.
		default:
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// threeLimits is a policy of three limits: per second, minute and day.
var threeLimits = []store.NamedLimit{
	{Name: "0", Limit: store.Limit{Rate: 20, Period: time.Second, Burst: 40}},
	{Name: "1", Limit: store.Limit{Rate: 600, Period: time.Minute, Burst: 600}},
	{Name: "2", Limit: store.Limit{Rate: 10000, Period: 24 * time.Hour, Burst: 10000}},
}

// TestOneRoundTripPerOperation: on a private redis-server, N operations
// of each kind are N commands sent by the client and, for scripts, N
// EVALSHA calls in INFO commandstats (no EVAL, no extra command).
func TestOneRoundTripPerOperation(t *testing.T) {
	srv := redistest.StartServer(t)
	rs := newTestStore(t, srv.Addr(), Config{})
	hook := &countingHook{}
	rs.client.AddHook(hook)
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr(), DisableIdentity: true, Protocol: 2})
	defer admin.Close()
	until := time.Now().Add(time.Hour)
	banKeys := []string{"ip:203.0.113.7", "net:203.0.113.0/24"}
	results := make([]store.MarkResult, 0, len(banKeys))
	const n = 200
	for _, tc := range []struct {
		name     string
		op       func(i int) error
		cmd      string // the server-side command each op is
		commands int64  // client commands per op
	}{
		{"Allow", func(i int) error {
			_, err := rs.Allow(ctx, "k", store.Limit{Rate: 100, Period: time.Second, Burst: 10}, 1)
			return err
		}, "evalsha", 1},
		{"AllowAll", func(i int) error {
			_, err := rs.AllowAll(ctx, "k", threeLimits, 1)
			return err
		}, "evalsha", 1},
		{"AllowAll refused", func(i int) error {
			_, err := rs.AllowAll(ctx, "spent", []store.NamedLimit{{Name: "a", Limit: store.Limit{Rate: 1, Period: time.Hour, Burst: 1}}, threeLimits[1]}, 1)
			return err
		}, "evalsha", 1},
		{"Incr", func(i int) error { _, err := rs.Incr(ctx, "k", time.Minute, 1); return err }, "evalsha", 1},
		{"AddDistinct", func(i int) error { _, err := rs.AddDistinct(ctx, "k", "m", time.Minute); return err }, "evalsha", 1},
		{"PutMark", func(i int) error { return rs.PutMark(ctx, "ban", store.Mark{Key: "k", Until: until}) }, "evalsha", 1},
		{"GetMark", func(i int) error { _, _, err := rs.GetMark(ctx, "ban", "k"); return err }, "evalsha", 1},
		// An uncached ban check: the client's address and network.
		{"GetMarks", func(i int) error {
			got, err := rs.GetMarks(ctx, "ban", banKeys, results[:0])
			if err == nil && (len(got) != 2 || got[0].Found || got[1].Found) {
				err = fmt.Errorf("GetMarks: %+v, want two not-found results", got)
			}
			return err
		}, "evalsha", 1},
		{"FirstSeen", func(i int) error { _, err := rs.FirstSeen(ctx, "k", time.Minute); return err }, "set", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, sent := redistest.CommandCalls(t, admin), hook.n.Load()
			for i := range n {
				if err := tc.op(i); err != nil {
					t.Fatal(err)
				}
			}
			after := redistest.CommandCalls(t, admin)
			if got := hook.n.Load() - sent; got != n*tc.commands {
				t.Errorf("client sent %d commands for %d operations, want %d", got, n, n*tc.commands)
			}
			if got := after[tc.cmd] - before[tc.cmd]; tc.cmd == "evalsha" && got != n {
				t.Errorf("server ran %d EVALSHA for %d operations", got, n)
			}
			if got := after["eval"] - before["eval"]; got != 0 {
				t.Errorf("server ran %d EVAL: scripts were not preloaded", got)
			}
		})
	}
}

// TestScriptCacheFlushCostsOneExtraTripOnce: after Redis loses its script
// cache (a restart, SCRIPT FLUSH), the next call falls back to EVAL once
// and the script is cached again.
func TestScriptCacheFlushCostsOneExtraTripOnce(t *testing.T) {
	srv := redistest.StartServer(t)
	rs := newTestStore(t, srv.Addr(), Config{})
	if err := rs.client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	limit := store.Limit{Rate: 100, Period: time.Second, Burst: 10}
	for i := range 3 {
		if d, err := rs.Allow(ctx, "k", limit, 1); err != nil || !d.Allowed {
			t.Fatalf("call %d after flush: %+v %v", i, d, err)
		}
	}
	calls := redistest.CommandCalls(t, rs.client)
	if calls["eval"] != 1 {
		t.Errorf("EVAL ran %d times after a flush, want 1", calls["eval"])
	}
}
