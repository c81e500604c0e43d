package authn

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// meSpec is the spec of apiServer: GET /api/me, secured.
var meSpec = []core.Operation{{Method: "GET", Path: "/api/me", Secured: true, Source: "spec"}}

func scanOf(t *testing.T, url string, profiles ...core.ProfileConfig) *core.Scan {
	t.Helper()
	return checktest.Scan(t, core.Config{Target: url, Operations: meSpec, Profiles: profiles})
}

func titles(s *core.Scan, check string) []string {
	var out []string
	for _, f := range checktest.Findings(s, check) {
		out = append(out, f.Title)
	}
	return out
}

// wantFinding asserts one confirmed finding of check with the CWE and the
// control exchange, and that the forged token is not in the report.
func wantFinding(t *testing.T, s *core.Scan, check string, cwe int, secrets ...string) core.Finding {
	t.Helper()
	fs := checktest.Findings(s, check)
	if len(fs) != 1 {
		t.Fatalf("%s: want one finding, got:%s", check, checktest.Describe(s.Findings()))
	}
	f := fs[0]
	checktest.Complete(t, f)
	for _, sec := range secrets {
		checktest.NoSecret(t, f, sec)
	}
	if f.CWE != cwe || f.OWASP != core.API2Authn || f.Confidence != core.Confirmed {
		t.Errorf("%s: CWE-%d %s %s, want CWE-%d API2 confirmed", check, f.CWE, f.OWASP, f.Confidence, cwe)
	}
	if len(f.Evidence) < 3 || f.Evidence[2].Response == nil || f.Evidence[2].Response.Status != http.StatusUnauthorized {
		t.Errorf("%s: want forged, real and a refused control exchange, got %d exchanges", check, len(f.Evidence))
	}
	if !strings.Contains(f.Curl, "RAMPART_SECRET") {
		t.Errorf("%s: curl does not use $RAMPART_SECRET: %s", check, f.Curl)
	}
	return f
}

func TestJWTNone(t *testing.T) {
	ts := apiServer(t, acceptsNone(strongKey), nil)
	tok := hsToken(t, strongKey, "alice", time.Now().Add(time.Hour))
	s := scanOf(t, ts.URL, checktest.Bearer("user1", tok))
	checktest.Run(t, s, JWTNoneCheck{})
	f := wantFinding(t, s, "authn.jwt_none", 347, tok)
	if !strings.Contains(f.Description, "none, None, NONE, nOnE") {
		t.Errorf("every case variant should be accepted and listed: %s", f.Description)
	}
	if s.SentBy("authn.jwt_none") != 2+len(noneVariants) {
		t.Errorf("sent %d requests, want reference 2 + %d variants", s.SentBy("authn.jwt_none"), len(noneVariants))
	}
}

func TestJWTSignatureNotVerified(t *testing.T) {
	ts := apiServer(t, neverVerifies, nil)
	alice := hsToken(t, strongKey, "alice", time.Now().Add(time.Hour))
	bob := hsToken(t, strongKey, "bob", time.Now().Add(time.Hour))
	s := scanOf(t, ts.URL, checktest.Bearer("user1", alice), checktest.Bearer("user2", bob))
	checktest.Run(t, s, JWTSignatureCheck{})
	got := titles(s, "authn.jwt_signature")
	if len(got) != 2 || got[0] != "JWT accepted without its signature" || got[1] != "Tampered JWT accepted under the original signature" {
		t.Fatalf("findings: %v", got)
	}
	for _, f := range checktest.Findings(s, "authn.jwt_signature") {
		checktest.Complete(t, f)
		checktest.NoSecret(t, f, alice)
		if f.Title == "Tampered JWT accepted under the original signature" {
			for _, want := range []string{"an added claim", "sub → user2's (bob)", "role claims → admin"} {
				if !strings.Contains(f.Description, want) {
					t.Errorf("tamper %q not listed: %s", want, f.Description)
				}
			}
			if len(f.Evidence) != 4 {
				t.Errorf("want user2's real answer as fourth exchange, got %d", len(f.Evidence))
			}
		}
	}
}

func TestJWTConfusion(t *testing.T) {
	iss := newRSIssuer(t)
	extra := map[string]http.HandlerFunc{"GET /.well-known/jwks.json": func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(iss.jwks) }}
	for _, tt := range []struct {
		name string
		v    verifier
		want int
	}{{"confused", confusedRS(&iss.key.PublicKey, iss.pem), 1}, {"pinned", strictRS(&iss.key.PublicKey), 0}} {
		t.Run(tt.name, func(t *testing.T) {
			ts := apiServer(t, tt.v, extra)
			s := scanOf(t, ts.URL, checktest.Bearer("user1", iss.token(t, "alice")))
			checktest.Run(t, s, JWTConfusionCheck{})
			if tt.want == 1 {
				wantFinding(t, s, "authn.jwt_confusion", 347)
			} else if fs := s.Findings(); len(fs) != 0 {
				t.Errorf("pinned RS256: want no findings, got:%s", checktest.Describe(fs))
			}
		})
	}
}

func TestJWTConfusionGivenKey(t *testing.T) {
	iss := newRSIssuer(t)
	ts := apiServer(t, confusedRS(&iss.key.PublicKey, iss.pem), nil)
	s := scanOf(t, ts.URL, checktest.Bearer("user1", iss.token(t, "alice")))
	s.Set(PublicKeyKey, string(iss.pem))
	checktest.Run(t, s, JWTConfusionCheck{})
	f := wantFinding(t, s, "authn.jwt_confusion", 347)
	if !strings.Contains(f.Description, PublicKeyKey) {
		t.Errorf("the key source is not named: %s", f.Description)
	}
}

func TestJWTExpired(t *testing.T) {
	t.Run("waits out a short token", func(t *testing.T) {
		ts := apiServer(t, ignoresExpiry(strongKey), nil)
		s := scanOf(t, ts.URL, checktest.Bearer("user1", hsToken(t, strongKey, "alice", time.Now().Add(time.Second))))
		checktest.Run(t, s, JWTExpiredCheck{Skew: 500 * time.Millisecond})
		wantFinding(t, s, "authn.jwt_expired", 613)
	})
	t.Run("given expired token", func(t *testing.T) {
		ts := apiServer(t, ignoresExpiry(strongKey), nil)
		s := scanOf(t, ts.URL, checktest.Bearer("user1", hsToken(t, strongKey, "alice", time.Now().Add(time.Hour))))
		s.Set(ExpiredTokenKey, hsToken(t, strongKey, "alice", time.Now().Add(-time.Hour)))
		checktest.Run(t, s, JWTExpiredCheck{})
		wantFinding(t, s, "authn.jwt_expired", 613)
	})
	t.Run("expiry enforced", func(t *testing.T) {
		ts := apiServer(t, strictHS(strongKey), nil)
		s := scanOf(t, ts.URL, checktest.Bearer("user1", hsToken(t, strongKey, "alice", time.Now().Add(time.Hour))))
		s.Set(ExpiredTokenKey, hsToken(t, strongKey, "alice", time.Now().Add(-time.Hour)))
		checktest.Run(t, s, JWTExpiredCheck{})
		if fs := s.Findings(); len(fs) != 0 {
			t.Errorf("want none, got:%s", checktest.Describe(fs))
		}
	})
	t.Run("long-lived token is skipped with the reason", func(t *testing.T) {
		ts := apiServer(t, strictHS(strongKey), nil)
		s := scanOf(t, ts.URL, checktest.Bearer("user1", hsToken(t, strongKey, "alice", time.Now().Add(time.Hour))))
		err := JWTExpiredCheck{}.Run(context.Background(), s)
		reason, skipped := core.IsSkip(err)
		if !skipped || !strings.Contains(reason, "jwt.expired_token") {
			t.Errorf("want a skip naming jwt.expired_token, got %v", err)
		}
	})
	t.Run("no expiry", func(t *testing.T) {
		ts := apiServer(t, ignoresExpiry(strongKey), nil)
		s := scanOf(t, ts.URL, checktest.Bearer("user1", hsToken(t, strongKey, "alice", time.Time{})))
		checktest.Run(t, s, JWTExpiredCheck{})
		fs := checktest.Findings(s, "authn.jwt_expired")
		if len(fs) != 1 || fs[0].Title != "JWT without expiry accepted" || fs[0].CWE != 613 {
			t.Fatalf("got:%s", checktest.Describe(fs))
		}
		checktest.Complete(t, fs[0])
	})
}

func TestJWTWeakSecret(t *testing.T) {
	weak := []byte("changeme2024")
	ts := apiServer(t, strictHS(weak), nil)
	s := scanOf(t, ts.URL, checktest.Bearer("user1", hsToken(t, weak, "alice", time.Now().Add(time.Hour))))
	checktest.Run(t, s, JWTWeakSecretCheck{})
	f := wantFinding(t, s, "authn.jwt_weak_secret", 1391, "changeme2024")
	if f.Severity != core.SeverityCritical || !strings.Contains(f.Description, "****2024") {
		t.Errorf("severity %s, description %s", f.Severity, f.Description)
	}
}

func TestUnauthenticated(t *testing.T) {
	open := map[string]http.HandlerFunc{
		"GET /api/profile": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"username":"alice","email":"alice@example.com"}`))
		},
		"GET /api/teaser": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.Header.Get("Authorization") == "" {
				_, _ = w.Write([]byte(`{"login_required":true}`))
				return
			}
			_, _ = w.Write([]byte(`{"orders":[{"id":1}]}`))
		},
	}
	ts := apiServer(t, strictHS(strongKey), open)
	s := checktest.Scan(t, core.Config{Target: ts.URL, Profiles: []core.ProfileConfig{checktest.Bearer("user1", hsToken(t, strongKey, "alice", time.Now().Add(time.Hour)))},
		Operations: []core.Operation{
			{Method: "GET", Path: "/api/me", Secured: true, Source: "spec"},
			{Method: "GET", Path: "/api/profile", Secured: true, Source: "spec"},
			{Method: "GET", Path: "/api/teaser", Secured: true, Source: "spec"},
		}})
	checktest.Run(t, s, UnauthenticatedCheck{})
	fs := checktest.Findings(s, "authn.unauthenticated")
	if len(fs) != 1 || fs[0].Endpoint != "GET /api/profile" || fs[0].CWE != 306 {
		t.Fatalf("want one finding on GET /api/profile, got:%s", checktest.Describe(fs))
	}
	checktest.Complete(t, fs[0])
}

func TestAPIKeyInURL(t *testing.T) {
	const key = "rk_live_0123456789abcdef"
	for _, tt := range []struct {
		name     string
		queryKey bool
		want     int
	}{{"query accepted", true, 1}, {"header only", false, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			extra := map[string]http.HandlerFunc{"GET /api/data": func(w http.ResponseWriter, r *http.Request) {
				k := r.Header.Get("X-API-Key")
				if tt.queryKey && k == "" {
					k = r.URL.Query().Get("api_key")
				}
				if k != key {
					http.Error(w, "unauthorized", http.StatusUnauthorized)
					return
				}
				_, _ = w.Write([]byte(`{"data":[1,2,3]}`))
			}}
			ts := apiServer(t, strictHS(strongKey), extra)
			s := checktest.Scan(t, core.Config{Target: ts.URL,
				Operations: []core.Operation{{Method: "GET", Path: "/api/data", Secured: true, Source: "spec"}},
				Profiles:   []core.ProfileConfig{{Name: "partner", Header: http.Header{"X-Api-Key": {key}}}}})
			checktest.Run(t, s, APIKeyInURLCheck{})
			fs := checktest.Findings(s, "authn.api_key_in_url")
			if len(fs) != tt.want {
				t.Fatalf("got:%s", checktest.Describe(fs))
			}
			for _, f := range fs {
				checktest.Complete(t, f)
				checktest.NoSecret(t, f, key)
				if f.CWE != 598 || !strings.Contains(f.Curl, `api_key='"$RAMPART_SECRET"`) {
					t.Errorf("CWE-%d curl %s", f.CWE, f.Curl)
				}
			}
		})
	}
}

func sampleScan(t *testing.T, hardened bool) *core.Scan {
	t.Helper()
	srv, err := sampleapi.Start(context.Background(), sampleapi.Config{Hardened: hardened}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return checktest.Scan(t, core.Config{Target: srv.URL(), Operations: checktest.Operations(t, sampleapi.Spec()),
		Profiles: checktest.SampleProfiles(t, srv.URL())})
}

func TestAuthnSampleAPI(t *testing.T) {
	s := sampleScan(t, false)
	checktest.Run(t, s, Checks()...)
	fs := s.Findings()
	if len(fs) != 1 {
		t.Fatalf("want only the weak secret, got:%s", checktest.Describe(fs))
	}
	f := wantFinding(t, s, "authn.jwt_weak_secret", 1391, sampleapi.WeakJWTSecret)
	if !strings.Contains(f.Description, "*******23") {
		t.Errorf("the masked key is not named: %s", f.Description)
	}
	skipped := map[string]string{}
	for _, c := range s.Ledger() {
		if c.Status == core.Skipped {
			skipped[c.Check] = c.Reason
		}
	}
	for check, want := range map[string]string{"authn.jwt_confusion": "HS256", "authn.jwt_expired": "jwt.expired_token", "authn.api_key_in_url": "API key"} {
		if !strings.Contains(skipped[check], want) {
			t.Errorf("%s: skip reason %q, want it to mention %q", check, skipped[check], want)
		}
	}
}

func TestAuthnSampleAPIReconSecret(t *testing.T) {
	// A key recon found in an exposed file is tried first.
	s := sampleScan(t, false)
	s.Set(ReconSecretsKey, []string{sampleapi.WeakJWTSecret})
	if got := candidates(s)[0]; got != sampleapi.WeakJWTSecret {
		t.Errorf("first candidate %q", got)
	}
}

func TestAuthnHardenedSampleAPI(t *testing.T) {
	s := sampleScan(t, true)
	checktest.Run(t, s, Checks()...)
	if fs := s.Findings(); len(fs) != 0 {
		t.Errorf("hardened: want no findings, got:%s", checktest.Describe(fs))
	}
	// Not vacuous: the forged tokens were sent and refused.
	tested := map[string]bool{}
	for _, c := range s.Ledger() {
		if c.Status == core.Tested {
			tested[c.Check] = true
		}
	}
	for _, check := range []string{"authn.unauthenticated", "authn.jwt_none", "authn.jwt_signature", "authn.jwt_weak_secret"} {
		if !tested[check] {
			t.Errorf("%s did not test anything: %+v", check, s.Ledger())
		}
	}
}
