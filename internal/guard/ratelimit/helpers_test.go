package ratelimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/store"
)

// newClock is the settable clock the store and the guard share.
func newClock() *pipelinetest.Clock {
	return pipelinetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// headerAuth is the test's stand-in for authentication: it trusts
// X-Test-Subject, X-Test-Key-Id and X-Test-Tenant (the authn guard is not
// under test here; the identity it would set is).
type headerAuth struct{}

func (headerAuth) Name() string { return "authn" }

func (headerAuth) Check(r *http.Request) (*http.Request, error) {
	sub, kid, tenant := r.Header.Get("X-Test-Subject"), r.Header.Get("X-Test-Key-Id"), r.Header.Get("X-Test-Tenant")
	if sub == "" && kid == "" && tenant == "" {
		return r, nil
	}
	id := &pipeline.Identity{Subject: sub, KeyID: kid, Tenant: tenant, Claims: map[string]any{}}
	if org := r.Header.Get("X-Test-Org"); org != "" {
		id.Claims["org"] = org
	}
	pipeline.SetIdentity(r, id)
	return r, nil
}

// env is a gateway under test: a Chain with the guard behind a real server,
// a store on a fake clock, and a sink.
type env struct {
	clock *pipelinetest.Clock
	store *store.Memory
	sink  *pipelinetest.Recorder
	srv   *httptest.Server
	limit *Limiter
}

// limitsOf is shorthand for unnamed limits.
func limitsOf(ls ...store.Limit) []Limit {
	out := make([]Limit, len(ls))
	for i, l := range ls {
		out[i] = Limit{Limit: l}
	}
	return out
}

// newEnv builds the gateway. The guard enforces every policy of cfg, in
// order, after headerAuth; the peer 127.0.0.1 is a trusted proxy, so tests
// pick client addresses with X-Forwarded-For.
func newEnv(t testing.TB, cfg Config, mode pipeline.Mode, opts Options) *env {
	t.Helper()
	e := &env{clock: newClock(), sink: pipelinetest.NewRecorder()}
	st, err := store.NewMemory(store.MemoryConfig{Now: e.clock.Now})
	if err != nil {
		t.Fatalf("NewMemory: %v", err)
	}
	e.store = st
	if opts.Limiter == nil {
		opts.Limiter = st
	}
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	e.limit, err = New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var names []string
	for _, p := range cfg.Policies {
		names = append(names, p.Name)
	}
	g, err := e.limit.Guard("ratelimit", names...)
	if err != nil {
		t.Fatalf("Guard: %v", err)
	}
	resolver, err := pipeline.NewClientIPResolver([]string{"127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages:   []pipeline.Stage{{Guard: headerAuth{}}, {Guard: g, Mode: mode}},
		Next:     http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }),
		ClientIP: resolver,
		Outcomes: []pipeline.OutcomeSink{e.sink},
		Events:   []pipeline.EventSink{e.sink},
		Route:    pipeline.Route{API: "shop", Route: "orders"},
	})
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	e.srv = httptest.NewServer(chain)
	t.Cleanup(e.srv.Close)
	return e
}

// get sends one request with the given headers ("Name: value" pairs) and
// waits for its Outcome.
func (e *env) get(t *testing.T, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, e.srv.URL+"/orders", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	_ = resp.Body.Close()
	e.sink.Await(t)
	return resp
}

// statuses sends n requests and returns their status codes.
func (e *env) statuses(t *testing.T, n int, headers ...string) []int {
	t.Helper()
	out := make([]int, n)
	for i := range out {
		out[i] = e.get(t, headers...).StatusCode
	}
	return out
}

// repeat returns n copies of v.
func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// perSecond is a limit of rate per second with the given burst.
func perSecond(rate, burst int) store.Limit {
	return store.Limit{Rate: rate, Period: time.Second, Burst: burst}
}
