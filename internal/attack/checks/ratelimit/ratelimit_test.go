package ratelimit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// sampleScan scans the sample API with alice and admin as profiles, so
// that bob can serve as the throwaway account.
func sampleScan(t *testing.T, hardened bool) *core.Scan {
	t.Helper()
	srv, err := sampleapi.Start(context.Background(), sampleapi.Config{Hardened: hardened}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	var profiles []core.ProfileConfig
	for _, p := range checktest.SampleProfiles(t, srv.URL()) {
		if p.Name != "user2" {
			profiles = append(profiles, p)
		}
	}
	return checktest.Scan(t, core.Config{Target: srv.URL(), Operations: checktest.Operations(t, sampleapi.Spec()), Profiles: profiles})
}

func TestLoginSampleAPI(t *testing.T) {
	for _, tt := range []struct {
		name       string
		hardened   bool
		throwaway  string
		want       int
		severity   core.Severity
		wantReason string
	}{
		{"vulnerable, throwaway account", false, "bob", 1, core.SeverityHigh, "none refused"},
		{"vulnerable, random account", false, "", 1, core.SeverityMedium, "none refused"},
		{"hardened, throwaway account", true, "bob", 0, 0, "defended: attempt 6 got 429"},
		// Hardened also counts failures per client, whatever the account:
		// a random username is refused after ten.
		{"hardened, random account", true, "", 0, 0, "defended: attempt 11 got 429"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := sampleScan(t, tt.hardened)
			if tt.throwaway != "" {
				s.Set(LoginUsernameKey, tt.throwaway)
			}
			checktest.Run(t, s, LoginCheck{})
			fs := checktest.Findings(s, "ratelimit.login")
			if len(fs) != tt.want {
				t.Fatalf("got:%s", checktest.Describe(fs))
			}
			for _, f := range fs {
				checktest.Complete(t, f)
				if f.CWE != 307 || f.OWASP != core.API2Authn || f.Severity != tt.severity || f.Endpoint != "POST /api/login" {
					t.Errorf("got CWE-%d %s %s %s", f.CWE, f.OWASP, f.Severity, f.Endpoint)
				}
			}
			var reason string
			for _, c := range s.Ledger() {
				if c.Check == "ratelimit.login" {
					reason = c.Reason
				}
			}
			if !strings.Contains(reason, tt.wantReason) {
				t.Errorf("ledger reason %q, want %q", reason, tt.wantReason)
			}
			if sent := s.SentBy("ratelimit.login"); sent > DefaultLoginAttempts {
				t.Errorf("sent %d attempts, bound %d", sent, DefaultLoginAttempts)
			}
			// The profiles still work: the check never touched them.
			if _, err := s.Do(context.Background(), core.Request{Path: "/api/users/me", Profile: "user1", Check: "test"}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBurstSampleAPI(t *testing.T) {
	// The vulnerable sample API limits nothing; the hardened one limits
	// each client (bursts of 1,000, more than the probe sends) and says so
	// in RateLimit-Policy on every answer.
	for _, hardened := range []bool{false, true} {
		s := sampleScan(t, hardened)
		checktest.Run(t, s, BurstCheck{})
		fs := checktest.Findings(s, "ratelimit.burst")
		if hardened {
			if len(fs) != 0 {
				t.Fatalf("hardened: got:%s", checktest.Describe(fs))
			}
			for _, c := range s.Ledger() {
				if c.Check == "ratelimit.burst" && !strings.Contains(c.Reason, "a limit is advertised") {
					t.Errorf("hardened: ledger reason %q", c.Reason)
				}
			}
			continue
		}
		if len(fs) != 1 {
			t.Fatalf("vulnerable: got:%s", checktest.Describe(fs))
		}
		f := fs[0]
		checktest.Complete(t, f)
		if f.CWE != 770 || f.OWASP != core.API4Resources || f.Endpoint != "GET /api/healthz" {
			t.Errorf("got CWE-%d %s %s", f.CWE, f.OWASP, f.Endpoint)
		}
		if sent := s.SentBy("ratelimit.burst"); sent != DefaultBurst {
			t.Errorf("sent %d, want exactly the bound %d", sent, DefaultBurst)
		}
	}
}

// limitedServer answers 429 after limit requests, with the headers.
func limitedServer(limit int, advertise string) *httptest.Server {
	var mu sync.Mutex
	n := 0
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		over := limit > 0 && n > limit
		mu.Unlock()
		if advertise != "" {
			w.Header().Set("X-RateLimit-Limit", advertise)
		}
		if over {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
}

func TestBurst(t *testing.T) {
	for _, tt := range []struct {
		name       string
		limit      int
		advertise  string
		want       int
		wantReason string
	}{
		{"limited at 20", 20, "20", 0, "limited at request "},
		{"limit advertised above the burst", 0, "1000", 0, "a limit is advertised"},
		{"unlimited", 0, "", 1, "none limited"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := limitedServer(tt.limit, tt.advertise)
			defer ts.Close()
			s := checktest.Scan(t, core.Config{Target: ts.URL, Operations: []core.Operation{{Method: "GET", Path: "/health", Source: "spec"}}})
			checktest.Run(t, s, BurstCheck{})
			if fs := s.Findings(); len(fs) != tt.want {
				t.Fatalf("got:%s", checktest.Describe(fs))
			}
			reason := s.Ledger()[0].Reason
			if !strings.Contains(reason, tt.wantReason) {
				t.Errorf("reason %q, want %q", reason, tt.wantReason)
			}
			if tt.limit > 0 && s.SentBy("ratelimit.burst") > tt.limit+burstWorkers {
				t.Errorf("sent %d: the burst should stop soon after the first 429", s.SentBy("ratelimit.burst"))
			}
		})
	}
}

func TestLoginRecipeTarget(t *testing.T) {
	var mu sync.Mutex
	var users []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/token" {
			var b struct{ Email, Secret string }
			_ = jsonDecode(r, &b)
			mu.Lock()
			users = append(users, b.Email)
			mu.Unlock()
			if b.Secret == "right" {
				_, _ = w.Write([]byte(`{"access_token":"tok"}`))
				return
			}
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer ts.Close()
	s := checktest.Scan(t, core.Config{Target: ts.URL, Profiles: []core.ProfileConfig{{Name: "user1",
		Login: &core.LoginRecipe{Path: "/auth/token", Body: `{"email":"me@example.com","secret":"right"}`, TokenPointer: "/access_token"}}}})
	s.Set(LoginAttemptsKey, 5)
	checktest.Run(t, s, LoginCheck{})
	fs := checktest.Findings(s, "ratelimit.login")
	if len(fs) != 1 || fs[0].Endpoint != "POST /auth/token" {
		t.Fatalf("got:%s", checktest.Describe(fs))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range users {
		if u == "me@example.com" {
			t.Errorf("the check used the profile's own account")
		}
	}
	if len(users) != 5 {
		t.Errorf("%d attempts, want 5", len(users))
	}
}

func jsonDecode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }
