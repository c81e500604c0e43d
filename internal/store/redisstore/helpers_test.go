package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var ctx = context.Background()

// redisAddr returns REDIS_ADDR or skips. CI greps the skip message and
// fails when a Redis test was skipped there: keep it exact.
func redisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		t.Skip("REDIS_ADDR not set")
	}
	return addr
}

func randomPrefix(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "rampart-test-" + hex.EncodeToString(b)
}

// newTestStore connects to addr with a random prefix and deletes the
// prefix's keys when the test ends.
func newTestStore(t testing.TB, addr string, cfg Config) *Store {
	t.Helper()
	cfg.Addr = addr
	if cfg.Prefix == "" {
		cfg.Prefix = randomPrefix(t)
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
		_ = deleteKeys(s.client, cfg.Prefix+":*")
	})
	return s
}

// deleteKeys deletes the keys matching pattern, best effort (a test may
// have stopped its server). On Cluster it scans every master (a SCAN sees
// one node's keys) and deletes key by key (one DEL of keys in different
// slots is refused with CROSSSLOT).
func deleteKeys(c redis.UniversalClient, pattern string) error {
	del := func(ctx context.Context, node redis.UniversalClient) error {
		iter := node.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return del(ctx, node) })
	}
	return del(ctx, c)
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

// redisServer is a redis-server process owned by one test, on a free
// loopback port, without persistence.
type redisServer struct {
	t     testing.TB
	port  string
	dir   string
	extra []string
	cmd   *exec.Cmd
}

func (r *redisServer) Addr() string { return net.JoinHostPort("127.0.0.1", r.port) }

// startRedis starts a private redis-server. It runs with the other Redis
// tests (REDIS_ADDR set); with REDIS_ADDR set, a missing redis-server is a
// failure, not a skip.
func startRedis(t testing.TB, extraArgs ...string) *redisServer {
	t.Helper()
	redisAddr(t)
	return newRedisServer(t, extraArgs...)
}

// freePort returns a loopback TCP port nobody listens on right now.
func freePort(t testing.TB) string { return freePorts(t, 1)[0] }

// freePorts returns n distinct free loopback ports: all are held open
// until the last is found, so none is handed out twice.
func freePorts(t testing.TB, n int) []string {
	t.Helper()
	ports := make([]string, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// newRedisServer starts a redis-server on a free port, stopped when the
// test ends.
func newRedisServer(t testing.TB, extraArgs ...string) *redisServer {
	t.Helper()
	return newRedisServerOn(t, freePort(t), extraArgs...)
}

// newRedisServerOn starts a redis-server on port, in its own temporary
// directory (its working directory: relative paths in extraArgs land
// there), stopped when the test ends.
func newRedisServerOn(t testing.TB, port string, extraArgs ...string) *redisServer {
	t.Helper()
	r := &redisServer{t: t, port: port, dir: t.TempDir(), extra: extraArgs}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

func (r *redisServer) Start() {
	r.t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		r.t.Fatalf("redis-server not found: %v", err)
	}
	args := append([]string{"--port", r.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log")}, r.extra...)
	r.cmd = exec.Command(bin, args...)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("starting redis-server: %v", err)
	}
	// Await readiness: PING until it answers (the process gives no other
	// signal).
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1, DisableIdentity: true, Protocol: 2})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := c.Ping(ctx).Err()
		if err == nil || strings.HasPrefix(err.Error(), "NOAUTH") {
			return // up (and asking for a password, if one was set)
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			r.t.Fatalf("redis-server on %s not ready: %v\n%s", r.Addr(), err, strings.TrimSpace(string(log)))
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// Stop kills the server (SIGKILL: an outage, not a clean shutdown).
func (r *redisServer) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// commandCalls returns INFO commandstats call counts per command.
func commandCalls(t testing.TB, c redis.UniversalClient) map[string]int64 {
	t.Helper()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int64{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		for field := range strings.SplitSeq(rest, ",") {
			if v, ok := strings.CutPrefix(field, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				calls[strings.TrimPrefix(name, "cmdstat_")] = n
			}
		}
	}
	return calls
}
