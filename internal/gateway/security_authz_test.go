package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAuthzAllowIPs: a route restricted to 10.0.0.0/8 refuses other
// addresses with the uniform 403, including one that prepends a 10/8
// address to X-Forwarded-For itself (only the hops added by trusted proxies
// are believed, CWE-348); the API's other routes are open.
func TestAuthzAllowIPs(t *testing.T) {
	up := headerEchoUpstream(t)
	g := startGateway(t, gwConfig{rest: trustLoopback + fmt.Sprintf(`
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    routes:
      - name: internal
        path: /api/internal
        authz:
          allow_ips: ["10.0.0.0/8"]
`, up.URL)})

	tests := []struct {
		name, path, xff string
		want            int
	}{
		{"inside the allowed network", "/api/internal/stats", "10.1.2.3", http.StatusOK},
		{"outside it", "/api/internal/stats", "192.0.2.5", http.StatusForbidden},
		{"spoofed hop before the real client", "/api/internal/stats", "10.1.2.3, 192.0.2.5", http.StatusForbidden},
		{"another route", "/api/public", "192.0.2.5", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := g.from(t, http.MethodGet, tt.path, tt.xff, "")
			if tt.want == http.StatusForbidden {
				p := wantReplyProblem(t, r, http.StatusForbidden, "forbidden")
				if p.Detail != "Access denied." {
					t.Errorf("detail %q, want the uniform answer", p.Detail)
				}
				return
			}
			if r.status != tt.want {
				t.Fatalf("status %d, want %d; body %q", r.status, tt.want, r.body)
			}
		})
	}
	g.waitMetric(t, "rampart_denials_total", map[string]string{"guard": "authz", "rule": "ip_not_allowed", "mode": "enforce"}, 2)
}

// TestAuthzStripsSpoofedIdentityHeaders: identity headers sent by the
// client never reach the upstream, which would take them for the gateway's
// word on who is calling (CWE-290), in any spelling an upstream framework
// might merge.
func TestAuthzStripsSpoofedIdentityHeaders(t *testing.T) {
	up := headerEchoUpstream(t)
	g := startGateway(t, gwConfig{rest: fmt.Sprintf(`
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, up.URL)})

	spoofed := map[string]string{
		"X-Rampart-Subject":     "admin",
		"X-Rampart-Scopes":      "orders:admin",
		"X-Rampart-Roles":       "admin",
		"X-Rampart-Auth-Method": "mtls",
		"X-Rampart-Tenant":      "acme",
		"X-Rampart-Whatever":    "1",
		"x-rampart-subject":     "admin",
		"X_Rampart_Subject":     "admin", // CGI-style servers read it as X-Rampart-Subject
	}
	h := http.Header{}
	for k, v := range spoofed {
		h[k] = append(h[k], v) // as written, not canonicalised
	}
	r, err := send(g.client, http.MethodGet, g.url("/api/x"), "", "", h)
	if err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %q", r.status, r.body)
	}
	var got http.Header
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("upstream answer %q: %v", r.body, err)
	}
	for k := range got {
		if n := strings.ToLower(strings.ReplaceAll(k, "_", "-")); strings.HasPrefix(n, "x-rampart") {
			t.Errorf("the upstream received %s: %q", k, got[k])
		}
	}

	// An ordinary header passes.
	h = http.Header{"X-Custom": {"kept"}, "X-Rampart-Subject": {"admin"}}
	if r, err = send(g.client, http.MethodGet, g.url("/api/x"), "", "", h); err != nil {
		t.Fatal(err)
	}
	got = nil
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Custom") != "kept" || got.Get("X-Rampart-Subject") != "" {
		t.Errorf("upstream headers %v: want X-Custom kept and no X-Rampart-Subject", got)
	}
}
