package attack

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestParseAuth(t *testing.T) {
	const doc = `
profiles:
  admin:
    headers:
      X-Api-Key: env:ADMIN_KEY
    canary: /api/admin/users
  user1:
    login:
      path: /api/login
      body: {username: alice, password: env:ALICE_PASSWORD}
      token_pointer: /token
    canary: /api/users/me
  user2:
    login:
      method: put
      path: /session
      body: '{"u":"bob"}'
      token_pointer: /data/jwt
      header: X-Session
admin_endpoints: ["GET /api/reports", "/api/ops/*"]
`
	a, err := ParseAuth([]byte(doc), "auth.yaml", env(map[string]string{"ADMIN_KEY": "k-123", "ALICE_PASSWORD": "pw \"quoted\""}))
	if err != nil {
		t.Fatalf("ParseAuth: %v", err)
	}
	if len(a.Profiles) != 3 || a.Profiles[0].Name != "user1" || a.Profiles[1].Name != "user2" || a.Profiles[2].Name != "admin" {
		t.Fatalf("profiles %+v, want user1, user2, admin in that order", a.Profiles)
	}
	u1 := a.Profiles[0]
	if u1.Login == nil || u1.Login.Body != `{"password":"pw \"quoted\"","username":"alice"}` || u1.CanaryPath != "/api/users/me" {
		t.Errorf("user1 = %+v login %+v", u1, u1.Login)
	}
	if u2 := a.Profiles[1].Login; u2.Body != `{"u":"bob"}` || u2.Method != "put" || u2.Header != "X-Session" || u2.TokenPointer != "/data/jwt" {
		t.Errorf("user2 login %+v", u2)
	}
	if got := a.Profiles[2].Header.Get("X-Api-Key"); got != "k-123" {
		t.Errorf("admin header %q", got)
	}
	if len(a.AdminEndpoints) != 2 {
		t.Errorf("admin endpoints %v", a.AdminEndpoints)
	}
}

func TestParseAuthErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"empty", "", "empty"},
		{"unknown key", "profiles:\n  user1:\n    headerz: {}\n", "line 3: field headerz not found"},
		{"unknown profile", "profiles:\n  usr1:\n    headers: {A: b}\n", `profile "usr1": unknown name`},
		{"no credentials", "profiles:\n  user1:\n    canary: /me\n", "headers or login"},
		{"env unset", "profiles:\n  user1:\n    headers: {Authorization: env:NOPE}\n", "environment variable NOPE is not set"},
		{"login path", "profiles:\n  user1:\n    login: {path: login}\n", "login.path"},
		{"pointer", "profiles:\n  user1:\n    login: {path: /l, token_pointer: token}\n", "token_pointer"},
		{"canary", "profiles:\n  user1:\n    headers: {A: b}\n    canary: me\n", "canary"},
		{"header injection", "profiles:\n  user1:\n    headers: {A: \"b\\r\\nX: y\"}\n", "not a valid header"},
		{"body env unset", "profiles:\n  user1:\n    login: {path: /l, body: {password: env:PW}}\n", "password: environment variable PW"},
		{"syntax", "profiles: [\n", "auth.yaml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAuth([]byte(tc.doc), "auth.yaml", env(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "attack.") {
				t.Errorf("err %q names a Go type", err)
			}
		})
	}
}

func FuzzParseAuth(f *testing.F) {
	f.Add([]byte("profiles:\n  user1:\n    headers: {Authorization: env:T}\n    canary: /me\n"))
	f.Add([]byte("profiles:\n  user2:\n    login: {path: /l, body: {a: [1, env:T, {b: env:T}]}, token_pointer: /t}\n"))
	f.Add([]byte("admin_endpoints: [x]\nprofiles: {admin: {headers: {K: v}}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAuth(data, "fuzz.yaml", env(map[string]string{"T": "secret-value"}))
		if err != nil {
			if strings.Contains(err.Error(), "secret-value") {
				t.Errorf("error echoes a secret: %v", err)
			}
			return
		}
		if len(a.Profiles) == 0 || len(a.Profiles) > len(ProfileNames) {
			t.Errorf("%d profiles", len(a.Profiles))
		}
		for _, p := range a.Profiles {
			if len(p.Header) == 0 && p.Login == nil {
				t.Errorf("profile %s without credentials", p.Name)
			}
		}
	})
}

// TestProfileBreakingMidScan: a static token the target stops accepting
// turns the scan incomplete and names the profile.
func TestProfileBreakingMidScan(t *testing.T) {
	var served atomic.Int64
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			_, _ = w.Write([]byte("{}"))
			return
		}
		if served.Add(1) > 5 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"me":1}`))
	}))
	rep := run(t, Options{Target: srv.URL, SpecFile: writeSpec(t), CanaryEvery: 3,
		Profiles: []core.ProfileConfig{{Name: "user1", Header: http.Header{"Authorization": {"Bearer t"}}, CanaryPath: "/me"}},
		checks: []core.Check{fakeCheck{id: "x.auth", stage: core.StageAuthz, run: func(ctx context.Context, s *core.Scan) error {
			for i := range 10 {
				if !s.ProfileWorking("user1") {
					return core.Skip("user1 is not working")
				}
				if _, err := s.Do(ctx, core.Request{Path: "/x", Profile: "user1", Check: "x.auth"}); err != nil {
					return err
				}
				s.Cover("GET /x/"+string(rune('a'+i)), "x.auth", core.Tested, "")
			}
			return nil
		}}},
	})
	if rep.Complete || !hasReason(rep, "auth profile user1 stopped working") {
		t.Errorf("reasons %v", rep.Incomplete)
	}
	invalid := 0
	for _, c := range rep.Coverage {
		if c.Status == core.Invalid {
			invalid++
		}
	}
	if invalid == 0 {
		t.Errorf("no invalid coverage rows: %+v", rep.Coverage)
	}
}
