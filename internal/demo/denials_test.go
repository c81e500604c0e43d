package demo

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// outcome is what the gateway hands the recorder for one request.
func outcome(check, method, path string, authed bool, ds ...pipeline.Denial) *pipeline.Outcome {
	o := &pipeline.Outcome{Method: method, Path: path, UserAgent: core.UserAgent(check), Denials: ds,
		Client: netip.MustParseAddr("127.0.0.1"), Status: 200}
	if authed {
		o.Identity = &pipeline.Identity{Subject: "bob"}
	}
	return o
}

func deny(guard, rule string, status int) pipeline.Denial {
	return pipeline.Denial{Guard: guard, Rule: rule, Code: rule, Status: status}
}

// TestUserAgentNamesTheCheck: the recorder reads the check id from the
// User-Agent the simulator sends.
func TestUserAgentNamesTheCheck(t *testing.T) {
	if got := core.UserAgent("authz.bola"); got != simulatorAgent+"authz.bola" {
		t.Fatalf("simulator User-Agent %q does not start with %q", got, simulatorAgent)
	}
}

func TestStoppedBy(t *testing.T) {
	r := newDenialRecorder()
	for _, o := range []*pipeline.Outcome{
		// BFLA: the anonymous control refused by authn, the users by authz.
		outcome("authz.bfla", "GET", "/api/admin/users", false, deny("authn", "authn_missing", 401)),
		outcome("authz.bfla", "GET", "/api/admin/users", true, deny("authz", "missing_role", 403)),
		outcome("authz.bfla", "GET", "/api/admin/users", true, deny("authz", "missing_role", 403)),
		// BOLA: other ids than the direct scan's evidence; one rate limited.
		outcome("authz.bola", "GET", "/api/items/11", true, deny("objects", "object_not_served", 403)),
		outcome("authz.bola", "GET", "/api/items/12", true, deny("ratelimit_identity", "per-user", 429)),
		outcome("authz.bola", "GET", "/api/items/12", true, deny("ratelimit_identity", "per-user", 429)),
		outcome("authz.bola", "GET", "/api/items", true),
		// The verbose-error probe went through: hygiene masked the trace,
		// though the check's other requests were denied.
		outcome("recon.fingerprint", "GET", "/api/search", true),
		outcome("recon.fingerprint", "POST", "/api/login", false, deny("schema", "malformed_json", 400)),
		// Only rate limiting refused the burst.
		outcome("ratelimit.burst", "GET", "/api/healthz", false),
		outcome("ratelimit.burst", "GET", "/api/healthz", false, deny("ratelimit_ip", "per-ip", 429)),
		// Not the simulator: ignored.
		{Method: "GET", Path: "/api/search", UserAgent: "curl/8.5.0", Denials: []pipeline.Denial{deny("injection", "sqli", 403)}},
		{Method: "GET", Path: "/api/search", UserAgent: simulatorAgent, Denials: []pipeline.Denial{deny("injection", "sqli", 403)}},
	} {
		r.WriteOutcome(o)
	}
	anon := func(m, p string) requestKey { return requestKey{method: m, path: p} }
	user := func(m, p string) requestKey { return requestKey{method: m, path: p, authed: true} }
	for _, tc := range []struct {
		name, check, endpoint string
		evidence              []requestKey
		want                  string
	}{
		{"profile evidence outranks the anonymous control", "authz.bfla", "GET /api/admin/users",
			[]requestKey{anon("GET", "/api/admin/users"), user("GET", "/api/admin/users")}, "authz (missing_role)"},
		{"anonymous evidence only", "authz.bfla", "GET /api/admin/users",
			[]requestKey{anon("GET", "/api/admin/users")}, "authn (authn_missing)"},
		{"other ids: the endpoint decides, rate limits last", "authz.bola", "GET /api/items/{id}",
			[]requestKey{user("GET", "/api/items/3")}, "objects (object_not_served)"},
		{"the same request passed: masked", "recon.fingerprint", "GET /api/search",
			[]requestKey{user("GET", "/api/search")}, ""},
		{"rate limiting alone", "ratelimit.burst", "GET /api/healthz",
			[]requestKey{anon("GET", "/api/healthz")}, "ratelimit_ip (per-ip)"},
		{"nothing seen for the finding: the check's denials", "recon.fingerprint", "",
			[]requestKey{anon("GET", "/")}, "schema (malformed_json)"},
		{"a check that never reached the gateway", "injection.sqli", "GET /api/search",
			[]requestKey{user("GET", "/api/search")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.stoppedBy(tc.check, tc.evidence, tc.endpoint); got != tc.want {
				t.Errorf("stoppedBy = %q, want %q", got, tc.want)
			}
		})
	}
	if n := r.requests("authz.bola"); n != 4 {
		t.Errorf("authz.bola: %d requests recorded, want 4", n)
	}
	if n := len(r.checks); n != 4 {
		t.Errorf("%d checks recorded, want 4 (other clients and an empty check id are ignored)", n)
	}
}

func TestTop(t *testing.T) {
	for _, tc := range []struct {
		name string
		ds   map[denial]int
		want string
	}{
		{"none", nil, ""},
		{"most frequent", map[denial]int{{Guard: "injection", Rule: "sqli"}: 5, {Guard: "objects", Rule: "object_not_served"}: 2}, "injection (sqli)"},
		{"codes of one rule add up", map[denial]int{{Guard: "authz", Rule: "role", Code: "a"}: 2, {Guard: "authz", Rule: "role", Code: "b"}: 2,
			{Guard: "authn", Rule: "authn_missing"}: 3}, "authz (role)"},
		{"rate limiting last", map[denial]int{{Guard: "ratelimit_ip", Rule: "per-ip"}: 50, {Guard: "bruteforce", Rule: "lockout_account"}: 1}, "bruteforce (lockout_account)"},
		{"shedding is throttling too", map[denial]int{{Guard: "shed"}: 9, {Guard: "objects"}: 1}, "objects"},
		{"ties by name", map[denial]int{{Guard: "schema", Rule: "x"}: 1, {Guard: "authz", Rule: "y"}: 1}, "authz (y)"},
		{"rule equal to the guard", map[denial]int{{Guard: "objects", Rule: "objects"}: 1}, "objects"},
	} {
		if got := top(tc.ds); got != tc.want {
			t.Errorf("%s: top = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMatchesEndpoint(t *testing.T) {
	for _, tc := range []struct {
		endpoint, request string
		want              bool
	}{
		{"GET /api/items/{id}", "GET /api/items/7", true},
		{"GET /api/items/{id}", "PUT /api/items/7", false},
		{"GET /api/items/{id}", "GET /api/items", false},
		{"GET /api/items/{id}", "GET /api/items/", false},
		{"GET /api/items/{id}", "GET /api/items/7/x", false},
		{"GET /api/users/me", "GET /api/users/me", true},
		{"GET /api/a/{x}/b/{y}", "GET /api/a/1/b/2", true},
		{"GET /api/a/{x}/b/{y}", "GET /api/a/1/c/2", false},
		{"garbage", "GET /", false},
		{"GET /", "garbage", false},
	} {
		if got := matchesEndpoint(tc.endpoint, tc.request); got != tc.want {
			t.Errorf("matchesEndpoint(%q, %q) = %v", tc.endpoint, tc.request, got)
		}
	}
}

// TestRecorderIsBounded: a flood of checks and paths from a misbehaving
// client stops growing the maps at their bounds.
func TestRecorderIsBounded(t *testing.T) {
	r := newDenialRecorder()
	for i := range maxRecordedChecks + 10 {
		r.WriteOutcome(outcome(fmt.Sprintf("c%d", i), "GET", "/", false))
	}
	for i := range maxPathsPerCheck + 10 {
		r.WriteOutcome(outcome("c0", "GET", fmt.Sprintf("/p%d", i), false,
			deny("g", fmt.Sprintf("rule%d", i), 403), deny("g", fmt.Sprintf("other%d", i), 403)))
	}
	if n := len(r.checks); n != maxRecordedChecks {
		t.Errorf("%d checks, want the bound %d", n, maxRecordedChecks)
	}
	cl := r.checks["c0"]
	if n := len(cl.byPath); n != maxPathsPerCheck {
		t.Errorf("%d paths, want the bound %d", n, maxPathsPerCheck)
	}
	if n := len(cl.all.denials); n != maxDenialsPerBucket {
		t.Errorf("%d distinct denials, want the bound %d", n, maxDenialsPerBucket)
	}
	if cl.all.requests != maxPathsPerCheck+11 {
		t.Errorf("%d requests counted, want %d (counting is not bounded)", cl.all.requests, maxPathsPerCheck+11)
	}
}

// FuzzRecorder: whatever User-Agent, method and path a client sends, the
// recorder neither panics nor grows past its bounds, and its answers are
// labels of recorded denials.
func FuzzRecorder(f *testing.F) {
	f.Add("rampart-attack/authz.bola", "GET", "/api/items/1", "objects", "GET /api/items/{id}")
	f.Add("rampart-attack/", "", "", "", "")
	f.Add("rampart-attack/x/y z", "PATCH", "/a/../b?c", "schema", "PATCH /a/{x}")
	f.Add("curl", "GET", "/", "", "GET /{}")
	f.Fuzz(func(t *testing.T, ua, method, path, guard, endpoint string) {
		r := newDenialRecorder()
		for range 3 {
			r.WriteOutcome(&pipeline.Outcome{UserAgent: ua, Method: method, Path: path,
				Denials: []pipeline.Denial{{Guard: guard, Rule: "r", Status: 403}}})
		}
		check, _ := strings.CutPrefix(ua, simulatorAgent)
		got := r.stoppedBy(check, []requestKey{{method: method, path: path}}, endpoint)
		if got != "" && !strings.HasPrefix(got, guard) {
			t.Errorf("stoppedBy = %q, not a label of guard %q", got, guard)
		}
		if len(r.checks) > 1 {
			t.Errorf("%d checks from one User-Agent", len(r.checks))
		}
		_ = matchesEndpoint(endpoint, method+" "+path)
	})
}
