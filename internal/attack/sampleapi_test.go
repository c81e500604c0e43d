package attack

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// The figures a full scan of the sample API must meet: every check, the
// three profiles, within the request budget the CLI defaults to. Time is
// logged, not asserted (the machine is shared and noisy).
const (
	fullScanMaxRequests = 3000
	fullScanDuration    = 2 * time.Minute // a bound against a hang, not the target
)

// plantedFlaw is one deliberate flaw of the sample API (its package doc) as
// the simulator must report it: check, endpoint ("" for the whole target),
// a word of the title where one check reports several flaws on one
// endpoint, and the OWASP API Top 10 2023 category.
type plantedFlaw struct {
	name, check, endpoint, titleHas, owasp string
}

var plantedFlaws = []plantedFlaw{
	{"BOLA: read another user's item", "authz.bola", "GET /api/items/{id}", "", core.API1BOLA},
	{"BOLA: write another user's item", "authz.bola", "PUT /api/items/{id}", "", core.API1BOLA},
	{"BOLA: read another user's order", "authz.bola", "GET /api/orders/{id}", "", core.API1BOLA},
	{"weak JWT key secret123", "authn.jwt_weak_secret", "*", "", core.API2Authn},
	{"no login lockout", "ratelimit.login", "POST /api/login", "", core.API2Authn},
	{"mass assignment of role / is_admin", "authz.mass_assignment", "PATCH /api/users/me", "", core.API3Property},
	{"card numbers in orders", "exposure.sensitive_data", "GET /api/orders/{id}", "Payment card", core.API3Property},
	{"api_secret in orders", "exposure.sensitive_data", "GET /api/orders/{id}", "Secret", core.API3Property},
	{"password hashes in the admin list", "exposure.sensitive_data", "GET /api/admin/users", "Password hashes", core.API3Property},
	{"report n chooses the cost", "resource.page_size", "GET /api/report", "", core.API4Resources},
	{"no rate limiting", "ratelimit.burst", "GET /api/healthz", "", core.API4Resources},
	{"BFLA: users call the admin list", "authz.bfla", "GET /api/admin/users", "", core.API5BFLA},
	{"SSRF through the webhook test", "injection.ssrf", "POST /api/webhooks/test", "", core.API7SSRF},
	{"Server / X-Powered-By banners", "recon.fingerprint", "", "Server software", core.API8Misconfig},
	{"stack trace in an error", "recon.fingerprint", "GET /api/search", "Verbose error", core.API8Misconfig},
	{"unauthenticated debug endpoint", "recon.exposed_files", "GET /api/debug/vars", "", core.API8Misconfig},
	{"SQL injection", "injection.sqli", "GET /api/search", "", core.APIInjection},
	{"path traversal", "injection.traversal", "GET /api/files", "", core.APIInjection},
	{"reflected XSS", "injection.xss", "GET /api/preview", "", core.APIInjection},
	{"undocumented debug endpoint", "discovery.routes", "GET /api/debug/vars", "", core.API9Inventory},
}

func (p plantedFlaw) matches(f core.Finding) bool {
	return f.Check == p.check && (p.endpoint == "*" || f.Endpoint == p.endpoint) && strings.Contains(f.Title, p.titleHas)
}

// scanSampleAPI runs the full simulator against a fresh sample API, as
// `rampart demo` does: the spec file, login recipes for alice, bob and
// admin, and --safe off (the target is a throwaway in-memory API, and
// mass assignment and SSRF need a write to prove).
func scanSampleAPI(t *testing.T, cfg sampleapi.Config) *core.Report {
	t.Helper()
	api, err := sampleapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	specFile := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(specFile, sampleapi.Spec(), 0o600); err != nil {
		t.Fatal(err)
	}
	profiles := sampleProfiles("alice-password-1")
	profiles = append(profiles, core.ProfileConfig{Name: "admin", CanaryPath: "/api/users/me", Login: &core.LoginRecipe{
		Path: "/api/login", Body: `{"username":"admin","password":"admin-password-3"}`, TokenPointer: "/token"}})
	start := time.Now()
	rep := run(t, Options{Target: srv.URL, SpecFile: specFile, Profiles: profiles, Safe: false,
		MaxRequests: fullScanMaxRequests, Duration: fullScanDuration})
	t.Logf("hardened=%v: %d requests in %s, %d findings, complete=%v", cfg.Hardened, rep.Requests,
		time.Since(start).Round(time.Millisecond), len(rep.Findings), rep.Complete)
	if !rep.Complete {
		t.Errorf("scan incomplete: %v", rep.Incomplete)
	}
	if rep.Requests > fullScanMaxRequests {
		t.Errorf("%d requests, want at most %d", rep.Requests, fullScanMaxRequests)
	}
	return rep
}

// TestFullScanFindsEveryPlantedFlaw: the simulator finds 100% of the
// vulnerable sample API's flaws, each under its OWASP category.
func TestFullScanFindsEveryPlantedFlaw(t *testing.T) {
	rep := scanSampleAPI(t, sampleapi.Config{})
	found := 0
	for _, p := range plantedFlaws {
		var match *core.Finding
		for i, f := range rep.Findings {
			if p.matches(f) {
				match = &rep.Findings[i]
				break
			}
		}
		switch {
		case match == nil:
			t.Errorf("missed %s: no %s finding on %q", p.name, p.check, p.endpoint)
		case match.OWASP != p.owasp:
			t.Errorf("%s: filed under %s, want %s", p.name, match.OWASP, p.owasp)
		default:
			found++
		}
	}
	t.Logf("found %d of %d planted flaws", found, len(plantedFlaws))
	if t.Failed() {
		for _, f := range rep.Findings {
			t.Logf("  finding: %s | %s | %s | %s", f.Check, f.Endpoint, f.Title, f.OWASP)
		}
	}
}

// TestFullScanOfHardenedSampleAPIFindsNothing: with every flaw switched
// off (Config.Hardened), the full simulator reports nothing.
func TestFullScanOfHardenedSampleAPIFindsNothing(t *testing.T) {
	rep := scanSampleAPI(t, sampleapi.Config{Hardened: true})
	for _, f := range rep.Findings {
		t.Errorf("finding on the hardened sample API: %s | %s | %s (%s)", f.Check, f.Endpoint, f.Title, f.Confidence)
	}
}
