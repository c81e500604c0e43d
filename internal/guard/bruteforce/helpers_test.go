package bruteforce

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/proxy"
	"github.com/rampartsec/rampart/internal/sampleapi"
	"github.com/rampartsec/rampart/internal/store"
)

// loginRoute is the credential route of every harness.
var loginRoute = pipeline.Route{API: "sample", Route: "login"}

// testKey is a fixed account key, so tests can compute store keys.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// newTestClock is a settable clock shared by the guard and the store. It
// starts on a 1h boundary, so the store's epoch-aligned windows start with
// the test.
func newTestClock() *pipelinetest.Clock {
	return pipelinetest.NewClock(time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC))
}

// banCheck stands in for the ban guard (another package): it denies a
// client whose address or /24 or /64 carries a "ban" mark, with the key
// formats the ban guard reads.
type banCheck struct{ marks Marks }

func (b banCheck) Name() string { return "bancheck" }

func (b banCheck) Check(r *http.Request) (*http.Request, error) {
	ip := pipeline.ClientIP(r)
	keys := []string{"ip:" + ip.String(), "net:" + networkOf(ip, 24, 64).String()}
	for _, k := range keys {
		if _, ok, err := b.marks.GetMark(r.Context(), NamespaceBan, k); err != nil {
			return nil, err
		} else if ok {
			return nil, &pipeline.Denial{Status: http.StatusForbidden, Code: "banned", PublicMessage: "banned", Rule: k}
		}
	}
	return r, nil
}

// harness is a real gateway in miniature: a loopback server running a
// pipeline.Chain (ban check, brute-force guard) in front of the real
// internal/proxy and an upstream (the sample API unless given), with a
// client-IP resolver that trusts 127.0.0.1, so X-Forwarded-For chooses
// the client address.
type harness struct {
	t      *testing.T
	clock  *pipelinetest.Clock
	mem    *store.Memory
	guard  *Guard
	rec    *pipelinetest.Recorder // the chain's Outcomes and Events
	url    string
	client *http.Client

	mu     sync.Mutex
	delays []time.Duration
}

type harnessOptions struct {
	mode     pipeline.Mode
	upstream string // base URL; "" starts the sample API
	sleep    func(ctx context.Context, d time.Duration) error
	extra    []pipeline.EventSink
}

func newHarness(t *testing.T, cfg Config, ho harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, clock: newTestClock(), rec: pipelinetest.NewRecorder()}
	mem, err := newMemory(h.clock)
	if err != nil {
		t.Fatalf("NewMemory: %v", err)
	}
	h.mem = mem
	if cfg.Endpoints == nil {
		cfg.Endpoints = map[pipeline.Route]Endpoint{loginRoute: {}}
	}
	if cfg.AccountKey == nil {
		cfg.AccountKey = testKey
	}
	g, err := New(cfg, Options{Counters: mem, Distinct: mem, Marks: mem, Now: h.clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	g.sleep = ho.sleep
	if g.sleep == nil {
		g.sleep = func(_ context.Context, d time.Duration) error {
			h.mu.Lock()
			h.delays = append(h.delays, d)
			h.mu.Unlock()
			return nil
		}
	}
	h.guard = g

	upstream := ho.upstream
	if upstream == "" {
		api, err := sampleapi.Start(t.Context(), sampleapi.Config{}, "127.0.0.1:0")
		if err != nil {
			t.Fatalf("starting the sample API: %v", err)
		}
		t.Cleanup(func() { _ = api.Close() })
		upstream = api.URL()
	}
	resolver, err := pipeline.NewClientIPResolver([]string{"127.0.0.1/32"})
	if err != nil {
		t.Fatalf("NewClientIPResolver: %v", err)
	}
	p, err := proxy.New("sample", proxy.Config{Upstreams: []string{upstream}},
		proxy.Options{ObserveResponse: pipeline.ObserveResponse, TrustedPeer: resolver.Trusted})
	if err != nil {
		t.Fatalf("proxy.New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	sinks := append([]pipeline.EventSink{h.rec}, ho.extra...)
	chainFor := func(route pipeline.Route) http.Handler {
		c, err := pipeline.NewChain(pipeline.Options{
			Stages:   []pipeline.Stage{{Guard: banCheck{marks: mem}}, {Guard: g, Mode: ho.mode}},
			Next:     p,
			Route:    route,
			ClientIP: resolver,
			Events:   sinks,
			Outcomes: []pipeline.OutcomeSink{h.rec},
			Now:      h.clock.Now,
		})
		if err != nil {
			t.Fatalf("NewChain: %v", err)
		}
		return c
	}
	mux := http.NewServeMux()
	mux.Handle("/api/login", chainFor(loginRoute))
	mux.Handle("/", chainFor(pipeline.Route{API: "sample", Route: "default"}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.url = srv.URL
	h.client = srv.Client()
	return h
}

// reply is what a client got back.
type reply struct {
	status     int
	code       string // problem+json type suffix, "" for other bodies
	retryAfter string
}

// send sends a request from the client address from (via X-Forwarded-For).
func (h *harness) send(from, method, path, contentType string, body io.Reader, hdr http.Header) reply {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.url+path, body)
	if err != nil {
		h.t.Fatalf("NewRequest: %v", err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Forwarded-For", from)
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s from %s: %v", method, path, from, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	rep := reply{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if resp.Header.Get("Content-Type") == pipeline.ProblemContentType {
		var p struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(raw, &p) == nil {
			rep.code = strings.TrimPrefix(p.Type, "urn:rampart:problem:")
		}
	}
	return rep
}

// login posts a JSON login from the client address from.
func (h *harness) login(from, username, password string) reply {
	h.t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	return h.send(from, http.MethodPost, "/api/login", "application/json", strings.NewReader(string(body)), nil)
}

// loginRaw posts a raw body to the login route.
func (h *harness) loginRaw(from, contentType, body string) reply {
	h.t.Helper()
	return h.send(from, http.MethodPost, "/api/login", contentType, strings.NewReader(body), nil)
}

// hasMark reports whether a live mark exists.
func (h *harness) hasMark(ns, key string) bool {
	h.t.Helper()
	_, ok, err := h.mem.GetMark(context.Background(), ns, key)
	if err != nil {
		h.t.Fatalf("GetMark(%s, %s): %v", ns, key, err)
	}
	return ok
}

// count reads one of the guard's counters without changing it.
func (h *harness) count(key string, window time.Duration) int64 {
	h.t.Helper()
	n, err := h.mem.Incr(context.Background(), counterPrefix+key, window, 0)
	if err != nil {
		h.t.Fatalf("reading counter %s: %v", key, err)
	}
	return n
}

// deniedRules counts the denials recorded on the Outcomes by rule.
func (h *harness) deniedRules() map[string]int {
	out := map[string]int{}
	for _, d := range h.rec.Denials() {
		out[d.Rule]++
	}
	return out
}

// accountKey is the lockout mark key of a username.
func (h *harness) accountKey(username string) string {
	return prefixAccount + h.guard.accountOf(username)
}

func (h *harness) recordedDelays() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.delays...)
}

// addr builds an IPv4 address string.
func addr(a, b, c, d byte) string { return netip.AddrFrom4([4]byte{a, b, c, d}).String() }

// newMemory builds the real in-memory store on the test clock.
func newMemory(c *pipelinetest.Clock) (*store.Memory, error) {
	return store.NewMemory(store.MemoryConfig{Now: c.Now})
}
