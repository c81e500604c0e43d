package sampleapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// modes are the two configurations every flaw test runs in.
var modes = []struct {
	name     string
	hardened bool
}{
	{"vulnerable", false},
	{"hardened", true},
}

// testAPI is a real API behind a real loopback HTTP server.
type testAPI struct {
	t   *testing.T
	api *API
	srv *httptest.Server
}

// newTestAPI starts a fresh API (fresh database) for one test.
func newTestAPI(t *testing.T, cfg Config) *testAPI {
	t.Helper()
	api, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = api.Close()
	})
	return &testAPI{t: t, api: api, srv: srv}
}

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a fresh map.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decoding body %q: %v", r.body, err)
	}
	return m
}

// do sends a request with an optional bearer token and JSON body.
func (ta *testAPI) do(method, path, token string, body any) response {
	ta.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			ta.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, ta.srv.URL+path, rd)
	if err != nil {
		ta.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := ta.srv.Client().Do(req)
	if err != nil {
		ta.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ta.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// login returns a token for the user or fails the test.
func (ta *testAPI) login(username, password string) string {
	ta.t.Helper()
	r := ta.do("POST", "/api/login", "", map[string]string{"username": username, "password": password})
	if r.status != http.StatusOK {
		ta.t.Fatalf("login %s: status %d, body %s", username, r.status, r.body)
	}
	tok, _ := r.json(ta.t)["token"].(string)
	if tok == "" {
		ta.t.Fatalf("login %s: no token in %s", username, r.body)
	}
	return tok
}

func (ta *testAPI) alice() string { return ta.login("alice", "alice-password-1") }
func (ta *testAPI) bob() string   { return ta.login("bob", "bob-password-2") }
func (ta *testAPI) admin() string { return ta.login("admin", "admin-password-3") }

// wantStatus fails the test when r has another status.
func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body: %.500s", r.status, want, r.body)
	}
}

// fakeClock is an injectable clock that only moves when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
