package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The rate-limit tests use periods of a minute, so that no token refills
// while a test runs on a loaded machine: the counts are exact.

// TestRateLimitGlobalIPPolicy checks a global per-address policy through
// the gateway (OWASP API4:2023): the request over the burst gets 429
// problem+json with Retry-After and the RateLimit-Policy and RateLimit
// fields, another address is not affected, and the metrics move.
func TestRateLimitGlobalIPPolicy(t *testing.T) {
	up := echoUpstream(t, "up")
	g := startGateway(t, gwConfig{rest: trustLoopback + fmt.Sprintf(`
rate_limits:
  - name: per-ip
    global: true
    limits:
      - {requests: 5, per: 1m, burst: 5}
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, up.URL)})

	const attacker, bystander = "198.51.100.7", "198.51.100.8"
	for i := range 5 {
		if r := g.from(t, http.MethodGet, "/api/x", attacker, ""); r.status != http.StatusOK {
			t.Fatalf("request %d within the burst: status %d, body %q", i+1, r.status, r.body)
		}
	}
	r := g.from(t, http.MethodGet, "/api/x", attacker, "")
	wantReplyProblem(t, r, http.StatusTooManyRequests, "rate_limited")
	// One token per 12s: the wait is at most 12s, rounded up.
	wantRetryAfter(t, r, 1, 12)
	if got, want := r.header.Get("RateLimit-Policy"), `"per-ip";q=5;w=60`; got != want {
		t.Errorf("RateLimit-Policy = %q, want %q", got, want)
	}
	rl := r.header.Get("RateLimit")
	if !strings.HasPrefix(rl, `"per-ip";r=0;t=`) {
		t.Errorf("RateLimit = %q, want \"per-ip\";r=0;t=<seconds>", rl)
	} else if secs, err := strconv.Atoi(strings.TrimPrefix(rl, `"per-ip";r=0;t=`)); err != nil || secs < 1 || secs > 12 {
		t.Errorf("RateLimit t in %q, want 1..12 seconds", rl)
	}
	if strings.Contains(r.body, "per-ip") {
		t.Errorf("429 body names the policy: %q", r.body)
	}
	// The refusal is recorded as a denial on the Outcome.
	entry := g.accessEntry(t, r.header.Get("X-Request-Id"))
	if entry["rampart.verdict"] != "denied" {
		t.Errorf("verdict = %v, want denied", entry["rampart.verdict"])
	}

	// Still refused; a different address has its own bucket.
	wantReplyProblem(t, g.from(t, http.MethodGet, "/api/x", attacker, ""), http.StatusTooManyRequests, "rate_limited")
	for i := range 5 {
		if r := g.from(t, http.MethodGet, "/api/y", bystander, ""); r.status != http.StatusOK {
			t.Fatalf("bystander request %d: status %d, body %q", i+1, r.status, r.body)
		}
	}

	g.waitMetric(t, "rampart_security_actions_total", map[string]string{"action": "rate_limited", "kind": "ip"}, 2)
	// rampart_denials_total is counted from denial Events, and the rate
	// limiter emits one per key and minute (Denial.SuppressEvent), so two
	// refusals of one address may count once there.
	g.waitMetricAtLeast(t, "rampart_denials_total", map[string]string{"guard": "ratelimit_ip", "rule": "per-ip", "mode": "enforce"}, 1)
	g.waitMetric(t, "rampart_requests_total", map[string]string{"api": "app", "status": "429", "verdict": "denied"}, 2)
}

// TestRateLimitAPIAndRoutePolicies checks that API-level and route-level
// policies apply where configured, in order, and that a route's cost
// counts in every policy that applies to it.
func TestRateLimitAPIAndRoutePolicies(t *testing.T) {
	up := echoUpstream(t, "up")
	g := startGateway(t, gwConfig{rest: trustLoopback + fmt.Sprintf(`
rate_limits:
  - name: api-ip
    limits:
      - {requests: 10, per: 1m, burst: 10}
  - name: batch
    limits:
      - {requests: 6, per: 1m, burst: 6}
  - name: per-user
    key: identity
    limits:
      - {requests: 1, per: 1m, burst: 1}
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    rate_limits: [api-ip]
    routes:
      - name: batch
        path: /api/batch
        cost: 3
        rate_limits: [batch]
      - name: account
        path: /api/account
        rate_limits: [per-user]
  - name: free
    path_prefix: /free
    upstreams: [%q]
`, up.URL, up.URL)})

	t.Run("api policy", func(t *testing.T) {
		const client = "203.0.113.10"
		for i := range 10 {
			if r := g.from(t, http.MethodGet, "/api/items", client, ""); r.status != http.StatusOK {
				t.Fatalf("request %d: status %d, body %q", i+1, r.status, r.body)
			}
		}
		r := g.from(t, http.MethodGet, "/api/items", client, "")
		wantReplyProblem(t, r, http.StatusTooManyRequests, "rate_limited")
		if got, want := r.header.Get("RateLimit-Policy"), `"api-ip";q=10;w=60`; got != want {
			t.Errorf("RateLimit-Policy = %q, want %q", got, want)
		}
		// An API without the policy is not limited.
		for i := range 15 {
			if r := g.from(t, http.MethodGet, "/free/x", client, ""); r.status != http.StatusOK {
				t.Fatalf("request %d to the unlimited API: status %d", i+1, r.status)
			}
		}
	})

	t.Run("route policy with cost", func(t *testing.T) {
		const client = "203.0.113.11"
		// Each call costs 3: the route's burst of 6 admits two.
		for i := range 2 {
			if r := g.from(t, http.MethodPost, "/api/batch", client, `{}`); r.status != http.StatusOK {
				t.Fatalf("batch call %d: status %d, body %q", i+1, r.status, r.body)
			}
		}
		r := g.from(t, http.MethodPost, "/api/batch", client, `{}`)
		wantReplyProblem(t, r, http.StatusTooManyRequests, "rate_limited")
		if got, want := r.header.Get("RateLimit-Policy"), `"batch";q=6;w=60`; got != want {
			t.Errorf("RateLimit-Policy = %q, want %q", got, want)
		}
		// The API policy counted the three calls at cost 3 (9 of 10; the
		// refused one too, since it is checked first and policies are not
		// transactional): one cheap request is left on the API.
		if r := g.from(t, http.MethodGet, "/api/items", client, ""); r.status != http.StatusOK {
			t.Fatalf("last request within the API policy: status %d, body %q", r.status, r.body)
		}
		r = g.from(t, http.MethodGet, "/api/items", client, "")
		wantReplyProblem(t, r, http.StatusTooManyRequests, "rate_limited")
		if got := r.header.Get("RateLimit-Policy"); got != `"api-ip";q=10;w=60` {
			t.Errorf("RateLimit-Policy = %q, want the API policy", got)
		}
	})

	// Authentication is not wired into the gateway yet, so no request has
	// an identity: an identity-keyed policy skips anonymous requests (the
	// IP policies cover them) instead of lumping them into one bucket.
	t.Run("identity policy skips anonymous requests", func(t *testing.T) {
		for i := range 3 {
			if r := g.from(t, http.MethodGet, "/api/account", "203.0.113.12", ""); r.status != http.StatusOK {
				t.Fatalf("anonymous request %d: status %d, body %q", i+1, r.status, r.body)
			}
		}
	})

	g.waitMetric(t, "rampart_security_actions_total", map[string]string{"action": "rate_limited", "kind": "ip"}, 3)
}
