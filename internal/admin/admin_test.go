package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// newServer runs the admin handler on a real loopback listener.
func newServer(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	a, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, srv *httptest.Server, method, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without a Gatherer: want error")
	}
}

func TestMetricsExposesRegisteredCounter(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "rampart_test_total", Help: "A test counter."})
	reg.MustRegister(c)
	c.Add(3)
	srv := newServer(t, Options{Gatherer: reg})

	resp, body := do(t, srv, http.MethodGet, "/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	if !strings.Contains(body, "rampart_test_total 3") {
		t.Errorf("body does not expose the counter:\n%s", body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain exposition", ct)
	}
}

func TestMetricsGatherErrorIsLoggedAndPartial(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	ok := prometheus.NewCounter(prometheus.CounterOpts{Name: "rampart_ok_total", Help: "Fine."})
	reg.MustRegister(ok, brokenCollector{})
	srv := newServer(t, Options{Gatherer: reg, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})

	resp, body := do(t, srv, http.MethodGet, "/metrics")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "rampart_ok_total 0") {
		t.Errorf("status %d, body:\n%s\nwant 200 with the healthy metric", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "gathering metrics") {
		t.Errorf("gather error not logged: %s", logs.String())
	}
}

func TestHealthz(t *testing.T) {
	srv := newServer(t, Options{Gatherer: prometheus.NewRegistry(),
		Ready: func() error { return errors.New("not ready yet") }})
	resp, body := do(t, srv, http.MethodGet, "/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200 (liveness ignores readiness)", resp.StatusCode)
	}
	assertJSON(t, body, map[string]any{"status": "ok"})
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestReadyz(t *testing.T) {
	var logs bytes.Buffer
	var notReady atomic.Bool
	srv := newServer(t, Options{
		Gatherer: prometheus.NewRegistry(),
		Logger:   slog.New(slog.NewJSONHandler(&logs, nil)),
		Ready: func() error {
			if notReady.Load() {
				return errors.New("redis at 10.1.2.3:6379 unreachable")
			}
			return nil
		},
	})

	resp, body := do(t, srv, http.MethodGet, "/readyz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ready: status = %d, want 200", resp.StatusCode)
	}
	assertJSON(t, body, map[string]any{"status": "ready"})

	notReady.Store(true)
	resp, body = do(t, srv, http.MethodGet, "/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("not ready: status = %d, want 503", resp.StatusCode)
	}
	assertProblem(t, resp, body, "not_ready")
	if strings.Contains(body, "10.1.2.3") {
		t.Errorf("readiness cause leaked to the client: %s", body)
	}
	if !strings.Contains(logs.String(), "10.1.2.3") {
		t.Errorf("readiness cause not logged: %s", logs.String())
	}
}

func TestReadyNilMeansReady(t *testing.T) {
	srv := newServer(t, Options{Gatherer: prometheus.NewRegistry()})
	if resp, _ := do(t, srv, http.MethodGet, "/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.StatusCode)
	}
}

func TestRouting(t *testing.T) {
	srv := newServer(t, Options{Gatherer: prometheus.NewRegistry()})
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantCode           string
	}{
		{"unknown path", http.MethodGet, "/admin", http.StatusNotFound, "not_found"},
		{"trailing slash is another path", http.MethodGet, "/metrics/", http.StatusNotFound, "not_found"},
		{"root", http.MethodGet, "/", http.StatusNotFound, "not_found"},
		{"POST metrics", http.MethodPost, "/metrics", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"DELETE healthz", http.MethodDelete, "/healthz", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"PUT readyz", http.MethodPut, "/readyz", http.StatusMethodNotAllowed, "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, srv, tt.method, tt.path)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			assertProblem(t, resp, body, tt.wantCode)
			if tt.wantStatus == http.StatusMethodNotAllowed {
				if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
					t.Errorf("Allow = %q, want %q", allow, "GET, HEAD")
				}
			}
		})
	}
}

func TestHeadIsAllowed(t *testing.T) {
	srv := newServer(t, Options{Gatherer: prometheus.NewRegistry()})
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if resp, _ := do(t, srv, http.MethodHead, p); resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: status = %d, want 200", p, resp.StatusCode)
		}
	}
}

func assertJSON(t *testing.T, body string, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func assertProblem(t *testing.T, resp *http.Response, body, code string) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != pipeline.ProblemContentType {
		t.Errorf("Content-Type = %q, want %q", ct, pipeline.ProblemContentType)
	}
	assertJSON(t, body, map[string]any{"type": "urn:rampart:problem:" + code, "status": float64(resp.StatusCode)})
}

// brokenCollector fails every collection, like a collector whose backend is down.
type brokenCollector struct{}

func brokenDesc() *prometheus.Desc {
	return prometheus.NewDesc("rampart_broken", "Always fails.", nil, nil)
}

func (brokenCollector) Describe(ch chan<- *prometheus.Desc) { ch <- brokenDesc() }

func (brokenCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.NewInvalidMetric(brokenDesc(), errors.New("backend down"))
}
