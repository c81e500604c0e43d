package ban

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// subjectAuth stands in for authentication: it trusts X-Test-Subject.
type subjectAuth struct{}

func (subjectAuth) Name() string { return "authn" }

func (subjectAuth) Check(r *http.Request) (*http.Request, error) {
	if sub := r.Header.Get("X-Test-Subject"); sub != "" {
		pipeline.SetIdentity(r, &pipeline.Identity{Subject: sub})
	}
	return r, nil
}

// countingMarks counts the store reads, to see the cache at work. It
// wraps the real store; it is not the thing under test.
type countingMarks struct {
	MarkReader
	mu    sync.Mutex
	reads int
	err   error
}

func (c *countingMarks) GetMark(ctx context.Context, ns, key string) (store.Mark, bool, error) {
	c.mu.Lock()
	c.reads++
	err := c.err
	c.mu.Unlock()
	if err != nil {
		return store.Mark{}, false, err
	}
	return c.MarkReader.GetMark(ctx, ns, key)
}

func (c *countingMarks) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

func (c *countingMarks) fail(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

// env is a gateway with ban guards in front (ip+net before authn, subject
// after), behind a real server. 127.0.0.1 is a trusted proxy: tests choose
// client addresses with X-Forwarded-For.
type env struct {
	clock *pipelinetest.Clock
	store *store.Memory
	reads *countingMarks
	sink  *pipelinetest.Recorder
	srv   *httptest.Server
	guard *Guard
	subj  *Guard
}

func newEnv(t *testing.T, cfg Config, opts Options) *env {
	t.Helper()
	e := &env{clock: newClock(), sink: pipelinetest.NewRecorder()}
	st, err := store.NewMemory(store.MemoryConfig{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.store = st
	e.reads = &countingMarks{MarkReader: st}
	opts.Marks = e.reads
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	if e.guard, err = New(cfg, opts); err != nil {
		t.Fatalf("New: %v", err)
	}
	subjCfg := cfg
	subjCfg.Name, subjCfg.Keys = "ban_subject", []string{KindSubject}
	if e.subj, err = New(subjCfg, opts); err != nil {
		t.Fatalf("New: %v", err)
	}
	resolver, err := pipeline.NewClientIPResolver([]string{"127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages:   []pipeline.Stage{{Guard: e.guard}, {Guard: subjectAuth{}}, {Guard: e.subj}},
		Next:     http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }),
		ClientIP: resolver,
		Outcomes: []pipeline.OutcomeSink{e.sink},
		Events:   []pipeline.EventSink{e.sink},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(chain)
	t.Cleanup(e.srv.Close)
	return e
}

// get sends one request with "Name: value" headers and waits for its Outcome.
func (e *env) get(t *testing.T, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	e.sink.Await(t)
	return resp
}

func (e *env) from(t *testing.T, addr string, headers ...string) *http.Response {
	t.Helper()
	return e.get(t, append([]string{"X-Forwarded-For: " + addr}, headers...)...)
}

// ban stores a ban from now for d.
func (e *env) ban(t *testing.T, key string, d time.Duration) store.Mark {
	t.Helper()
	now := e.clock.Now()
	m, err := Ban(context.Background(), e.store, store.Mark{Key: key, Since: now, Until: now.Add(d), Reason: "test", Source: "admin"})
	if err != nil {
		t.Fatalf("Ban(%s): %v", key, err)
	}
	return m
}
