package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestForwardingHeaders checks, through the real gateway, that a client's
// own X-Forwarded-For is believed only when its TCP peer is a trusted proxy
// (CWE-348): otherwise a client picks the address every IP-based defence and
// the access log see.
func TestForwardingHeaders(t *testing.T) {
	up := echoUpstream(t, "up")
	untrusted := startGateway(t, gwConfig{rest: fmt.Sprintf(`
apis:
  - name: up
    upstreams: [%q]
`, up.URL)})
	trusted := startGateway(t, gwConfig{rest: fmt.Sprintf(`
trusted_proxies: ["127.0.0.1/32"]
apis:
  - name: up
    upstreams: [%q]
`, up.URL)})

	tests := []struct {
		name         string
		gw           *testGateway
		xff          []string // X-Forwarded-For lines the client sends
		xfHost       string
		wantUpXFF    string // what the upstream receives
		wantUpXFHost string // "" means the Host the client sent
		wantClientIP string // the access log's client.ip
	}{
		{name: "untrusted peer, no header", gw: untrusted,
			wantUpXFF: "127.0.0.1", wantClientIP: "127.0.0.1"},
		{name: "untrusted peer, spoofed header dropped", gw: untrusted,
			xff: []string{"203.0.113.9"}, xfHost: "evil.example",
			wantUpXFF: "127.0.0.1", wantClientIP: "127.0.0.1"},
		{name: "untrusted peer, spoofed chain dropped", gw: untrusted,
			xff:       []string{"10.0.0.1, 203.0.113.9", "198.51.100.7"},
			wantUpXFF: "127.0.0.1", wantClientIP: "127.0.0.1"},
		{name: "trusted peer, no header", gw: trusted,
			wantUpXFF: "127.0.0.1", wantClientIP: "127.0.0.1"},
		{name: "trusted peer, client from header, chain appended", gw: trusted,
			xff: []string{"203.0.113.9"}, xfHost: "api.example",
			wantUpXFF: "203.0.113.9, 127.0.0.1", wantUpXFHost: "api.example", wantClientIP: "203.0.113.9"},
		{name: "trusted peer, rightmost untrusted hop is the client", gw: trusted,
			xff:       []string{"198.51.100.1, 203.0.113.9"},
			wantUpXFF: "198.51.100.1, 203.0.113.9, 127.0.0.1", wantClientIP: "203.0.113.9"},
		{name: "trusted peer, trusted hops skipped", gw: trusted,
			xff:       []string{"203.0.113.9, 127.0.0.1"},
			wantUpXFF: "203.0.113.9, 127.0.0.1, 127.0.0.1", wantClientIP: "203.0.113.9"},
		{name: "trusted peer, malformed hop stops the walk", gw: trusted,
			xff:       []string{"203.0.113.9, not-an-ip"},
			wantUpXFF: "203.0.113.9, not-an-ip, 127.0.0.1", wantClientIP: "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tt.gw.url("/whoami"), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if tt.xfHost != "" {
				req.Header.Set("X-Forwarded-Host", tt.xfHost)
			}
			resp, body := do(t, tt.gw.client, req)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d; body %q", resp.StatusCode, body)
			}
			var e echo
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatal(err)
			}
			if e.XFF != tt.wantUpXFF {
				t.Errorf("upstream X-Forwarded-For = %q, want %q", e.XFF, tt.wantUpXFF)
			}
			wantXFHost := tt.wantUpXFHost
			if wantXFHost == "" {
				wantXFHost = tt.gw.svc.HTTPAddr() // the Host the client sent
			}
			if e.XFHost != wantXFHost {
				t.Errorf("upstream X-Forwarded-Host = %q, want %q", e.XFHost, wantXFHost)
			}
			entry := tt.gw.accessEntry(t, resp.Header.Get("X-Request-Id"))
			if got := entry["client.ip"]; got != tt.wantClientIP {
				t.Errorf("access log client.ip = %v, want %q", got, tt.wantClientIP)
			}
		})
	}
}

// TestRequestIDPropagated checks that the id the client sees is the one the
// upstream receives and the access log records, so a user can quote it.
func TestRequestIDPropagated(t *testing.T) {
	seen := make(chan string, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("X-Request-Id")
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, gwConfig{rest: fmt.Sprintf("apis:\n  - name: up\n    upstreams: [%q]\n", up.URL)})
	resp, _ := get(t, g.client, g.url("/x"))
	id := resp.Header.Get("X-Request-Id")
	if id == "" {
		t.Fatal("no X-Request-Id on the response")
	}
	if got := <-seen; got != id {
		t.Errorf("upstream X-Request-Id = %q, client saw %q", got, id)
	}
	g.accessEntry(t, id)
}
