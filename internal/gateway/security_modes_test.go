package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/sampleapi"
)

// Monitor modes of the rate-limit policies and of credential routes, the
// RateLimit fields on admitted responses, the brute-force delay metric and
// the API-key header the brute-force guard reads, through the gateway.

// wantRateLimitItem checks a RateLimit member "<name>";r=<r>;t=<t> with t
// in [tLo, tHi] (the store's clock runs while the test does).
func wantRateLimitItem(t *testing.T, got, name string, r, tLo, tHi int) {
	t.Helper()
	prefix := fmt.Sprintf(`"%s";r=%d;t=`, name, r)
	secs, err := strconv.Atoi(strings.TrimPrefix(got, prefix))
	if !strings.HasPrefix(got, prefix) || err != nil || secs < tLo || secs > tHi {
		t.Errorf("RateLimit = %q, want %s<%d..%d>", got, prefix, tLo, tHi)
	}
}

// TestRateLimitModesAndHeaders: a monitored global policy refuses nothing
// but records what it would refuse (flagged Outcomes, rampart_denials_total
// in mode monitor, one event) and shows in no header; an enforced policy
// with the default headers: always puts its fields on every admitted
// response; a headers: on_refusal policy only on its 429.
func TestRateLimitModesAndHeaders(t *testing.T) {
	up := textUpstream(t, "ok")
	g := startGateway(t, gwConfig{rest: trustLoopback + fmt.Sprintf(`
rate_limits:
  - name: trial
    global: true
    mode: monitor
    limits:
      - {requests: 2, per: 1m, burst: 2}
  - name: per-ip
    limits:
      - {requests: 5, per: 1m, burst: 5}
  - name: quiet
    headers: on_refusal
    limits:
      - {requests: 1, per: 1m, burst: 1}
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    rate_limits: [per-ip]
  - name: hush
    path_prefix: /hush
    upstreams: [%q]
    rate_limits: [quiet]
`, up.URL, up.URL)})

	const client = "198.51.100.60"
	var ids []string
	for i := range 5 {
		r := g.from(t, http.MethodGet, "/api/x", client, "")
		if r.status != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200 (trial only monitors), body %q", i+1, r.status, r.body)
		}
		ids = append(ids, r.header.Get("X-Request-Id"))
		// 5 a minute is one per 12s: after the k-th request 5-k remain,
		// full again in k×12s.
		if got := r.header.Values("Ratelimit-Policy"); len(got) != 1 || got[0] != `"per-ip";q=5;w=60` {
			t.Errorf("request %d: RateLimit-Policy = %q, want per-ip's only (monitored policies send none)", i+1, got)
		}
		wantRateLimitItem(t, r.header.Get("Ratelimit"), "per-ip", 4-i, 12*(i+1)-1, 12*(i+1))
	}
	r := g.from(t, http.MethodGet, "/api/x", client, "")
	wantReplyProblem(t, r, http.StatusTooManyRequests, "rate_limited")
	if got := r.header.Get("Ratelimit-Policy"); got != `"per-ip";q=5;w=60` {
		t.Errorf("429: RateLimit-Policy = %q, want per-ip's", got)
	}
	for i, want := range []string{"allowed", "allowed", "flagged", "flagged", "flagged"} {
		if got := g.accessEntry(t, ids[i])["rampart.verdict"]; got != want {
			t.Errorf("request %d: verdict %v, want %s", i+1, got, want)
		}
	}
	// The refused request was flagged by trial too: four monitored denials.
	g.waitMetric(t, "rampart_denials_total", map[string]string{"guard": "ratelimit_ip_monitor", "rule": "trial", "mode": "monitor"}, 4)
	g.waitMetric(t, "rampart_denials_total", map[string]string{"guard": "ratelimit_ip", "rule": "per-ip", "mode": "enforce"}, 1)
	// A protective action is an enforced refusal.
	g.waitMetric(t, "rampart_security_actions_total", map[string]string{"action": "rate_limited", "kind": "ip"}, 1)
	if n := strings.Count(g.events(t), `"rule":{"id":"trial"`); n != 1 {
		t.Errorf("%d events for trial's refusals, want 1:\n%s", n, g.events(t))
	}

	// on_refusal: nothing on the admitted response, the fields on the 429.
	const quiet = "198.51.100.61"
	r = g.from(t, http.MethodGet, "/hush/x", quiet, "")
	if r.status != http.StatusOK || r.header.Get("Ratelimit") != "" || r.header.Get("Ratelimit-Policy") != "" {
		t.Errorf("on_refusal admitted: status %d, RateLimit %q, RateLimit-Policy %q; want 200 without fields",
			r.status, r.header.Get("Ratelimit"), r.header.Get("Ratelimit-Policy"))
	}
	r = g.from(t, http.MethodGet, "/hush/x", quiet, "")
	wantReplyProblem(t, r, http.StatusTooManyRequests, "rate_limited")
	if got := r.header.Get("Ratelimit-Policy"); got != `"quiet";q=1;w=60` {
		t.Errorf("on_refusal 429: RateLimit-Policy = %q", got)
	}
}

// TestBruteForceMonitoredCredentialRoute: a credential route in monitor
// mode delays, refuses, locks out and bans nobody, but counts every
// attempt and records what enforcing would have done: monitored denials
// (in rampart_denials_total, mode monitor) and lockout and ban events
// marked as monitored. No protective action is counted.
func TestBruteForceMonitoredCredentialRoute(t *testing.T) {
	api, err := sampleapi.Start(t.Context(), sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	g := withAdminToken(t, gwConfig{rest: trustLoopback + `
bruteforce:
  account: {delay_after: 3, lock_after: 5}
  delay: {base: 1ms, max: 2ms}
  stuffing: {accounts: 3}
apis:` + credentialAPI("sample", "/api", api.URL(), "{mode: monitor}")})

	// A distributed guess on alice: failures 4 and 5 would be delayed,
	// the fifth locks her account, 6 to 8 would be refused.
	for i := range 8 {
		if r := g.from(t, http.MethodPost, "/api/login", fmt.Sprintf("10.70.%d.1", i), loginBody("alice", "wrong")); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want the upstream's 401", i+1, r.status)
		}
	}
	// Stuffing from one address: it would be banned, and is not.
	const stuffer = "10.71.0.1"
	for i := range 4 {
		if r := g.from(t, http.MethodPost, "/api/login", stuffer, loginBody(fmt.Sprintf("leaked-%d", i), "x")); r.status != http.StatusUnauthorized {
			t.Fatalf("stuffing attempt %d: status %d, want 401", i+1, r.status)
		}
	}
	if r := g.from(t, http.MethodGet, "/api/items/1", stuffer, ""); r.status == http.StatusForbidden {
		t.Errorf("the stuffer was banned by a monitored route: %q", r.body)
	}
	// Alice from a new address would be refused too (flagged), and is let in.
	if r := g.from(t, http.MethodPost, "/api/login", "10.72.0.1", loginBody("alice", "alice-password-1")); r.status != http.StatusOK {
		t.Errorf("alice from a new address: status %d, want 200 (nothing is locked)", r.status)
	}
	g.waitMetric(t, "rampart_denials_total", map[string]string{"guard": "bruteforce", "rule": "delay", "mode": "monitor"}, 2)
	g.waitMetric(t, "rampart_denials_total", map[string]string{"guard": "bruteforce", "rule": "lockout_account", "mode": "monitor"}, 4)
	for _, action := range []string{"lockout", "ban", "delay"} {
		if n := g.metric(t, "rampart_security_actions_total", map[string]string{"action": action}); n != 0 {
			t.Errorf("rampart_security_actions_total{action=%q} = %v, want 0 on a monitored route", action, n)
		}
	}
	events := g.events(t)
	for _, want := range []string{"would be locked out (monitor mode)", "would be banned (monitor mode)"} {
		if !strings.Contains(events, want) {
			t.Errorf("no event saying %q:\n%s", want, events)
		}
	}
	if bans := g.bans(t); len(bans) != 0 {
		t.Errorf("bans %v, want none", bans)
	}
}

// TestBruteForceDelayMetricAndAPIKeyHeader: served delays are counted in
// rampart_security_actions_total{action="delay"}, and the API-key prefix
// is read from authentication.api_keys.header (and from "Authorization:
// ApiKey"), not from a fixed X-API-Key.
func TestBruteForceDelayMetricAndAPIKeyHeader(t *testing.T) {
	g := startGateway(t, gwConfig{rest: trustLoopback + `
authentication:
  api_keys:
    header: X-Partner-Key
bruteforce:
  account: {delay_after: 2, lock_after: 50}
  delay: {base: 1ms, max: 2ms}
  api_key: {failures: 4}
apis:` + credentialAPI("auth", "/auth", credentialUpstream(t).URL, "{}")})
	const key = "rk_partner01_secret"
	attempt := func(i int, h http.Header) reply {
		t.Helper()
		r, err := send(g.client, http.MethodPost, g.url("/auth/login"), fmt.Sprintf("10.80.%d.1", i), loginBody("bob", "wrong"), h)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for i := range 4 {
		if r := attempt(i, http.Header{"X-Partner-Key": {key + strconv.Itoa(i)}}); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, r.status)
		}
	}
	// The key prefix failed four times: locked out, wherever the key is.
	wantReplyProblem(t, attempt(10, http.Header{"X-Partner-Key": {key + "x"}}), http.StatusTooManyRequests, "too_many_attempts")
	wantReplyProblem(t, attempt(11, http.Header{"Authorization": {"ApiKey " + key + "y"}}), http.StatusTooManyRequests, "too_many_attempts")
	// X-API-Key is not this gateway's key header.
	if r := attempt(12, http.Header{"X-Api-Key": {key + "z"}}); r.status != http.StatusUnauthorized {
		t.Errorf("key in X-API-Key: status %d, want 401 (not counted as the partner key)", r.status)
	}
	g.waitMetric(t, "rampart_security_actions_total", map[string]string{"action": "lockout", "kind": "api_key"}, 1)
	// Attempts 3 and 4 (two failures on bob before each) were delayed, and
	// the one from 10.80.12.1 after the refusals (four failures before it).
	g.waitMetric(t, "rampart_security_actions_total", map[string]string{"action": "delay", "kind": "account"}, 3)
}

// TestBruteForceLockedOutFloodIsOneEvent: a locked-out address flooding a
// credential route is refused every time, and every refusal is counted in
// rampart_denials_total, but the flood makes one denial event (per rule,
// key and minute), not one per request.
func TestBruteForceLockedOutFloodIsOneEvent(t *testing.T) {
	g := startGateway(t, gwConfig{rest: trustLoopback + `
bruteforce:
  ip: {failures: 3}
  delay: {base: -1ms}
apis:` + credentialAPI("auth", "/auth", credentialUpstream(t).URL, "{}")})
	const attacker, flood = "10.90.0.1", 40
	for i := range 3 {
		if r := g.from(t, http.MethodPost, "/auth/login", attacker, loginBody(fmt.Sprintf("user%d", i), "wrong")); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, r.status)
		}
	}
	for range flood {
		wantReplyProblem(t, g.from(t, http.MethodPost, "/auth/login", attacker, loginBody("alice", "wrong")),
			http.StatusTooManyRequests, "too_many_attempts")
	}
	g.waitMetric(t, "rampart_denials_total", map[string]string{"guard": "bruteforce", "rule": "lockout_ip", "mode": "enforce"}, flood)
	if n := strings.Count(g.events(t), `"rule":{"id":"lockout_ip"`); n != 1 {
		t.Errorf("%d lockout_ip denial events for %d refusals, want 1", n, flood)
	}
}
