package demo

import (
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// What this version of Rampart should do with the sample API, which
// `rampart demo --once` checks (and test/e2e runs on every change).

// flaw is one deliberate flaw of the sample API (see the sampleapi package
// doc) as the simulator reports it: a finding of check on endpoint ("" for
// the whole target) under the OWASP category.
type flaw struct {
	check, endpoint, owasp string
}

// planted are the flaws the direct scan must find. The demo's sample API
// signs tokens with the demo key rather than the guessable default (the
// gateway must verify them), so the weak-key flaw is not among them.
var planted = []flaw{
	{"recon.fingerprint", "", core.API8Misconfig},                          // Server / X-Powered-By banners
	{"recon.fingerprint", "GET /api/search", core.API8Misconfig},           // stack trace in an error
	{"recon.exposed_files", "GET /api/debug/vars", core.API8Misconfig},     // unauthenticated debug endpoint
	{"discovery.routes", "GET /api/debug/vars", core.API9Inventory},        // ... and undocumented
	{"ratelimit.login", "POST /api/login", core.API2Authn},                 // no brute-force protection
	{"ratelimit.burst", "GET /api/healthz", core.API4Resources},            // no rate limiting
	{"authz.bola", "GET /api/items/{id}", core.API1BOLA},                   // read others' items
	{"authz.bola", "PUT /api/items/{id}", core.API1BOLA},                   // write others' items
	{"authz.bola", "GET /api/orders/{id}", core.API1BOLA},                  // read others' orders
	{"authz.bfla", "GET /api/admin/users", core.API5BFLA},                  // users call the admin list
	{"authz.mass_assignment", "PATCH /api/users/me", core.API3Property},    // role / is_admin writable
	{"injection.sqli", "GET /api/search", core.APIInjection},               // SQL built by concatenation
	{"injection.traversal", "GET /api/files", core.APIInjection},           // ../private/secret.txt
	{"injection.ssrf", "POST /api/webhooks/test", core.API7SSRF},           // fetches any URL
	{"injection.xss", "GET /api/preview", core.APIInjection},               // text pasted into HTML
	{"resource.page_size", "GET /api/report", core.API4Resources},          // n up to 2,000,000 rounds
	{"exposure.sensitive_data", "GET /api/orders", core.API3Property},      // card numbers, api_secret
	{"exposure.sensitive_data", "GET /api/orders/{id}", core.API3Property}, // ... of any order
	{"exposure.sensitive_data", "GET /api/admin/users", core.API3Property}, // password hashes
}

// gap is a finding the gateway does not stop yet: it must still be found
// through the gateway (so that the list is updated when the defence ships),
// and the table names the planned defence.
type gap struct {
	check, endpoint string // endpoint "" matches any
	titleHas        string
	planned         string
}

// gaps are what this version documents as not yet defended.
var gaps = []gap{
	{check: "exposure.sensitive_data", titleHas: "Payment card data", planned: "DLP masking of responses"},
	{check: "exposure.sensitive_data", titleHas: "Secret in response", planned: "DLP masking of responses"},
	{check: "exposure.sensitive_data", titleHas: "Password hashes", planned: "DLP masking of responses"},
	{check: "exposure.security_headers", titleHas: "may be cached", planned: "response hygiene: Cache-Control on authenticated answers"},
	{check: "exposure.security_headers", titleHas: "Content-Security-Policy", planned: "response hygiene: CSP on HTML answers"},
}

// undefended returns the gap a finding falls under.
func undefended(k findingKey) (gap, bool) {
	for _, g := range gaps {
		if g.check == k.check && (g.endpoint == "" || g.endpoint == k.endpoint) && strings.Contains(k.title, g.titleHas) {
			return g, true
		}
	}
	return gap{}, false
}

// selfCheck lists every result that differs from what this version should
// do: a scan that did not complete, a planted flaw the direct scan missed
// (or filed under another OWASP category), a finding the gateway should
// stop but did not (or could not be tested through it), a documented gap
// that no longer shows (update gaps), a scripted attack with an unexpected
// result.
func selfCheck(direct, through *core.Report, rows []row, scripted []scriptedResult) []string {
	var out []string
	for _, s := range []struct {
		name string
		rep  *core.Report
	}{{"direct", direct}, {"through Rampart", through}} {
		if !s.rep.Complete {
			out = append(out, fmt.Sprintf("the %s scan is incomplete: %s", s.name, strings.Join(s.rep.Incomplete, "; ")))
		}
	}
	for _, p := range planted {
		if !hasFinding(direct, p) {
			out = append(out, fmt.Sprintf("the direct scan did not find %s on %s (%s)", p.check, endpointName(p.endpoint), p.owasp))
		}
	}
	for _, r := range rows {
		_, isGap := undefended(r.key)
		switch {
		case isGap && r.verdict == verdictUntested:
			out = append(out, fmt.Sprintf("%s: not tested through Rampart (%s)", attackName(r.key), r.stoppedBy))
		case isGap && r.verdict != verdictExposed:
			out = append(out, fmt.Sprintf("%s: documented as not yet defended but %s through Rampart (%s); update the gaps list", attackName(r.key), r.verdict, r.stoppedBy))
		case !isGap && r.verdict == verdictExposed:
			out = append(out, fmt.Sprintf("%s: still found through Rampart", attackName(r.key)))
		case !isGap && r.verdict == verdictUntested:
			out = append(out, fmt.Sprintf("%s: not tested through Rampart (%s)", attackName(r.key), r.stoppedBy))
		}
	}
	for _, s := range scripted {
		if !s.direct || s.throughGateway {
			out = append(out, fmt.Sprintf("scripted %s: direct %v, through Rampart %v (want true, false)", s.name, s.direct, s.throughGateway))
		}
	}
	return out
}

func hasFinding(r *core.Report, p flaw) bool {
	for _, f := range r.Findings {
		if f.Check == p.check && f.Endpoint == p.endpoint && f.OWASP == p.owasp {
			return true
		}
	}
	return false
}

func endpointName(e string) string {
	if e == "" {
		return "the whole target"
	}
	return e
}
