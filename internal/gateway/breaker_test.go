package gateway

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestCircuitBreakerOpens checks, through the gateway's wiring of the api's
// breaker settings, that an upstream answering 503 again and again trips
// the breaker, after which clients get a fast 503 problem that never
// touches the upstream.
func TestCircuitBreakerOpens(t *testing.T) {
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "upstream down")
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, gwConfig{rest: fmt.Sprintf(`
apis:
  - name: flaky
    upstreams: [%q]
    breaker:
      failures: 3
      open_for: 1m
  - name: healthy
    path_prefix: /healthy
    upstreams: [%q]
`, up.URL, textUpstream(t, "fine").URL)})

	// Below the threshold the upstream's own 503 is passed through.
	for i := range 3 {
		resp, body := get(t, g.client, g.url("/x"))
		if resp.StatusCode != http.StatusServiceUnavailable || body != "upstream down" {
			t.Fatalf("request %d: got %d %q, want the upstream's 503", i+1, resp.StatusCode, body)
		}
	}
	for i := range 2 {
		resp, body := get(t, g.client, g.url("/x"))
		p := wantProblem(t, resp, body, http.StatusServiceUnavailable, "upstream_unavailable")
		if p.Detail == "" || resp.Header.Get("Retry-After") == "" {
			t.Errorf("open breaker answer %d: detail %q, Retry-After %q", i+1, p.Detail, resp.Header.Get("Retry-After"))
		}
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("upstream was called %d times, want 3 (the open breaker must not call it)", got)
	}
	g.waitMetric(t, "rampart_upstream_errors_total", map[string]string{"api": "flaky", "kind": "breaker_open"}, 2)

	// The breaker is per API: another API keeps serving.
	if resp, body := get(t, g.client, g.url("/healthy/x")); resp.StatusCode != http.StatusOK || body != "fine" {
		t.Errorf("other API: got %d %q, want 200 fine", resp.StatusCode, body)
	}
}
