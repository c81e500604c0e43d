package exposure

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// sampleScan starts the sample API and returns a scan of it with the
// spec's operations, the debug endpoint discovery would add, and the three
// seeded users as profiles.
func sampleScan(t *testing.T, hardened bool) *core.Scan {
	t.Helper()
	srv, err := sampleapi.Start(context.Background(), sampleapi.Config{Hardened: hardened}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ops := append(checktest.Operations(t, sampleapi.Spec()),
		core.Operation{Method: "GET", Path: "/api/debug/vars", Source: "discovered"})
	return checktest.Scan(t, core.Config{Target: srv.URL(), Operations: ops, Profiles: checktest.SampleProfiles(t, srv.URL())})
}

func byTitle(fs []core.Finding) map[string][]core.Finding {
	out := map[string][]core.Finding{}
	for _, f := range fs {
		out[f.Title] = append(out[f.Title], f)
	}
	return out
}

func TestSensitiveDataSampleAPI(t *testing.T) {
	s := sampleScan(t, false)
	checktest.Run(t, s, SensitiveDataCheck{})
	fs := checktest.Findings(s, "exposure.sensitive_data")
	got := map[string]bool{}
	for _, f := range fs {
		checktest.Complete(t, f)
		got[f.Title+" "+f.Endpoint] = true
		for _, secret := range []string{"4111111111111111", "sapi_secret_alice_7d3f0c9e2b1a48e6", "secret123"} {
			checktest.NoSecret(t, f, secret)
		}
		if f.OWASP != core.API3Property {
			t.Errorf("%s: OWASP %s, want API3", f.Title, f.OWASP)
		}
	}
	for _, want := range []string{
		"Payment card data in response GET /api/orders",
		"Payment card data in response GET /api/orders/{id}",
		"Secret in response GET /api/orders",
		"Password hashes in response GET /api/admin/users",
		"Other users' email addresses in response GET /api/admin/users",
		"Secret in response GET /api/debug/vars",
	} {
		if !got[want] {
			t.Errorf("missing finding %q; got:%s", want, checktest.Describe(fs))
		}
	}
	for _, f := range fs {
		if f.Title == "Payment card data in response" && f.CWE != 213 {
			t.Errorf("card finding CWE-%d, want 213", f.CWE)
		}
		if f.Title == "Password hashes in response" && !strings.Contains(f.Description, "unsalted") {
			t.Errorf("hash finding does not say unsalted: %s", f.Description)
		}
	}
}

func TestSensitiveDataHardenedSampleAPI(t *testing.T) {
	s := sampleScan(t, true)
	checktest.Run(t, s, SensitiveDataCheck{}, VerboseErrorsCheck{}, SecurityHeadersCheck{}, CORSCheck{})
	if fs := s.Findings(); len(fs) != 0 {
		t.Errorf("hardened sample API: want no findings, got:%s", checktest.Describe(fs))
	}
	tested := 0
	for _, c := range s.Ledger() {
		if c.Check == "exposure.sensitive_data" && c.Status == core.Tested {
			tested++
		}
	}
	if tested < 5 {
		t.Errorf("only %d endpoints tested: %+v", tested, s.Ledger())
	}
}

func TestSecurityHeadersSampleAPI(t *testing.T) {
	s := sampleScan(t, false)
	checktest.Run(t, s, SecurityHeadersCheck{})
	got := byTitle(checktest.Findings(s, "exposure.security_headers"))
	for _, title := range []string{"X-Content-Type-Options: nosniff missing", "Authenticated answers may be cached"} {
		fs := got[title]
		if len(fs) != 1 {
			t.Fatalf("want one %q finding, got %d:%s", title, len(fs), checktest.Describe(s.Findings()))
		}
		checktest.Complete(t, fs[0])
		if fs[0].Confidence != core.Tentative || fs[0].Severity > core.SeverityLow {
			t.Errorf("%s: %s/%s, want tentative and at most low", title, fs[0].Confidence, fs[0].Severity)
		}
	}
}

func TestCrawlIsShared(t *testing.T) {
	s := sampleScan(t, false)
	checktest.Run(t, s, SensitiveDataCheck{})
	after := s.Sent()
	checktest.Run(t, s, VerboseErrorsCheck{}, SecurityHeadersCheck{})
	if s.Sent() != after {
		t.Errorf("the second and third crawl checks sent %d requests, want 0", s.Sent()-after)
	}
}

// corsServer reflects any Origin with credentials, as a misconfigured
// framework CORS middleware does.
func corsServer(reflect bool) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && reflect {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		} else {
			w.Header().Set("Access-Control-Allow-Origin", "https://app.example")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"name":"alice"}`))
	}))
}

func TestCORS(t *testing.T) {
	for _, tt := range []struct {
		name    string
		reflect bool
		want    int
	}{{"reflecting", true, 1}, {"allow-list", false, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			ts := corsServer(tt.reflect)
			defer ts.Close()
			s := checktest.Scan(t, core.Config{Target: ts.URL,
				Operations: []core.Operation{{Method: "GET", Path: "/api/me", Secured: true, Source: "spec"}},
				Profiles:   []core.ProfileConfig{checktest.Bearer("user1", "t1")}})
			checktest.Run(t, s, CORSCheck{})
			fs := checktest.Findings(s, "exposure.cors")
			if len(fs) != tt.want {
				t.Fatalf("got %d findings, want %d:%s", len(fs), tt.want, checktest.Describe(fs))
			}
			if tt.want == 1 {
				f := fs[0]
				checktest.Complete(t, f)
				if f.CWE != 942 || f.OWASP != core.API8Misconfig || f.Confidence != core.Confirmed {
					t.Errorf("got CWE-%d %s %s, want CWE-942 API8 confirmed", f.CWE, f.OWASP, f.Confidence)
				}
				if len(f.Evidence) != 2 {
					t.Errorf("want 2 exchanges (evil origin, random origin), got %d", len(f.Evidence))
				}
			}
		})
	}
}
