package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/redistest"
)

// These tests stop a redis-server of their own mid-test and check what
// store.fail_mode means for the ban check and the brute-force guard (the
// rate-limit side is in security_failover_test.go): closed refuses what
// cannot be checked (503), open checks nothing, local checks against this
// replica's memory.

// credentialUpstream answers a POST to a path ending in /login with 200
// for the password "right" and 401 otherwise, and every other request with
// 200 "ok".
func credentialUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/login") {
			var creds struct{ Password string }
			_ = json.NewDecoder(r.Body).Decode(&creds)
			if creds.Password != "right" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// failModeGateway starts a redis-server of its own (for the test to stop
// and start) and a gateway on it with the given fail mode and ban cache
// TTL, in front of a credentialUpstream: an API "app" with a per-address
// rate limit, an API "free" with neither, and an API "auth" whose
// credential route /auth/login locks addresses out after three failures.
func failModeGateway(t *testing.T, mode, cacheTTL string) (*testGateway, *redistest.Server) {
	t.Helper()
	rs := redistest.StartServer(t)
	up := credentialUpstream(t)
	g := withAdminToken(t, gwConfig{rest: trustLoopback + redisStore(rs.Addr(), "rampart", "  fail_mode: "+mode+"\n") + fmt.Sprintf(`
bans:
  cache_ttl: %s
bruteforce:
  ip: {failures: 3}
  delay: {base: -1ms}
rate_limits:
  - name: per-ip
    limits:
      - {requests: 100, per: 1m, burst: 100}
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    rate_limits: [per-ip]
  - name: free
    path_prefix: /free
    upstreams: [%q]`, cacheTTL, up.URL, up.URL) + credentialAPI("auth", "/auth", up.URL, "{}")})
	return g, rs
}

// awaitStoreHealthAny is awaitStoreHealth for fail_mode closed, where every
// request the store cannot check fails: it sends requests from fresh
// addresses (each lets the store probe Redis), whatever they answer, until
// rampart_store_healthy is want.
func awaitStoreHealthAny(t *testing.T, g *testGateway, path string, fresh *addrSource, want float64) {
	t.Helper()
	eventually(t, fmt.Sprintf("rampart_store_healthy to be %v", want), func() bool {
		g.from(t, http.MethodGet, path, fresh.next(), "")
		return g.metric(t, "rampart_store_healthy", nil) == want
	})
}

// wantPublicOnly checks that an answer says nothing about the store.
func wantPublicOnly(t *testing.T, r reply, redisAddr string) {
	t.Helper()
	for _, leak := range []string{"redis", "Redis", redisAddr, "dial", "refused", "unavailable:"} {
		if strings.Contains(r.body, leak) {
			t.Errorf("answer leaks %q: %s", leak, r.body)
		}
	}
}

// TestRedisOutageFailModeClosed: while Redis is down, a request whose ban
// lookup is not cached gets 503 on every route (the ban check cannot
// answer), an attempt on a credential route gets 503 (the brute-force
// guard cannot count it), a rate-limited request gets 429, and a ban
// cannot be stored. Both refusals are problem+json with public text and
// Retry-After, and count as store errors. Once Redis is back, requests are
// admitted again.
func TestRedisOutageFailModeClosed(t *testing.T) {
	// The ban cache (1h) keeps warm's "not banned" through the outage, so
	// its requests reach the guards after the ban check.
	g, rs := failModeGateway(t, "closed", "1h")
	var fresh addrSource
	const warm, banned = "192.0.2.30", "192.0.2.31"

	if r := g.from(t, http.MethodGet, "/api/x", warm, ""); r.status != http.StatusOK {
		t.Fatalf("with Redis up: status %d, body %q", r.status, r.body)
	}
	if r := g.from(t, http.MethodPost, "/auth/login", warm, loginBody("alice", "wrong")); r.status != http.StatusUnauthorized {
		t.Fatalf("login with Redis up: status %d, body %q", r.status, r.body)
	}
	g.ban(t, "ip:"+banned, "1h")
	wantReplyProblem(t, g.from(t, http.MethodGet, "/free/x", banned, ""), http.StatusForbidden, "banned")

	rs.Stop()
	awaitStoreHealthAny(t, g, "/free/x", &fresh, 0)
	for _, path := range []string{"/free/x", "/api/x", "/auth/login"} {
		r := g.from(t, http.MethodGet, path, fresh.next(), "")
		wantReplyProblem(t, r, http.StatusServiceUnavailable, "ban_check_unavailable")
		wantRetryAfter(t, r, 1, 1)
		wantPublicOnly(t, r, rs.Addr())
	}
	r := g.from(t, http.MethodPost, "/auth/login", warm, loginBody("alice", "wrong"))
	wantReplyProblem(t, r, http.StatusServiceUnavailable, "unavailable")
	wantRetryAfter(t, r, 1, 1)
	wantPublicOnly(t, r, rs.Addr())
	r = g.from(t, http.MethodGet, "/api/x", warm, "")
	wantReplyProblem(t, r, http.StatusTooManyRequests, "rate_limited")
	wantRetryAfter(t, r, 1, 1) // the store's probe interval
	r = g.admin(t, http.MethodPost, "/admin/bans", testAdminToken, `{"key":"192.0.2.32","duration":"1h"}`)
	wantReplyProblem(t, r, http.StatusServiceUnavailable, "store_unavailable")
	g.waitMetricAtLeast(t, "rampart_store_errors_total", map[string]string{"component": "ban"}, 3)
	g.waitMetricAtLeast(t, "rampart_store_errors_total", map[string]string{"component": "bruteforce"}, 1)

	rs.Start()
	awaitStoreHealthAny(t, g, "/free/x", &fresh, 1)
	if r := g.from(t, http.MethodGet, "/free/x", fresh.next(), ""); r.status != http.StatusOK {
		t.Errorf("after Redis is back: status %d, body %q", r.status, r.body)
	}
	if r := g.from(t, http.MethodPost, "/auth/login", warm, loginBody("alice", "right")); r.status != http.StatusOK {
		t.Errorf("login after Redis is back: status %d, body %q", r.status, r.body)
	}
}

// TestRedisOutageFailModeOpenChecksNothing: while Redis is down the ban
// check finds no ban and the brute-force guard counts nothing, so nothing
// is refused; nothing fails either.
func TestRedisOutageFailModeOpenChecksNothing(t *testing.T) {
	// No ban cache: every lookup goes to the store.
	g, rs := failModeGateway(t, "open", "-1ms")
	var fresh addrSource
	const banned, guesser = "192.0.2.41", "192.0.2.42"
	g.ban(t, "ip:"+banned, "1h")
	wantReplyProblem(t, g.from(t, http.MethodGet, "/free/x", banned, ""), http.StatusForbidden, "banned")

	rs.Stop()
	awaitStoreHealth(t, g, "/free/x", &fresh, 0)
	if r := g.from(t, http.MethodGet, "/free/x", banned, ""); r.status != http.StatusOK {
		t.Errorf("banned address during the outage: status %d, want 200 (open: bans are not enforced)", r.status)
	}
	for i := range 6 {
		if r := g.from(t, http.MethodPost, "/auth/login", guesser, loginBody("alice", "wrong")); r.status != http.StatusUnauthorized {
			t.Fatalf("failed login %d during the outage: status %d, want the upstream's 401 (nothing is counted)", i+1, r.status)
		}
	}
	rs.Start()
	awaitStoreHealth(t, g, "/free/x", &fresh, 1)
}

// TestRedisOutageFailModeLocalUsesThisReplica: while Redis is down, a ban
// this replica wrote is still enforced (mirrored into its memory) and
// failed logins are counted in its memory, so the lockout still comes.
func TestRedisOutageFailModeLocalUsesThisReplica(t *testing.T) {
	g, rs := failModeGateway(t, "local", "-1ms")
	var fresh addrSource
	const banned, guesser = "192.0.2.51", "192.0.2.52"
	g.ban(t, "ip:"+banned, "1h")

	rs.Stop()
	awaitStoreHealth(t, g, "/free/x", &fresh, 0)
	wantReplyProblem(t, g.from(t, http.MethodGet, "/free/x", banned, ""), http.StatusForbidden, "banned")
	for i := range 3 {
		if r := g.from(t, http.MethodPost, "/auth/login", guesser, loginBody("alice", "wrong")); r.status != http.StatusUnauthorized {
			t.Fatalf("failed login %d during the outage: status %d, want 401", i+1, r.status)
		}
	}
	r := g.from(t, http.MethodPost, "/auth/login", guesser, loginBody("alice", "right"))
	wantReplyProblem(t, r, http.StatusTooManyRequests, "too_many_attempts")
	if g.metric(t, "rampart_store_errors_total", map[string]string{"component": "ban"}) != 0 {
		t.Error("local mode: the ban check saw store errors; the fallback should have answered")
	}
	rs.Start()
	awaitStoreHealth(t, g, "/free/x", &fresh, 1)
}
