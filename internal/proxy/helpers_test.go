package proxy

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// seen is what an echo upstream reports about the request it received.
type seen struct {
	Upstream   string              `json:"upstream"`
	RequestURI string              `json:"request_uri"`
	Host       string              `json:"host"`
	Header     map[string][]string `json:"header"`
}

// echoUpstream answers every request with a JSON description of it.
func echoUpstream(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(seen{Upstream: name, RequestURI: r.RequestURI, Host: r.Host, Header: r.Header})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// deadUpstream returns the URL of a loopback listener that was closed, so
// connecting to it is refused.
func deadUpstream(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

func newProxy(t *testing.T, cfg Config, opts Options) *Proxy {
	t.Helper()
	p, err := New("test-api", cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// recorder is an OutcomeSink and EventSink that hands records to the test.
type recorder struct {
	outcomes chan pipeline.Outcome
	mu       sync.Mutex
	events   []pipeline.Event
}

func newRecorder() *recorder { return &recorder{outcomes: make(chan pipeline.Outcome, 64)} }

func (r *recorder) WriteOutcome(o *pipeline.Outcome) { r.outcomes <- *o }

func (r *recorder) WriteEvent(e *pipeline.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, *e)
}

func (r *recorder) Events() []pipeline.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pipeline.Event(nil), r.events...)
}

// nextOutcome waits for the Outcome of the next request; the Chain emits it
// after the response, so it may arrive after the client has read the answer.
func (r *recorder) nextOutcome(t *testing.T) pipeline.Outcome {
	t.Helper()
	select {
	case o := <-r.outcomes:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("no Outcome emitted")
		return pipeline.Outcome{}
	}
}

// serveChained puts p behind a pipeline Chain (no guards) and a real
// loopback server, as the gateway does.
func serveChained(t *testing.T, p http.Handler, rec *recorder) *httptest.Server {
	t.Helper()
	opts := pipeline.Options{Next: p}
	if rec != nil {
		opts.Outcomes = []pipeline.OutcomeSink{rec}
		opts.Events = []pipeline.EventSink{rec}
	}
	chain, err := pipeline.NewChain(opts)
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	srv := httptest.NewServer(chain)
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request and returns the response with its body read.
func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return res, string(body)
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func decodeSeen(t *testing.T, body string) seen {
	t.Helper()
	var s seen
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("upstream answer %q: %v", body, err)
	}
	return s
}

// problem is an RFC 9457 body as pipeline.WriteProblem writes it.
type problem struct {
	Type      string `json:"type"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
}

// wantProblem checks a problem+json answer and that it leaks no Go error text.
func wantProblem(t *testing.T, res *http.Response, body string, status int, code string) problem {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status = %d, want %d (body %q)", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != pipeline.ProblemContentType {
		t.Fatalf("Content-Type = %q, want %q", ct, pipeline.ProblemContentType)
	}
	var p problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if want := "urn:rampart:problem:" + code; p.Type != want {
		t.Fatalf("type = %q, want %q", p.Type, want)
	}
	// The request id is random base32 and may spell "EOF" or "TLS" by chance,
	// so it is removed before looking for Go error text.
	scrubbed := strings.ReplaceAll(body, p.RequestID, "")
	for _, leak := range []string{"dial", "tcp", "refused", "127.0.0.1", "timeout awaiting", "net/http",
		"context", "EOF", "goroutine", "x509", "tls"} {
		if strings.Contains(scrubbed, leak) {
			t.Fatalf("problem body leaks %q: %s", leak, body)
		}
	}
	return p
}

// fakeClock is an injectable clock for passive health tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

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

// errorHooks records OnUpstreamError calls.
type errorHooks struct {
	mu    sync.Mutex
	calls []string // "upstream kind"
}

func (h *errorHooks) hook(api, upstream, kind string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, upstream+" "+kind)
}

func (h *errorHooks) Calls() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.calls...)
}

func (h *errorHooks) count(kind string) int {
	n := 0
	for _, c := range h.Calls() {
		if strings.HasSuffix(c, " "+kind) {
			n++
		}
	}
	return n
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
