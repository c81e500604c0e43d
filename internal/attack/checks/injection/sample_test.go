package injection

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

func TestChecksAgainstVulnerableSampleAPI(t *testing.T) {
	c := startSample(t, false)
	s := sampleScan(t, c, nil)
	checktest.Run(t, s, Checks()...)

	got := byParam(s.Findings())
	want := []struct {
		key, owasp string
		cwe        int
		proof      string // in the first probe's answer
	}{
		{"injection.sqli GET /api/search query.q", core.APIInjection, 89, "SQL logic error"},
		{"injection.traversal GET /api/files query.name", core.APIInjection, 22, sampleapi.SecretFileMarker},
		{"injection.ssrf POST /api/webhooks/test body./url", core.API7SSRF, 918, "rampart canary"},
		{"injection.xss GET /api/preview query.text", core.APIInjection, 79, "<rampart-xss-"},
	}
	for _, w := range want {
		f, ok := got[w.key]
		if !ok {
			t.Errorf("missing %s; found:\n  %s", w.key, keys(got))
			continue
		}
		checkEvidence(t, f)
		if f.OWASP != w.owasp || f.CWE != w.cwe {
			t.Errorf("%s: %s CWE-%d, want %s CWE-%d", w.key, f.OWASP, f.CWE, w.owasp, w.cwe)
		}
		if r := f.Evidence[0].Response; r == nil || !strings.Contains(r.Body, w.proof) {
			t.Errorf("%s: first probe's answer lacks %q", w.key, w.proof)
		}
		for _, p := range []string{"user1", "user2", "admin"} {
			checktest.NoSecret(t, f, strings.TrimPrefix(s.Profile(p).Header().Get("Authorization"), "Bearer "))
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d findings, want %d:%s", len(got), len(want), checktest.Describe(s.Findings()))
	}
}

func TestChecksAgainstHardenedSampleAPI(t *testing.T) {
	c := startSample(t, true)
	s := sampleScan(t, c, nil)
	checktest.Run(t, s, Checks()...)
	if fs := s.Findings(); len(fs) != 0 {
		t.Fatalf("hardened: %d findings:%s", len(fs), checktest.Describe(fs))
	}
	rows := map[string]core.Coverage{}
	for _, r := range s.Ledger() {
		rows[r.Check+" "+r.Endpoint] = r
	}
	for _, k := range []string{"injection.sqli GET /api/search", "injection.traversal GET /api/files",
		"injection.ssrf POST /api/webhooks/test", "injection.xss GET /api/preview", "injection.nosqli GET /api/items"} {
		if rows[k].Status != core.Tested {
			t.Errorf("%s: %+v, want tested", k, rows[k])
		}
	}
	for k, why := range map[string]string{
		"injection.traversal GET /api/search": "no parameter that names a file",
		"injection.ssrf GET /api/search":      "no URL-like parameter",
		"injection.sqli GET /api/orders":      "no parameters",
		"injection.sqli PUT /api/items/{id}":  "existing resource",
		"injection.xss PATCH /api/users/me":   "existing resource",
	} {
		if r := rows[k]; r.Status != core.Skipped || !strings.Contains(r.Reason, why) {
			t.Errorf("%s: %+v, want skipped because %q", k, r, why)
		}
	}
}

// TestSafeModeSkipsWrites: under --safe only GET and HEAD are injected, so
// the SSRF behind POST is not reached, and the coverage says why.
func TestSafeModeSkipsWrites(t *testing.T) {
	c := startSample(t, false)
	s := sampleScan(t, c, func(cfg *core.Config) { cfg.Safe = true })
	checktest.Run(t, s, Checks()...)
	for _, r := range c.Requests() {
		if !strings.HasPrefix(r, "GET ") && !strings.HasPrefix(r, "HEAD ") {
			t.Errorf("--safe sent %s", r)
		}
	}
	got := byParam(s.Findings())
	if _, ok := got["injection.sqli GET /api/search query.q"]; !ok {
		t.Errorf("--safe missed the SQL injection; found:\n  %s", keys(got))
	}
	for _, r := range s.Ledger() {
		if r.Endpoint == "POST /api/webhooks/test" && (r.Status != core.Skipped || !strings.Contains(r.Reason, "--safe")) {
			t.Errorf("%s %s: %+v, want skipped under --safe", r.Check, r.Endpoint, r)
		}
	}
}

func TestBudgetIsRespected(t *testing.T) {
	checktest.CheckBudgets(t, []int{1, 10, 60}, Checks(), func(t *testing.T, budget int) (*checktest.Server, *core.Scan) {
		c := startSample(t, false)
		return c, sampleScan(t, c, func(cfg *core.Config) { cfg.MaxRequests = budget })
	})
}

// TestTraversalSignatureMatchesSampleSecret keeps the planted secret and the
// signature the traversal check looks for in step.
func TestTraversalSignatureMatchesSampleSecret(t *testing.T) {
	if !traversalTargets[0].sig.MatchString(sampleapi.SecretFileMarker + "x") {
		t.Errorf("signature %s does not match the sample API's marker %q", traversalTargets[0].sig, sampleapi.SecretFileMarker)
	}
}
