package redisstore

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// TestFailModesWithRedisStopped kills a private redis-server mid-test:
// each configured fail mode holds while it is down, and every store
// recovers on its first probe after the restart, with one log line and
// one callback per transition.
func TestFailModesWithRedisStopped(t *testing.T) {
	srv := redistest.StartServer(t)
	clock := newFakeClock()
	limit := store.Limit{Rate: 10, Period: time.Second, Burst: 4}
	type replica struct {
		f           *store.Failover
		rs          *Store
		logs        *bytes.Buffer
		mu          sync.Mutex
		transitions []bool
	}
	replicas := map[store.FailMode]*replica{}
	for _, mode := range []store.FailMode{store.FailOpen, store.FailClosed, store.FailLocal} {
		r := &replica{logs: &bytes.Buffer{}}
		r.rs = newTestStore(t, srv.Addr(), Config{Timeout: 500 * time.Millisecond})
		mem, _ := store.NewMemory(store.MemoryConfig{Now: clock.Now})
		f, err := store.NewFailover(r.rs, mem, store.FailoverConfig{
			Mode: mode, Replicas: 2, RetryEvery: time.Second, Now: clock.Now,
			Logger: slog.New(slog.NewTextHandler(r.logs, nil)),
			OnTransition: func(healthy bool) {
				r.mu.Lock()
				defer r.mu.Unlock()
				r.transitions = append(r.transitions, healthy)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		r.f = f
		replicas[mode] = r
		// Healthy: Redis decides; a ban is written through.
		if d, err := f.Allow(ctx, "client", limit, 1); err != nil || !d.Allowed || d.Remaining != 3 {
			t.Fatalf("%s healthy: %+v %v", mode, d, err)
		}
		if err := f.PutMark(ctx, "ban", store.Mark{Key: "attacker", Until: clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}

	srv.Stop()

	// The store itself reports unavailability, never a decision.
	if _, err := replicas[store.FailOpen].rs.Allow(ctx, "client", limit, 1); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("redis stopped: %v, want ErrUnavailable", err)
	}
	for mode, r := range replicas {
		admitted := 0
		for range 10 {
			d, err := r.f.Allow(ctx, "client", limit, 1)
			if err != nil {
				t.Fatalf("%s: Allow while down: %v", mode, err)
			}
			if d.Allowed {
				admitted++
			}
		}
		want := map[store.FailMode]int{store.FailOpen: 10, store.FailClosed: 0, store.FailLocal: 2}[mode]
		if admitted != want {
			t.Errorf("%s: admitted %d of 10 while Redis is down, want %d", mode, admitted, want)
		}
		_, banned, err := r.f.GetMark(ctx, "ban", "attacker")
		switch mode {
		case store.FailOpen:
			if banned || err != nil {
				t.Errorf("open: GetMark %v %v, want no mark, no error", banned, err)
			}
		case store.FailClosed:
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("closed: GetMark error %v, want ErrUnavailable", err)
			}
		case store.FailLocal:
			if !banned || err != nil {
				t.Errorf("local: GetMark %v %v, want the mirrored ban", banned, err)
			}
		}
		// An uncached ban check answers as GetMark does for each key.
		got, err := r.f.GetMarks(ctx, "ban", []string{"attacker", "nobody"}, nil)
		if mode == store.FailClosed {
			if !errors.Is(err, store.ErrUnavailable) || len(got) != 0 {
				t.Errorf("closed: GetMarks %+v %v, want ErrUnavailable", got, err)
			}
		} else if err != nil || len(got) != 2 || got[0].Found != banned || got[1].Found {
			t.Errorf("%s: GetMarks %+v %v, want attacker found=%v as GetMark, nobody not", mode, got, err, banned)
		}
		if r.f.Healthy() {
			t.Errorf("%s: still healthy", mode)
		}
	}

	srv.Start()
	clock.Advance(time.Second)
	for mode, r := range replicas {
		d, err := r.f.Allow(ctx, "fresh-client", limit, 1)
		if err != nil || !d.Allowed || !r.f.Healthy() {
			t.Errorf("%s: first probe after restart: %+v %v, healthy %v", mode, d, err, r.f.Healthy())
		}
		// Served by Redis again (its data went with the restart).
		n, err := r.rs.Incr(ctx, "after", time.Minute, 1)
		if err != nil || n != 1 {
			t.Errorf("%s: Redis after restart: %d %v", mode, n, err)
		}
		r.mu.Lock()
		if got := fmt.Sprint(r.transitions); got != "[false true]" {
			t.Errorf("%s: transitions %s, want [false true]", mode, got)
		}
		r.mu.Unlock()
		if logs := r.logs.String(); strings.Count(logs, "\n") != 2 {
			t.Errorf("%s: want 2 log lines:\n%s", mode, logs)
		}
	}
}

// TestNewWhileRedisDown: New returns a working store with an
// ErrUnavailable error, and the store connects once Redis is up.
func TestNewWhileRedisDown(t *testing.T) {
	srv := redistest.StartServer(t)
	srv.Stop()
	s, err := New(ctx, Config{Addr: srv.Addr(), Prefix: redistest.UniquePrefix(t), Timeout: 500 * time.Millisecond})
	if !errors.Is(err, store.ErrUnavailable) || s == nil {
		t.Fatalf("New with Redis down: %v, %v; want a store and ErrUnavailable", s, err)
	}
	defer s.Close()
	srv.Start()
	if d, err := s.Allow(ctx, "k", store.Limit{Rate: 1, Period: time.Second, Burst: 1}, 1); err != nil || !d.Allowed {
		t.Errorf("after Redis started: %+v %v", d, err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Addr: "127.0.0.1:1", Prefix: "a{b"},
		{Addr: "127.0.0.1:1", Prefix: strings.Repeat("p", 65)},
		{Addr: "127.0.0.1:1", Timeout: -1},
		{Addr: "127.0.0.1:1", PoolSize: -1},
		{Addr: "127.0.0.1:1", DB: -1},
		{Addr: "127.0.0.1:1", ClusterAddrs: []string{"127.0.0.1:2"}},
		{ClusterAddrs: []string{"127.0.0.1:2"}, DB: 1},
		{ClusterAddrs: []string{"127.0.0.1:2", ""}},
	} {
		if s, err := New(ctx, cfg); err == nil || s != nil {
			t.Errorf("New(%+v): %v, want a config error and no store", cfg, err)
		}
	}
}

// TestNewRefusesBadPassword: a login error is not an outage.
func TestNewRefusesBadPassword(t *testing.T) {
	srv := redistest.StartServer(t, "--requirepass", "the-password")
	s, err := New(ctx, Config{Addr: srv.Addr(), Password: "not-the-password", Timeout: time.Second})
	if err == nil || s != nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("bad password: %v %v, want a plain error and no store", s, err)
	}
	if err != nil && strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("error leaks the password: %v", err)
	}
	s, err = New(ctx, Config{Addr: srv.Addr(), Password: "the-password", Prefix: redistest.UniquePrefix(t), Timeout: time.Second})
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	defer s.Close()
	if _, err := s.Incr(ctx, "k", time.Minute, 1); err != nil {
		t.Errorf("right password: %v", err)
	}
}
