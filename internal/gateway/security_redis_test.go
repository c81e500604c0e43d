package gateway

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/redistest"
)

// redisConfig is a gateway configuration on the Redis store at addr under
// prefix, with extra top-level sections (rate_limits, bans, ...) and one
// API at /api. The call timeout is generous: a timeout on a loaded test
// machine would switch the store to its fail mode and spoil the counts.
func redisConfig(addr, prefix, upstream, extra string) gwConfig {
	return gwConfig{rest: trustLoopback + redisStore(addr, prefix, "") + extra + fmt.Sprintf(`
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, upstream)}
}

// sharedRedisConfig is redisConfig on the Redis at REDIS_ADDR, under a
// prefix of the test's own, in front of an upstream answering "ok".
func sharedRedisConfig(t *testing.T, extra string) gwConfig {
	t.Helper()
	addr := redistest.Addr(t)
	return redisConfig(addr, redistest.Prefix(t, addr), textUpstream(t, "ok").URL, extra)
}

// redisStore is the store section for Redis at addr, with extra lines
// (fail_mode, replicas) indented by two spaces.
func redisStore(addr, prefix, extra string) string {
	return fmt.Sprintf(`
store:
  backend: redis
  redis:
    addr: %q
    prefix: %q
    timeout: 2s
%s`, addr, prefix, extra)
}

// TestRedisSharedRateLimit is the shared-store acceptance test: three
// gateway instances sharing one Redis, with one client's traffic spread
// across them, admit within 1% of the configured limit (burst plus what
// refills while the test runs), where three unshared gateways would admit
// three times the burst.
func TestRedisSharedRateLimit(t *testing.T) {
	// 200 per 10s with a burst of 200: one token per 50ms, so the refill
	// during the run is measurable but small next to the burst.
	const (
		burst    = 200
		interval = 50 * time.Millisecond
		requests = 600
		workers  = 6
		client   = "192.0.2.50"
	)
	cfg := sharedRedisConfig(t, `
rate_limits:
  - name: shared
    global: true
    limits:
      - {requests: 200, per: 10s, burst: 200}
`)
	gws := startReplicas(t, cfg, 3)

	tally := newSpreadTally(len(gws))
	var (
		next atomic.Int64
		// Every decision is taken between the first request's send and
		// the last one's answer, and the span from the first decision to
		// the last one includes [first answer, last send].
		lastSend, firstRecv atomic.Int64
	)
	firstRecv.Store(int64(time.Hour))
	start := time.Now()
	runWorkers(t, workers, func() error {
		for {
			i := int(next.Add(1)) - 1
			if i >= requests {
				return nil
			}
			n := i % len(gws)
			sent := time.Since(start)
			r, err := send(gws[n].client, http.MethodGet, gws[n].url("/api/x"), client, "", nil)
			storeMax(&lastSend, sent)
			storeMin(&firstRecv, time.Since(start))
			if err := tally.count(n, r, err); err != nil {
				return err
			}
		}
	})
	elapsed := time.Since(start)
	total := tally.admittedTotal(t)
	// With requests arriving far more often than tokens, GCRA admits the
	// burst plus one token per interval between the first decision and
	// the last: the configured limit over the run. The client cannot see
	// Redis's clock, so that span is bracketed by what it saw.
	spanLo := time.Duration(lastSend.Load() - firstRecv.Load())
	limitLo := float64(burst) + float64(spanLo)/float64(interval)
	limitHi := float64(burst) + float64(elapsed)/float64(interval)
	t.Logf("%d requests in %v (decisions spanning %v..%v): %d admitted, limit over the run %.1f..%.1f",
		requests, elapsed, spanLo, elapsed, total, limitLo, limitHi)
	if limitHi >= requests {
		t.Fatalf("the run took %v: too slow for the limit to bind (%.0f ≥ %d requests)", elapsed, limitHi, requests)
	}
	if lo, hi := 0.99*limitLo, 1.01*limitHi; float64(total) < lo || float64(total) > hi {
		t.Errorf("admitted %d, want within 1%% of the limit over the run, %.1f..%.1f", total, lo, hi)
	}
	wantNoFailMode(t, gws)
}

// TestRedisSharedBans checks that a ban added through one replica's admin
// API is enforced by another within bans.cache_ttl, and that lifting it
// through the other replica works the same way back.
func TestRedisSharedBans(t *testing.T) {
	const cacheTTL = 300 * time.Millisecond
	cfg := sharedRedisConfig(t, `
bans:
  cache_ttl: 300ms
`)
	a, b := withAdminToken(t, cfg), withAdminToken(t, cfg)
	const client = "192.0.2.77"
	// Both replicas have looked the address up and cached "not banned".
	for _, g := range []*testGateway{a, b} {
		if r := g.from(t, http.MethodGet, "/api/x", client, ""); r.status != http.StatusOK {
			t.Fatalf("before the ban: status %d, body %q", r.status, r.body)
		}
	}

	a.ban(t, client, "1h")
	banned := time.Now()
	// The replica that took the ban enforces it at once.
	r := a.from(t, http.MethodGet, "/api/x", client, "")
	wantReplyProblem(t, r, http.StatusForbidden, "banned")
	wantRetryAfter(t, r, 3500, 3600)
	// The other one within its cache TTL (plus scheduling slack).
	awaitStatus(t, b, client, http.StatusForbidden, banned, cacheTTL)
	if src, ok := b.bans(t)["ip:"+client]; !ok || src != "admin" {
		t.Errorf("replica B's /admin/bans: ip:%s source %q (listed %v), want source admin", client, src, ok)
	}
	if r := b.from(t, http.MethodGet, "/api/x", "192.0.2.78", ""); r.status != http.StatusOK {
		t.Errorf("another address on replica B: status %d", r.status)
	}

	// Lifted through B: B at once, A within its cache TTL.
	if r := b.admin(t, http.MethodDelete, "/admin/bans/ip:"+client, testAdminToken, ""); r.status != http.StatusNoContent {
		t.Fatalf("DELETE on replica B: status %d, body %q", r.status, r.body)
	}
	lifted := time.Now()
	if r := b.from(t, http.MethodGet, "/api/x", client, ""); r.status != http.StatusOK {
		t.Fatalf("replica B right after the unban: status %d, body %q", r.status, r.body)
	}
	awaitStatus(t, a, client, http.StatusOK, lifted, cacheTTL)
}

// startReplicas starts n gateways on cfg: replicas sharing its store.
func startReplicas(t *testing.T, cfg gwConfig, n int) []*testGateway {
	t.Helper()
	gws := make([]*testGateway, n)
	for i := range gws {
		gws[i] = startSecurityGateway(t, cfg)
	}
	return gws
}

// runWorkers runs work in n goroutines and, once every one has returned,
// fails the test with an error one returned.
func runWorkers(t *testing.T, n int, work func() error) {
	t.Helper()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := work(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// spreadTally counts the answers to one client's rate-limited traffic
// spread across replicas, per replica.
type spreadTally struct {
	admitted, refused []atomic.Int64
}

func newSpreadTally(replicas int) *spreadTally {
	return &spreadTally{admitted: make([]atomic.Int64, replicas), refused: make([]atomic.Int64, replicas)}
}

// count records the answer r of replica n, or returns the error of the
// exchange; an answer other than 200 or 429 is an error too.
func (s *spreadTally) count(n int, r reply, err error) error {
	switch {
	case err != nil:
		return err
	case r.status == http.StatusOK:
		s.admitted[n].Add(1)
	case r.status == http.StatusTooManyRequests:
		s.refused[n].Add(1)
	default:
		return fmt.Errorf("gateway %d: status %d, body %q", n, r.status, r.body)
	}
	return nil
}

// admittedTotal logs each replica's counts, fails the test when one of
// them admitted or refused nothing (the traffic was not spread), and
// returns how many requests were admitted in all.
func (s *spreadTally) admittedTotal(t *testing.T) int {
	t.Helper()
	total := 0
	for n := range s.admitted {
		a, r := s.admitted[n].Load(), s.refused[n].Load()
		t.Logf("gateway %d: %d admitted, %d refused", n, a, r)
		if a == 0 || r == 0 {
			t.Errorf("gateway %d admitted %d and refused %d: the traffic was not spread", n, a, r)
		}
		total += int(a)
	}
	return total
}

// wantNoFailMode checks that nothing was decided by a fail mode: every
// replica's store stayed healthy and saw no error.
func wantNoFailMode(t *testing.T, gws []*testGateway) {
	t.Helper()
	for n, g := range gws {
		if v := g.metric(t, "rampart_store_healthy", nil); v != 1 {
			t.Errorf("gateway %d: rampart_store_healthy = %v, want 1", n, v)
		}
		if v := g.metric(t, "rampart_store_errors_total", nil); v != 0 {
			t.Errorf("gateway %d: rampart_store_errors_total = %v, want 0", n, v)
		}
	}
}

// storeMax and storeMin keep the largest and smallest duration seen.
func storeMax(v *atomic.Int64, d time.Duration) {
	for {
		old := v.Load()
		if int64(d) <= old || v.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

func storeMin(v *atomic.Int64, d time.Duration) {
	for {
		old := v.Load()
		if int64(d) >= old || v.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// awaitStatus polls g as client until it answers want, and fails when
// that takes longer than ttl (plus slack for a loaded machine) after since.
func awaitStatus(t *testing.T, g *testGateway, client string, want int, since time.Time, ttl time.Duration) {
	t.Helper()
	const slack = 2 * time.Second
	for {
		r := g.from(t, http.MethodGet, "/api/x", client, "")
		if r.status == want {
			t.Logf("status %d after %v (cache TTL %v)", want, time.Since(since).Round(time.Millisecond), ttl)
			return
		}
		if time.Since(since) > ttl+slack {
			t.Fatalf("still status %d %v after the change, want %d within the cache TTL %v", r.status, time.Since(since), want, ttl)
		}
		time.Sleep(pollInterval)
	}
}
