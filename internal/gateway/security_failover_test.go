package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampartsec/rampart/internal/redistest"
)

// These tests start a redis-server of their own and kill it mid-test (an
// outage, not a shutdown): store.fail_mode decides what clients see until
// it is back, rampart_store_healthy shows the state, and once Redis answers
// again (probed once a second) the limits are shared again.

// addrSource hands out client addresses no other part of a test uses, for
// requests that only drive the store's probing.
type addrSource struct{ n atomic.Int32 }

func (a *addrSource) next() string {
	n := a.n.Add(1)
	return fmt.Sprintf("198.18.%d.%d", n/250, n%250+1)
}

// awaitStoreHealth sends requests from fresh addresses to path (each one
// lets the store probe Redis) until rampart_store_healthy is want.
func awaitStoreHealth(t *testing.T, g *testGateway, path string, fresh *addrSource, want float64) {
	t.Helper()
	eventually(t, fmt.Sprintf("rampart_store_healthy to be %v", want), func() bool {
		if r := g.from(t, http.MethodGet, path, fresh.next(), ""); r.status >= 500 {
			t.Fatalf("request while waiting for the store: status %d, body %q", r.status, r.body)
		}
		return g.metric(t, "rampart_store_healthy", nil) == want
	})
}

// wantStatuses sends one request per gateway in gws (round robin) as client
// and checks each answer's status.
func wantStatuses(t *testing.T, gws []*testGateway, client string, want ...int) {
	t.Helper()
	for i, w := range want {
		g := gws[i%len(gws)]
		r := g.from(t, http.MethodGet, "/api/x", client, "")
		if r.status != w {
			t.Fatalf("request %d as %s (gateway %d): status %d, want %d; body %q", i+1, client, i%len(gws), r.status, w, r.body)
		}
		if w == http.StatusTooManyRequests {
			wantReplyProblem(t, r, w, "rate_limited")
		}
	}
}

// TestRedisOutageFailModeLocal: two replicas (store.replicas: 2) share a
// limit of 4 per minute in Redis; while Redis is down each enforces half
// of it on its own (fail_mode local); once it is back they share again.
func TestRedisOutageFailModeLocal(t *testing.T) {
	rs := redistest.StartServer(t)
	up := textUpstream(t, "ok")
	cfg := redisConfig(rs.Addr(), "rampart", up.URL, `
rate_limits:
  - name: per-ip
    global: true
    limits:
      - {requests: 4, per: 1m, burst: 4}
`)
	cfg.rest = strings.Replace(cfg.rest, "    timeout: 2s\n", "    timeout: 2s\n  fail_mode: local\n  replicas: 2\n", 1)
	gws := []*testGateway{startSecurityGateway(t, cfg), startSecurityGateway(t, cfg)}
	var fresh addrSource
	const ok, limited = http.StatusOK, http.StatusTooManyRequests

	// Shared: four requests in all, wherever they land.
	wantStatuses(t, gws, "192.0.2.1", ok, ok, ok, ok, limited, limited)

	rs.Stop()
	for _, g := range gws {
		awaitStoreHealth(t, g, "/api/x", &fresh, 0)
	}
	// Each replica enforces its share, 4/2, from its own memory.
	for n, g := range gws {
		wantStatuses(t, []*testGateway{g}, fmt.Sprintf("192.0.2.2%d", n), ok, ok, limited)
	}
	// The address refused in Redis starts afresh locally: the outage
	// forgets shared state, at most a replica's share is gained.
	wantStatuses(t, gws[:1], "192.0.2.1", ok, ok, limited)

	rs.Start()
	for _, g := range gws {
		awaitStoreHealth(t, g, "/api/x", &fresh, 1)
	}
	// Shared again: the whole limit, spread over both replicas (the local
	// share would refuse the third request on gateway 0).
	wantStatuses(t, gws, "192.0.2.3", ok, ok, ok, ok, limited, limited)
	for n, g := range gws {
		log := g.stderr.String()
		if !strings.Contains(log, "shared store unavailable, applying fail mode") || !strings.Contains(log, "shared store recovered") {
			t.Errorf("gateway %d did not log the outage and the recovery:\n%s", n, log)
		}
	}
}

// TestRedisOutageFailModeClosed is in security_failclosed_test.go: with
// fail_mode closed the ban check and the brute-force guard refuse too.

// TestRedisOutageFailModeOpen: while Redis is down nothing is limited.
func TestRedisOutageFailModeOpen(t *testing.T) {
	rs := redistest.StartServer(t)
	up := textUpstream(t, "ok")
	cfg := redisConfig(rs.Addr(), "rampart", up.URL, `
rate_limits:
  - name: per-ip
    global: true
    limits:
      - {requests: 2, per: 1m, burst: 2}
`)
	cfg.rest = strings.Replace(cfg.rest, "    timeout: 2s\n", "    timeout: 2s\n  fail_mode: open\n", 1)
	g := startSecurityGateway(t, cfg)
	var fresh addrSource
	const ok, limited = http.StatusOK, http.StatusTooManyRequests
	gws := []*testGateway{g}
	wantStatuses(t, gws, "192.0.2.20", ok, ok, limited)

	rs.Stop()
	awaitStoreHealth(t, g, "/api/x", &fresh, 0)
	wantStatuses(t, gws, "192.0.2.20", ok, ok, ok, ok, ok)

	rs.Start()
	awaitStoreHealth(t, g, "/api/x", &fresh, 1)
	wantStatuses(t, gws, "192.0.2.21", ok, ok, limited)
}
