package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestBodyLimitPerRoute checks that the body cap resolves route → API →
// limits as configured, and that a declared Content-Length over it is
// answered 413 before anything reaches the upstream (OWASP API4:2023).
func TestBodyLimitPerRoute(t *testing.T) {
	up := echoUpstream(t, "up")
	g := startGateway(t, gwConfig{rest: fmt.Sprintf(`
limits:
  max_body_bytes: 1KiB
apis:
  - name: up
    path_prefix: /api
    upstreams: [%q]
    max_body_bytes: 64
    routes:
      - name: upload
        path: /api/upload
        max_body_bytes: 128
      - name: tiny
        path: /api/tiny
        max_body_bytes: 16
      - name: unlimited
        path: /api/unlimited
        max_body_bytes: -1
  - name: other
    path_prefix: /other
    upstreams: [%q]
`, up.URL, up.URL)})

	tests := []struct {
		name    string
		path    string
		size    int
		chunked bool // unknown length: cut while the proxy reads it
		want    int
	}{
		{name: "route limit, at the limit", path: "/api/tiny", size: 16, want: 200},
		{name: "route limit, one over", path: "/api/tiny", size: 17, want: 413},
		{name: "larger route limit, at the limit", path: "/api/upload/x", size: 128, want: 200},
		{name: "larger route limit, one over", path: "/api/upload/x", size: 129, want: 413},
		{name: "API limit, at the limit", path: "/api/else", size: 64, want: 200},
		{name: "API limit, one over", path: "/api/else", size: 65, want: 413},
		{name: "unlimited route", path: "/api/unlimited", size: 4096, want: 200},
		{name: "global limit applies to an API without its own", path: "/other/x", size: 1024, want: 200},
		{name: "global limit, one over", path: "/other/x", size: 1025, want: 413},
		{name: "chunked body within the limit", path: "/api/tiny", size: 16, chunked: true, want: 200},
		{name: "chunked body over the limit", path: "/api/tiny", size: 4096, chunked: true, want: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(strings.Repeat("x", tt.size))
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: Transfer-Encoding: chunked
			}
			req, err := http.NewRequest(http.MethodPost, g.url(tt.path), body)
			if err != nil {
				t.Fatal(err)
			}
			resp, respBody := do(t, g.client, req)
			if tt.want == http.StatusRequestEntityTooLarge {
				wantProblem(t, resp, respBody, 413, "body_too_large")
				if strings.Contains(respBody, "exceeds") || strings.Contains(respBody, "http:") {
					t.Errorf("413 body leaks internal error text: %q", respBody)
				}
				if !tt.chunked {
					// The unread body must not be drained first (package bodylimit).
					if !resp.Close {
						t.Error("413 for a declared length does not close the connection")
					}
					entry := g.accessEntry(t, resp.Header.Get("X-Request-Id"))
					if entry["rampart.verdict"] != "denied" {
						t.Errorf("verdict = %v, want denied", entry["rampart.verdict"])
					}
					if d, _ := json.Marshal(entry["rampart.denials"]); string(d) != `["bodylimit/content_length"]` {
						t.Errorf("denials = %s, want [\"bodylimit/content_length\"]", d)
					}
				}
				return
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d; body %q", resp.StatusCode, tt.want, respBody)
			}
			var e echo
			if err := json.Unmarshal([]byte(respBody), &e); err != nil {
				t.Fatal(err)
			}
			if e.Body != tt.size {
				t.Errorf("upstream received %d body bytes, want %d", e.Body, tt.size)
			}
		})
	}
	g.waitMetric(t, "rampart_denials_total", map[string]string{"guard": "bodylimit", "rule": "content_length", "mode": "enforce"}, 4)
}

// TestLoadShedding checks that with every slot taken and no queue, the next
// request is refused at once with 503 and Retry-After instead of piling up,
// that unrouted requests are shed too, and that the slot is given back.
func TestLoadShedding(t *testing.T) {
	up := newBlockingUpstream(t, "done")
	g := startGateway(t, gwConfig{rest: fmt.Sprintf(`
limits:
  max_concurrent: 1
  max_queue: -1
apis:
  - name: slow
    path_prefix: /api
    upstreams: [%q]
`, up.URL)})

	first := g.getInBackground("/api/slow")
	up.awaitArrival(t)

	for _, path := range []string{"/api/fast", "/not-routed"} {
		resp, body := get(t, g.client, g.url(path))
		wantProblem(t, resp, body, http.StatusServiceUnavailable, "overloaded")
		if got := resp.Header.Get("Retry-After"); got != "1" {
			t.Errorf("%s: Retry-After = %q, want 1", path, got)
		}
	}
	g.waitMetric(t, "rampart_shed_requests_total", map[string]string{"reason": "queue_full"}, 2)
	g.waitMetric(t, "rampart_requests_total", map[string]string{"api": "slow", "status": "503", "verdict": "denied"}, 1)

	up.unblock()
	if got := <-first; got != "200 done" {
		t.Fatalf("held request answered %q, want 200 done", got)
	}
	// The slot is released when the chain returns, which may be just after
	// the client has its answer: poll.
	eventually(t, "a request admitted after the slot was released", func() bool {
		resp, _ := get(t, g.client, g.url("/api/again"))
		return resp.StatusCode == http.StatusOK
	})
}

// TestLoadSheddingQueueTimeout checks that a queued request waits at most
// queue_timeout for a slot and is then shed with 503.
func TestLoadSheddingQueueTimeout(t *testing.T) {
	up := newBlockingUpstream(t, "done")
	g := startGateway(t, gwConfig{rest: fmt.Sprintf(`
limits:
  max_concurrent: 1
  max_queue: 1
  queue_timeout: 50ms
apis:
  - name: slow
    upstreams: [%q]
`, up.URL)})

	first := make(chan int, 1)
	go func() {
		resp, err := g.client.Get(g.url("/slow"))
		if err != nil {
			first <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	up.awaitArrival(t)

	resp, body := get(t, g.client, g.url("/queued"))
	wantProblem(t, resp, body, http.StatusServiceUnavailable, "overloaded")
	if resp.Header.Get("Retry-After") == "" {
		t.Error("shed response has no Retry-After")
	}
	g.waitMetric(t, "rampart_shed_requests_total", map[string]string{"reason": "queue_timeout"}, 1)
	up.unblock()
	if got := <-first; got != http.StatusOK {
		t.Fatalf("held request status = %d, want 200", got)
	}
}
