package gateway

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/guard/authn"
	"github.com/rampartsec/rampart/internal/guard/ban"
	"github.com/rampartsec/rampart/internal/metrics"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/redistest"
	"github.com/rampartsec/rampart/internal/store"
)

// Bans from any guard (bans.on_denials): a source the injection guard
// refuses 10 times within 5 minutes is banned for an hour on every route,
// on one gateway and on two replicas sharing Redis.

// injectionBans is the bans section of these tests: the documented
// injection entry, with a short cache so the other replica sees the ban
// soon.
const injectionBans = `
bans:
  cache_ttl: 200ms
  on_denials:
    - {name: injection, guard: injection, failures: 10, window: 5m, ban_for: 1h}
`

const (
	sqlInjection = "/api/search?q=%27%20OR%20%271%27%3D%271"
	benignSearch = "/api/search?q=blue+shoes"
)

// banEvents returns the "ban" events in the replicas' event logs as
// (rule, source key) pairs.
func banEvents(t *testing.T, gws []*testGateway) []string {
	t.Helper()
	var out []string
	for _, g := range gws {
		for line := range strings.SplitSeq(g.events(t), "\n") {
			var e struct {
				Event   struct{ Action string }
				Rule    struct{ ID string }
				Rampart struct {
					Guard    string
					Evidence map[string]string
				}
			}
			if json.Unmarshal([]byte(line), &e) == nil && e.Event.Action == "ban" {
				out = append(out, fmt.Sprintf("%s %s %s", e.Rampart.Guard, e.Rule.ID, e.Rampart.Evidence["key"]))
			}
		}
	}
	return out
}

// injectionBan runs the scenario on gws, attempt i going to replica i mod
// len(gws): nine SQL injection attempts are refused and ban nobody; the
// tenth bans the source everywhere, for benign requests too, and nobody
// else.
func injectionBan(t *testing.T, gws []*testGateway) {
	const (
		attacker  = "198.51.100.41"
		bystander = "198.51.100.42"
	)
	call := func(n int, client, path string) reply {
		t.Helper()
		g := gws[n%len(gws)]
		return g.from(t, http.MethodGet, path, client, "")
	}
	for i := range 9 {
		wantReplyProblem(t, call(i, attacker, sqlInjection), http.StatusForbidden, "injection_detected")
	}
	for n, g := range gws {
		if r := call(n, attacker, benignSearch); r.status != http.StatusOK {
			t.Fatalf("benign request on replica %d before the threshold: status %d, body %q", n, r.status, r.body)
		}
		if bans := g.bans(t); len(bans) != 0 {
			t.Fatalf("replica %d lists bans before the threshold: %v", n, bans)
		}
	}
	wantReplyProblem(t, call(9, attacker, sqlInjection), http.StatusForbidden, "injection_detected")
	for n, g := range gws {
		eventually(t, fmt.Sprintf("%s to be banned on replica %d", attacker, n), func() bool {
			return call(n, attacker, benignSearch).status == http.StatusForbidden
		})
		r := call(n, attacker, benignSearch)
		wantReplyProblem(t, r, http.StatusForbidden, "banned")
		wantRetryAfter(t, r, 3000, 3600) // ban_for: 1h
		if bans := g.bans(t); bans["ip:"+attacker] != "injection" || len(bans) != 1 {
			t.Errorf("replica %d /admin/bans: %v, want only ip:%s from injection", n, bans, attacker)
		}
		if r := call(n, bystander, benignSearch); r.status != http.StatusOK {
			t.Errorf("another address on replica %d: status %d, body %q", n, r.status, r.body)
		}
	}
	want := "injection injection ip:" + attacker
	eventually(t, "the ban event", func() bool { return len(banEvents(t, gws)) > 0 })
	if got := banEvents(t, gws); len(got) != 1 || got[0] != want {
		t.Errorf("ban events %q, want exactly [%q]", got, want)
	}
	banned := map[string]string{"action": "ban", "kind": "injection"}
	eventually(t, "the ban to be counted", func() bool {
		return metricSum(t, gws, "rampart_security_actions_total", banned) >= 1
	})
	if got := metricSum(t, gws, "rampart_security_actions_total", banned); got != 1 {
		t.Errorf("%v injection bans counted, want 1", got)
	}
}

// TestInjectionDenialsBanTheSource: bans.on_denials on the memory store.
func TestInjectionDenialsBanTheSource(t *testing.T) {
	cfg := gwConfig{rest: trustLoopback + injectionBans + fmt.Sprintf(`
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, textUpstream(t, "ok").URL)}
	g := withAdminToken(t, cfg)
	injectionBan(t, []*testGateway{g})

	// An operator lifts the ban; the source is served again, and banned
	// anew at its next injection attempt (its count in the window is still
	// over the threshold), not left free until the lifted ban would have
	// ended.
	const attacker = "198.51.100.41"
	if r := g.admin(t, http.MethodDelete, "/admin/bans/ip:"+attacker, testAdminToken, ""); r.status != http.StatusNoContent {
		t.Fatalf("DELETE the ban: status %d, body %q", r.status, r.body)
	}
	eventually(t, "the lifted ban to end", func() bool {
		return g.from(t, http.MethodGet, benignSearch, attacker, "").status == http.StatusOK
	})
	wantReplyProblem(t, g.from(t, http.MethodGet, sqlInjection, attacker, ""), http.StatusForbidden, "injection_detected")
	eventually(t, "the source to be banned again", func() bool {
		return g.bans(t)["ip:"+attacker] == "injection"
	})
	// The ban guard may hold "not banned" for bans.cache_ttl.
	eventually(t, "the new ban to apply", func() bool {
		return g.from(t, http.MethodGet, benignSearch, attacker, "").status == http.StatusForbidden
	})
}

// TestRedisInjectionDenialsBanAcrossReplicas: the attempts alternate
// between two replicas sharing Redis, five each; their denials add up to
// the threshold, and the ban holds on both.
func TestRedisInjectionDenialsBanAcrossReplicas(t *testing.T) {
	addr := redistest.Addr(t)
	cfg := redisConfig(addr, redistest.Prefix(t, addr), textUpstream(t, "ok").URL, injectionBans)
	injectionBan(t, []*testGateway{withAdminToken(t, cfg), withAdminToken(t, cfg)})
}

// denialBanEnv is an env on a memory store with the denial bans of cfg.
func denialBanEnv(t *testing.T, cfg *config.Config) (*env, *store.Memory, error) {
	t.Helper()
	mem, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := metrics.New(metrics.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{log: slog.New(slog.DiscardHandler), metrics: m, store: mem}
	return e, mem, e.addDenialBans(cfg)
}

// TestTokenGuessingCountsGuessesOnly: token guessing is a denial ban on
// the authn guard that ignores the denials that are not guesses (each of
// them, many times over), bans on the guesses, under the source
// "bruteforce", and is off with failures -1.
func TestTokenGuessingCountsGuessesOnly(t *testing.T) {
	e, mem, err := denialBanEnv(t, &config.Config{BruteForce: config.BruteForce{TokenGuessing: config.TokenGuessing{Failures: 3}}})
	if err != nil || len(e.outcomes) != 1 {
		t.Fatalf("addDenialBans: %v, %d sinks; want token guessing alone", err, len(e.outcomes))
	}
	client := netip.MustParseAddr("192.0.2.77")
	deny := func(rule string) {
		e.outcomes[0].WriteOutcome(&pipeline.Outcome{Client: client, Verdict: pipeline.VerdictDenied,
			Denials: []pipeline.Denial{{Guard: "authn", Rule: rule}}})
	}
	banned := func() (store.Mark, bool) {
		m, ok, err := mem.GetMark(t.Context(), ban.Namespace, ban.IPKey(client))
		if err != nil {
			t.Fatal(err)
		}
		return m, ok
	}
	for _, rule := range notGuesses {
		for range 5 {
			deny(rule)
		}
	}
	if _, ok := banned(); ok {
		t.Fatal("denials that are not guesses led to a ban")
	}
	for _, rule := range []string{authn.RuleAPIKeyUnknown, authn.RuleJWTSignature, authn.RuleJWTAlgNone} {
		deny(rule)
	}
	if m, ok := banned(); !ok || m.Source != "bruteforce" {
		t.Errorf("after 3 guesses: ban %+v, %v; want one from bruteforce", m, ok)
	}
	e, _, err = denialBanEnv(t, &config.Config{BruteForce: config.BruteForce{TokenGuessing: config.TokenGuessing{Failures: -1}}})
	if err != nil || len(e.outcomes) != 0 {
		t.Errorf("failures -1: %v, %d sinks; want none", err, len(e.outcomes))
	}
}

// An entry the ban package refuses is blamed on its field. (config.Load
// refuses it first; this is the gateway's own guard against a Config
// built another way.)
func TestDenialBanErrorsAreLocated(t *testing.T) {
	cfg := &config.Config{Bans: config.Bans{OnDenials: []config.BanOnDenials{
		{Name: "injection", Guard: "injection"},
		{Name: "probing", Guard: "schema", Rules: []string{"a"}, IgnoreRules: []string{"b"}},
	}}}
	_, _, err := denialBanEnv(t, cfg)
	if err == nil || !strings.HasPrefix(err.Error(), "bans.on_denials[1]: ") || !strings.Contains(err.Error(), "not both") {
		t.Errorf("err = %v, want one at bans.on_denials[1]", err)
	}
}
