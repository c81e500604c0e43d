package sampleapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
)

// fuzzTarget is one API per mode, with a token for bob, shared by every
// input of one fuzz run.
type fuzzTarget struct {
	api   *API
	token string
}

func newFuzzTargets(f *testing.F) []fuzzTarget {
	f.Helper()
	var out []fuzzTarget
	for _, m := range modes {
		api, err := New(Config{Hardened: m.hardened})
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { _ = api.Close() })
		tok, err := api.issueToken("bob", "user")
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, fuzzTarget{api: api, token: tok})
	}
	return out
}

// fuzzClients numbers the fuzz inputs' client addresses.
var fuzzClients atomic.Uint32

// serve runs one request through the full handler in-process, so a panic
// fails the fuzz run instead of being swallowed by net/http. Each input
// comes from its own client address: otherwise hardened mode's per-client
// limits would answer most inputs with 429 before a handler sees them.
func (ft fuzzTarget) serve(t *testing.T, req *http.Request) {
	t.Helper()
	n := fuzzClients.Add(1)
	req.RemoteAddr = netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)}).String() + ":40000"
	req.Header.Set("Authorization", "Bearer "+ft.token)
	rec := httptest.NewRecorder()
	ft.api.Handler().ServeHTTP(rec, req)
	if rec.Code < 100 || rec.Code > 599 {
		t.Fatalf("%s %s: status %d", req.Method, req.URL, rec.Code)
	}
}

func FuzzSearch(f *testing.F) {
	for _, seed := range []string{
		"hello", "", "'", "' OR '1'='1", "%", "_", `\`, "' UNION SELECT id, username, password_hash FROM users --",
		"'; DROP TABLE items; --", "' AND 1=CAST((SELECT 1) AS INT) --", "\x00", "é", "%' --",
	} {
		f.Add(seed)
	}
	targets := newFuzzTargets(f)
	f.Fuzz(func(t *testing.T, q string) {
		for _, ft := range targets {
			ft.serve(t, httptest.NewRequest("GET", "/api/search?q="+url.QueryEscape(q), nil))
		}
	})
}

func FuzzLogin(f *testing.F) {
	for _, seed := range []string{
		`{"username":"alice","password":"alice-password-1"}`, `{"username":"alice","password":"x"}`,
		`{}`, `[]`, `null`, `{"username":1}`, `{"username":"a"} trailing`, `{"username":"\u0000"}`, "",
	} {
		f.Add([]byte(seed))
	}
	targets := newFuzzTargets(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ft := range targets {
			ft.serve(t, httptest.NewRequest("POST", "/api/login", bytes.NewReader(body)))
		}
	})
}

func FuzzUpdateMe(f *testing.F) {
	for _, seed := range []string{
		`{"name":"x"}`, `{"role":"admin","is_admin":true}`, `{"email":null}`, `{"name":{"a":1}}`,
		`{"is_admin":1e400}`, `{"name":[1,2]}`, `[]`, `null`, `{"id":5}`, `{"role":"` + "\xff" + `"}`,
	} {
		f.Add([]byte(seed))
	}
	targets := newFuzzTargets(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ft := range targets {
			ft.serve(t, httptest.NewRequest("PATCH", "/api/users/me", bytes.NewReader(body)))
		}
	})
}

func FuzzVerifyPassword(f *testing.F) {
	h, err := hashPassword(true, "pw")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{h, dummyHash, sha256Hex("pw"), "pbkdf2-sha256$", "pbkdf2-sha256$1$$", "pbkdf2-sha256$99999999$AA$AA", ""} {
		f.Add(seed, "pw")
	}
	f.Fuzz(func(t *testing.T, stored, pw string) {
		verifyPassword(stored, pw) // must not panic or run away
	})
}

// FuzzFiles: whatever the name, the handler never panics and the vulnerable
// one never leaves its sandbox (nothing but documents and the planted secret
// can come back).
func FuzzFiles(f *testing.F) {
	for _, seed := range []string{
		"welcome.txt", "../private/secret.txt", "..%2fprivate%2fsecret.txt", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"../../../../etc/passwd", "/etc/passwd", "..", "%", "%zz", "\x00", "a/b/../../..", `..\..\win.ini`,
	} {
		f.Add(seed)
	}
	targets := newFuzzTargets(f)
	f.Fuzz(func(t *testing.T, name string) {
		for _, ft := range targets {
			req := httptest.NewRequest("GET", "/api/files?name="+url.QueryEscape(name), nil)
			req.Header.Set("Authorization", "Bearer "+ft.token)
			rec := httptest.NewRecorder()
			ft.api.Handler().ServeHTTP(rec, req)
			if rec.Code == 200 && !servedFromSandbox(rec.Body.String()) {
				t.Fatalf("name %q served %.100q, which is not a sandbox file", name, rec.Body.String())
			}
		}
	})
}

// servedFromSandbox reports whether body is one of the sandbox's files.
func servedFromSandbox(body string) bool {
	if body == secretContent {
		return true
	}
	for _, d := range sampleDocuments {
		if body == d {
			return true
		}
	}
	return false
}

func FuzzPreview(f *testing.F) {
	for _, seed := range []string{"hello", "<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, "\xff", ""} {
		f.Add(seed)
	}
	targets := newFuzzTargets(f)
	f.Fuzz(func(t *testing.T, text string) {
		for _, ft := range targets {
			ft.serve(t, httptest.NewRequest("GET", "/api/preview?text="+url.QueryEscape(text), nil))
		}
	})
}
