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

// countingMarks counts the store calls and the keys they asked about, to
// see the cache and the batching at work, and injects failures: of every
// call (err) or of one key's answer (corrupt). It wraps the real store; it
// is not the thing under test.
type countingMarks struct {
	MarkReader
	mu      sync.Mutex
	calls   int
	keys    []string // every key asked, in order
	err     error
	corrupt map[string]error
}

func (c *countingMarks) GetMarks(ctx context.Context, ns string, keys []string, dst []store.MarkResult) ([]store.MarkResult, error) {
	c.mu.Lock()
	c.calls++
	c.keys = append(c.keys, keys...)
	err, corrupt := c.err, c.corrupt
	c.mu.Unlock()
	if err != nil {
		return dst, err
	}
	n := len(dst)
	dst, err = c.MarkReader.GetMarks(ctx, ns, keys, dst)
	for i, k := range keys {
		if kerr := corrupt[k]; kerr != nil && err == nil {
			dst[n+i] = store.MarkResult{Err: kerr}
		}
	}
	return dst, err
}

// count returns the number of store calls.
func (c *countingMarks) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// asked returns the keys asked so far and forgets them.
func (c *countingMarks) asked() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ks := c.keys
	c.keys = nil
	return ks
}

func (c *countingMarks) fail(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

// corruptKey makes key's answer an error of its own, as a corrupt stored
// mark is.
func (c *countingMarks) corruptKey(key string, err error) {
	c.mu.Lock()
	c.corrupt = map[string]error{key: err}
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
