package checktest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/authn"
	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/checks/discovery"
	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/ratelimit"
	"github.com/rampartsec/rampart/internal/attack/checks/recon"
	"github.com/rampartsec/rampart/internal/attack/checks/transport"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// chain runs every check of these packages in stage order against the
// sample API, as the engine will, and lists the findings.
func chain(t *testing.T, hardened bool) []string {
	t.Helper()
	srv, err := sampleapi.Start(context.Background(), sampleapi.Config{Hardened: hardened}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	s := checktest.Scan(t, core.Config{Target: srv.URL(), Operations: checktest.Operations(t, sampleapi.Spec()),
		Profiles: checktest.SampleProfiles(t, srv.URL())})
	var checks []core.Check
	for _, cs := range [][]core.Check{recon.Checks(), discovery.Checks(), authn.Checks(), ratelimit.Checks(), transport.Checks(), exposure.Checks()} {
		checks = append(checks, cs...)
	}
	checktest.Run(t, s, checks...)
	var out []string
	for _, f := range s.Findings() {
		checktest.Complete(t, f)
		checktest.NoSecret(t, f, sampleapi.WeakJWTSecret)
		out = append(out, fmt.Sprintf("%s | %s | %s | %s CWE-%d %s", f.Check, f.Endpoint, f.Title, f.OWASP, f.CWE, f.Severity))
	}
	slices.Sort(out)
	t.Logf("hardened=%v: %d requests, %d findings:\n%s", hardened, s.Sent(), len(out), join(out))
	return out
}

func join(lines []string) string {
	s := ""
	for _, l := range lines {
		s += "  " + l + "\n"
	}
	return s
}

func TestChainSampleAPI(t *testing.T) {
	got := chain(t, false)
	want := []string{
		"authn.jwt_weak_secret | GET /api/users/me | JWT HMAC secret is guessable | API2:2023 CWE-1391 critical",
		"discovery.routes | GET /api/debug/vars | Endpoint missing from the spec is live | API9:2023 CWE-489 high",
		"exposure.security_headers |  | Authenticated answers may be cached | API8:2023 CWE-525 low",
		"exposure.security_headers |  | HTML answer without Content-Security-Policy | API8:2023 CWE-693 info",
		"exposure.security_headers |  | X-Content-Type-Options: nosniff missing | API8:2023 CWE-693 low",
		"exposure.sensitive_data | GET /api/admin/users | Other users' email addresses in response | API3:2023 CWE-359 medium",
		"exposure.sensitive_data | GET /api/admin/users | Password hashes in response | API3:2023 CWE-200 high",
		"exposure.sensitive_data | GET /api/orders | Payment card data in response | API3:2023 CWE-213 high",
		"exposure.sensitive_data | GET /api/orders | Secret in response | API3:2023 CWE-200 high",
		"exposure.sensitive_data | GET /api/orders/{id} | Payment card data in response | API3:2023 CWE-213 high",
		"exposure.sensitive_data | GET /api/orders/{id} | Secret in response | API3:2023 CWE-200 high",
		"ratelimit.burst | GET /api/healthz | No rate limiting | API4:2023 CWE-770 medium",
		"ratelimit.login | POST /api/login | No brute-force protection on login | API2:2023 CWE-307 medium",
		"recon.exposed_files | GET /api/debug/vars | Debug endpoint exposed | API8:2023 CWE-489 high",
		"recon.fingerprint |  | Server software disclosed in response headers | API8:2023 CWE-200 low",
		"recon.fingerprint | GET /api/search | Verbose error reveals internals | API8:2023 CWE-209 medium",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing: %s", w)
		}
	}
}

func TestChainHardenedSampleAPI(t *testing.T) {
	// Every flaw switched off, per-client rate and failed-login limits
	// included: nothing to report.
	if got := chain(t, true); len(got) != 0 {
		t.Errorf("hardened findings:\n%s\nwant none", join(got))
	}
}

// TestPlansSendNothing: every check's Plan lists its requests without
// sending one, and every check has a unique id in its stage.
func TestPlansSendNothing(t *testing.T) {
	srv, err := sampleapi.Start(context.Background(), sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s := checktest.Scan(t, core.Config{Target: srv.URL(), Operations: checktest.Operations(t, sampleapi.Spec()),
		Profiles: checktest.SampleProfiles(t, srv.URL())})
	seen := map[string]bool{}
	for _, cs := range [][]core.Check{recon.Checks(), discovery.Checks(), authn.Checks(), ratelimit.Checks(), transport.Checks(), exposure.Checks()} {
		for _, c := range cs {
			if seen[c.ID()] || c.Title() == "" || !slices.Contains(core.Stages, c.Stage()) {
				t.Errorf("check %q: duplicate, untitled or unknown stage %q", c.ID(), c.Stage())
			}
			seen[c.ID()] = true
			if len(c.Plan(s)) == 0 {
				t.Errorf("%s: empty plan", c.ID())
			}
		}
	}
	if s.Sent() != 0 {
		t.Errorf("planning sent %d requests", s.Sent())
	}
}
