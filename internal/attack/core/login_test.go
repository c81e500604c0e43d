package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/sampleapi"
)

func startSampleAPI(t *testing.T) string {
	t.Helper()
	srv, err := sampleapi.Start(context.Background(), sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv.URL()
}

func sampleLogin(user, pass string) *LoginRecipe {
	return &LoginRecipe{Path: "/api/login", Body: fmt.Sprintf(`{"username":%q,"password":%q}`, user, pass), TokenPointer: "/token"}
}

func TestLoginRecipeAgainstSampleAPI(t *testing.T) {
	base := startSampleAPI(t)
	s := newTestScan(t, Config{Target: base, Profiles: []ProfileConfig{
		{Name: "user1", Login: sampleLogin("alice", "alice-password-1"), CanaryPath: "/api/users/me"},
		{Name: "admin", Login: sampleLogin("admin", "admin-password-3")},
	}})
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatalf("Login: %v", err)
	}
	resp, err := s.Do(ctx, Request{Path: "/api/users/me", Profile: "user1", Check: "c"})
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("GET /api/users/me as user1: %v %v", resp, err)
	}
	var me struct{ Username string }
	if err := json.Unmarshal(resp.Body, &me); err != nil || me.Username != "alice" {
		t.Errorf("user1 is %q (%v), want alice", me.Username, err)
	}
	if tok := s.Profile("user1").Token(); tok == "" || strings.Contains(fmt.Sprint(resp.Exchange.Request.Header), tok) {
		t.Errorf("token missing, or recorded in evidence: %v", resp.Exchange.Request.Header)
	}
	for _, pi := range s.ProfileInfos() {
		if !pi.Working || pi.Detail != "logged in via POST /api/login" {
			t.Errorf("profile info %+v", pi)
		}
	}
}

func TestLoginRecipeFailureNamesStepAndStatus(t *testing.T) {
	base := startSampleAPI(t)
	s := newTestScan(t, Config{Target: base, Profiles: []ProfileConfig{
		{Name: "user2", Login: sampleLogin("bob", "wrong-password")},
	}})
	err := s.Login(context.Background())
	var le *LoginError
	if !errors.As(err, &le) {
		t.Fatalf("Login err = %v, want a *LoginError", err)
	}
	if le.Status != http.StatusUnauthorized || le.Step != "POST /api/login" || le.Profile != "user2" {
		t.Errorf("LoginError = %+v", le)
	}
	if msg := err.Error(); strings.Contains(msg, "wrong-password") || !strings.Contains(msg, "401") {
		t.Errorf("message %q: want the status, never the password", msg)
	}
	if s.ProfileWorking("user2") {
		t.Error("a profile that cannot log in is working")
	}
	if _, err := s.Do(context.Background(), Request{Path: "/api/users/me", Profile: "user2", Check: "c"}); !errors.Is(err, ErrProfileDown) {
		t.Errorf("Do as a broken profile: err = %v, want ErrProfileDown", err)
	}
}

// tokenAPI is a tiny API whose tokens the test can break: each login
// issues tok-N; /me accepts only the newest token; revoke() invalidates it,
// lock() also makes logins fail (an account locked by a brute-force probe).
type tokenAPI struct {
	*httptest.Server
	mu      sync.Mutex
	issued  int
	valid   string
	locked  bool
	logins  int
	refuseN int // after this many /me answers, revoke (0: never)
	served  int
}

func newTokenAPI(t *testing.T) *tokenAPI {
	a := &tokenAPI{}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *tokenAPI) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.URL.Path {
	case "/login":
		a.logins++
		if a.locked {
			w.WriteHeader(http.StatusLocked)
			return
		}
		a.issued++
		a.valid = fmt.Sprintf("tok-%d", a.issued)
		_, _ = fmt.Fprintf(w, `{"data":{"access_token":%q}}`, a.valid)
	default:
		if a.valid == "" || r.Header.Get("Authorization") != "Bearer "+a.valid || r.Header.Get("X-Refuse") != "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		a.served++
		if a.refuseN > 0 && a.served >= a.refuseN {
			a.valid, a.locked = "", true
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}
}

func (a *tokenAPI) revoke() { a.mu.Lock(); a.valid = ""; a.mu.Unlock() }

func tokenRecipe() *LoginRecipe {
	return &LoginRecipe{Path: "/login", Body: `{}`, TokenPointer: "/data/access_token"}
}

func TestReloginOn401(t *testing.T) {
	api := newTokenAPI(t)
	s := newTestScan(t, Config{Target: api.URL, Profiles: []ProfileConfig{{Name: "user1", Login: tokenRecipe()}}})
	ctx := context.Background()
	if resp, err := s.Do(ctx, Request{Path: "/me", Profile: "user1", Check: "c"}); err != nil || resp.Status != 200 {
		t.Fatalf("first request (lazy login): %v %v", resp, err)
	}
	api.revoke()
	resp, err := s.Do(ctx, Request{Path: "/me", Profile: "user1", Check: "c"})
	if err != nil || resp.Status != 200 {
		t.Fatalf("after revocation: %v %v, want 200 after a re-login", resp, err)
	}
	api.mu.Lock()
	logins := api.logins
	api.mu.Unlock()
	if logins != 2 {
		t.Errorf("logins = %d, want 2", logins)
	}
	if !s.ProfileWorking("user1") {
		t.Error("profile marked down after a successful re-login")
	}
}

// TestNoReloginStormOn401Refusals: an API that answers 401 where it means
// 403 gets one re-login, not one per request.
func TestNoReloginStormOn401Refusals(t *testing.T) {
	api := newTokenAPI(t)
	s := newTestScan(t, Config{Target: api.URL, Profiles: []ProfileConfig{{Name: "user1", Login: tokenRecipe()}}})
	ctx := context.Background()
	for range 5 {
		resp, err := s.Do(ctx, Request{Path: "/forbidden", Profile: "user1", Check: "c",
			// The API refuses this one request with 401 whatever the token.
			Header: http.Header{"X-Refuse": {"1"}}})
		if err != nil || resp.Status != http.StatusUnauthorized {
			t.Fatalf("got %v %v, want the 401", resp, err)
		}
	}
	api.mu.Lock()
	logins := api.logins
	api.mu.Unlock()
	if logins != 2 {
		t.Errorf("logins = %d, want 2 (the first, one retry)", logins)
	}
	if resp, err := s.Do(ctx, Request{Path: "/me", Profile: "user1", Check: "c"}); err != nil || resp.Status != 200 {
		t.Errorf("normal request afterwards: %v %v", resp, err)
	}
}

// TestBrokenProfileInvalidatesCoverage: the token stops working mid-scan
// and the account is locked. A static-token profile is caught by its
// canary; a login-recipe profile by the refused re-login after the 401.
// Either way the profile is marked down and the rows recorded since its
// last good canary turn invalid.
func TestBrokenProfileInvalidatesCoverage(t *testing.T) {
	tests := []struct {
		name       string
		static     bool
		wantDetail string
	}{
		{"static token, canary", true, "canary GET /me answered 401"},
		{"login recipe, re-login", false, "login POST /login: answered 423"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newTokenAPI(t)
			pc := ProfileConfig{Name: "user1", Login: tokenRecipe(), CanaryPath: "/me"}
			if tc.static {
				resp, err := http.Post(api.URL+"/login", "application/json", strings.NewReader("{}"))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				api.mu.Lock()
				pc = ProfileConfig{Name: "user1", Header: http.Header{"Authorization": {"Bearer " + api.valid}}, CanaryPath: "/me"}
				api.mu.Unlock()
			}
			s := newTestScan(t, Config{Target: api.URL, CanaryEvery: 4, Profiles: []ProfileConfig{pc}})
			ctx := context.Background()
			if err := s.Login(ctx); err != nil {
				t.Fatal(err)
			}
			do := func(path string) {
				t.Helper()
				if _, err := s.Do(ctx, Request{Path: path, Profile: "user1", Check: "authz.bola"}); err != nil && !errors.Is(err, ErrProfileDown) {
					t.Fatalf("Do(%s): %v", path, err)
				}
			}
			for i := range 4 {
				do("/a")
				s.Cover(fmt.Sprintf("GET /early/%d", i), "authz.bola", Tested, "")
			}
			do("/a") // the canary has run by now (every 4 requests) and passed
			s.CoverAs("GET /anonymous", "recon.headers", Tested, "")
			api.mu.Lock()
			api.refuseN = api.served + 1 // the next answer is the last good one
			api.mu.Unlock()
			do("/b")
			s.Cover("GET /late", "authz.bola", Tested, "")
			for _, p := range []string{"/c", "/d", "/e", "/f"} {
				do(p) // the canary is due again within these
			}
			if s.ProfileWorking("user1") {
				t.Fatal("profile still working after its token broke and the account locked")
			}
			rows := map[string]Coverage{}
			for _, c := range s.Ledger() {
				rows[c.Endpoint] = c
			}
			if rows["GET /early/0"].Status != Tested {
				t.Errorf("row before the last good canary: %+v, want tested", rows["GET /early/0"])
			}
			if r := rows["GET /late"]; r.Status != Invalid || !strings.Contains(r.Reason, "user1") {
				t.Errorf("row since the last good canary: %+v, want invalid naming user1", r)
			}
			if rows["GET /anonymous"].Status != Tested {
				t.Errorf("a row that depends on no profile was invalidated: %+v", rows["GET /anonymous"])
			}
			s.Cover("GET /after", "authz.bola", Tested, "")
			if r := s.Ledger()[len(s.Ledger())-1]; r.Status != Invalid {
				t.Errorf("row recorded after the profile broke: %+v, want invalid", r)
			}
			info := s.ProfileInfos()[0]
			if info.Working || !strings.Contains(info.Detail, tc.wantDetail) {
				t.Errorf("profile info %+v, want detail with %q", info, tc.wantDetail)
			}
		})
	}
}

func TestStaticProfileCanary(t *testing.T) {
	api := newTokenAPI(t)
	s := newTestScan(t, Config{Target: api.URL, Profiles: []ProfileConfig{
		{Name: "user1", Header: http.Header{"Authorization": {"Bearer stale"}}, CanaryPath: "/me"},
	}})
	if err := s.Login(context.Background()); err == nil || !strings.Contains(err.Error(), "answered 401") {
		t.Errorf("Login with a stale static token: err = %v", err)
	}
	if s.ProfileWorking("user1") {
		t.Error("static profile with a failing canary is working")
	}
}

func TestTokenAt(t *testing.T) {
	tests := []struct {
		doc, ptr, want string
		wantErr        bool
	}{
		{`{"token":"abc"}`, "/token", "abc", false},
		{`{"a":{"b/c":["x","tok"]}}`, "/a/b~1c/1", "tok", false},
		{`{"a~b":"t"}`, "/a~0b", "t", false},
		{`"whole"`, "", "whole", false},
		{`{"n":12345}`, "/n", "12345", false},
		{`{"token":""}`, "/token", "", true},
		{`{"token":{"x":1}}`, "/token", "", true},
		{`{"token":"a\nb"}`, "/token", "", true},
		{`{"a":[1]}`, "/a/7", "", true},
		{`<html>`, "/token", "", true},
	}
	for _, tc := range tests {
		got, err := tokenAt([]byte(tc.doc), tc.ptr)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("tokenAt(%s, %q) = %q, %v; want %q, err %v", tc.doc, tc.ptr, got, err, tc.want, tc.wantErr)
		}
	}
}

func FuzzTokenAt(f *testing.F) {
	f.Add([]byte(`{"token":"abc"}`), "/token")
	f.Add([]byte(`{"a":[{"b":"c"}]}`), "/a/0/b")
	f.Add([]byte(`[]`), "/-")
	f.Fuzz(func(t *testing.T, doc []byte, ptr string) {
		tok, err := tokenAt(doc, ptr)
		if err == nil && (tok == "" || len(tok) > maxTokenLen || strings.ContainsAny(tok, "\r\n")) {
			t.Errorf("unusable token %q accepted", tok)
		}
	})
}
