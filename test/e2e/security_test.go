package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// e2eAdminTokenEnv names the variable the child rampart reads its admin
// token from; the test passes it in the child's environment only.
const (
	e2eAdminTokenEnv = "RAMPART_E2E_ADMIN_TOKEN"
	e2eAdminToken    = "e2e-admin-token-0123456789abcdef0123456789"
)

// securityConfig is a rampart.yaml with a per-address rate limit of
// requests per minute, the admin API behind a token, and the test client
// trusted as a proxy so X-Forwarded-For simulates client addresses.
func securityConfig(httpAddr, adminAddr, upstream string, requests int) string {
	return fmt.Sprintf(`listen:
  http: %q
  timeouts:
    shutdown: 5s
admin:
  listen: %q
  token_env: %s
logging:
  level: info
  access_log: "off"
events:
  file: "off"
trusted_proxies: ["127.0.0.1/32"]
rate_limits:
  - name: per-ip
    global: true
    limits:
      - {requests: %d, per: 1m, burst: %d}
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, httpAddr, adminAddr, e2eAdminTokenEnv, requests, requests, upstream)
}

// call makes one request and returns status, headers and body.
func call(t *testing.T, c *http.Client, method, url, body string, header http.Header) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// TestServeSecurity is an operator's session with the security features of
// `rampart serve`: a client over the per-address limit gets 429 while
// others are served; a ban posted to the admin API (with its token; 401
// without) refuses that client at once; a SIGHUP that raises the limit is
// applied without dropping service, and the ban survives it.
func TestServeSecurity(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(up.Close)
	p := startServe(t, t.TempDir(), func(httpAddr, adminAddr string) string {
		return securityConfig(httpAddr, adminAddr, up.URL, 3)
	}, e2eAdminTokenEnv+"="+e2eAdminToken)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: waitFor}
	as := func(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }
	api := "http://" + p.httpAddr + "/api/x"
	admin := "http://" + p.adminAddr + "/admin/bans"
	bearer := http.Header{"Authorization": {"Bearer " + e2eAdminToken}, "Content-Type": {"application/json"}}

	// Rate limit: three per minute per address.
	for i := range 3 {
		if code, _, body := call(t, client, http.MethodGet, api, "", as("203.0.113.1")); code != 200 {
			t.Fatalf("request %d: %d %q", i+1, code, body)
		}
	}
	code, h, body := call(t, client, http.MethodGet, api, "", as("203.0.113.1"))
	if code != http.StatusTooManyRequests || h.Get("Content-Type") != "application/problem+json" ||
		h.Get("Retry-After") == "" || h.Get("RateLimit-Policy") != `"per-ip";q=3;w=60` {
		t.Fatalf("over the limit: %d %v %q, want 429 problem+json with Retry-After and RateLimit-Policy", code, h, body)
	}
	if code, _, _ := call(t, client, http.MethodGet, api, "", as("203.0.113.2")); code != 200 {
		t.Fatalf("another address: %d, want 200", code)
	}

	// Admin API: the token is required; a ban applies at once.
	ban := `{"key":"203.0.113.2","reason":"e2e","duration":"1h"}`
	if code, _, body := call(t, client, http.MethodPost, admin, ban, http.Header{"Content-Type": {"application/json"}}); code != http.StatusUnauthorized {
		t.Fatalf("POST /admin/bans without the token: %d %q, want 401", code, body)
	}
	if code, _, body := call(t, client, http.MethodPost, admin, ban, bearer); code != http.StatusCreated {
		t.Fatalf("POST /admin/bans: %d %q, want 201", code, body)
	}
	if code, h, body := call(t, client, http.MethodGet, api, "", as("203.0.113.2")); code != http.StatusForbidden || h.Get("Retry-After") == "" {
		t.Fatalf("banned address: %d %v %q, want 403 with Retry-After", code, h, body)
	}
	if code, _, body := call(t, client, http.MethodGet, admin, "", bearer); code != 200 || !strings.Contains(body, `"ip:203.0.113.2"`) {
		t.Fatalf("GET /admin/bans: %d %q, want the ban listed", code, body)
	}

	// SIGHUP with a higher limit: applied, still serving, the ban kept.
	p.writeConfig(t, securityConfig(p.httpAddr, p.adminAddr, up.URL, 10))
	p.signal(t, syscall.SIGHUP)
	eventually(t, "the reload", func() bool {
		_, metrics := fetch(t, client, p.adminAddr, "/metrics")
		return strings.Contains(metrics, `rampart_config_reloads_total{result="success"} 1`)
	})
	for i := range 10 {
		if code, _, body := call(t, client, http.MethodGet, api, "", as("203.0.113.3")); code != 200 {
			t.Fatalf("request %d under the new limit: %d %q", i+1, code, body)
		}
	}
	code, h, _ = call(t, client, http.MethodGet, api, "", as("203.0.113.3"))
	if code != http.StatusTooManyRequests || h.Get("RateLimit-Policy") != `"per-ip";q=10;w=60` {
		t.Fatalf("over the new limit: %d, RateLimit-Policy %q; want 429 with q=10", code, h.Get("RateLimit-Policy"))
	}
	if code, _, _ := call(t, client, http.MethodGet, api, "", as("203.0.113.2")); code != http.StatusForbidden {
		t.Errorf("banned address after the reload: %d, want 403", code)
	}
	if strings.Contains(p.stderr.String(), e2eAdminToken) {
		t.Error("the process log holds the admin token")
	}

	p.signal(t, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(waitFor):
		t.Fatal("rampart did not exit after SIGTERM")
	}
	if p.waitErr != nil {
		t.Errorf("rampart serve exited with %v, want status 0", p.waitErr)
	}
}
