package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// funcGuard is a guard whose decision is a function; nil check passes.
type funcGuard struct {
	name  string
	check func(r *http.Request) (*http.Request, error)
}

func (g *funcGuard) Name() string { return g.name }

func (g *funcGuard) Check(r *http.Request) (*http.Request, error) {
	if g.check == nil {
		return r, nil
	}
	return g.check(r)
}

var _ Guard = (*funcGuard)(nil)

// slotGuard counts Check calls and Releases, like a concurrency limiter.
type slotGuard struct {
	funcGuard
	mu       sync.Mutex
	checks   int
	releases int
	log      *[]string // shared call log, optional
}

func (g *slotGuard) Check(r *http.Request) (*http.Request, error) {
	g.mu.Lock()
	g.checks++
	if g.log != nil {
		*g.log = append(*g.log, "check "+g.name)
	}
	g.mu.Unlock()
	return g.funcGuard.Check(r)
}

func (g *slotGuard) Release(*http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.releases++
	if g.log != nil {
		*g.log = append(*g.log, "release "+g.name)
	}
}

func (g *slotGuard) counts() (checks, releases int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.checks, g.releases
}

var _ Releaser = (*slotGuard)(nil)

// sink keeps copies of Outcomes and Events; the pointers it receives are
// only valid during the call. Outcomes are also sent on a channel so tests
// against a real server can await them.
type sink struct {
	mu       sync.Mutex
	outcomes []Outcome
	events   []Event
	done     chan Outcome
}

func newSink() *sink { return &sink{done: make(chan Outcome, 256)} }

func (s *sink) WriteOutcome(o *Outcome) {
	c := *o
	c.Denials = slices.Clone(o.Denials)
	s.mu.Lock()
	s.outcomes = append(s.outcomes, c)
	s.mu.Unlock()
	select {
	case s.done <- c:
	default:
	}
}

func (s *sink) WriteEvent(e *Event) {
	c := *e
	c.Evidence = maps.Clone(e.Evidence)
	s.mu.Lock()
	s.events = append(s.events, c)
	s.mu.Unlock()
}

var (
	_ OutcomeSink = (*sink)(nil)
	_ EventSink   = (*sink)(nil)
)

// only returns the one Outcome recorded and the Events so far.
func (s *sink) only(t *testing.T) (Outcome, []Event) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.outcomes) != 1 {
		t.Fatalf("got %d outcomes, want 1", len(s.outcomes))
	}
	return s.outcomes[0], slices.Clone(s.events)
}

// snapshotEvents returns the events recorded so far.
func (s *sink) snapshotEvents() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// await returns the next Outcome emitted by a Chain behind a real server,
// where the sinks run after the client already has the response.
func (s *sink) await(t *testing.T) Outcome {
	t.Helper()
	select {
	case o := <-s.done:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no outcome emitted")
		return Outcome{}
	}
}

// newTestChain builds a Chain writing to a fresh sink.
func newTestChain(t testing.TB, opts Options) (*Chain, *sink) {
	t.Helper()
	snk := newSink()
	opts.Outcomes = append(opts.Outcomes, snk)
	opts.Events = append(opts.Events, snk)
	if opts.Next == nil {
		opts.Next = okHandler
	}
	c, err := NewChain(opts)
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	return c, snk
}

// problem is the RFC 9457 body Rampart writes.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
}

// decodeProblem checks the media type and decodes a problem+json body,
// rejecting unknown members so nothing else slips into the answer.
func decodeProblem(t *testing.T, h http.Header, body []byte) problem {
	t.Helper()
	if ct := h.Get("Content-Type"); ct != ProblemContentType {
		t.Fatalf("Content-Type = %q, want %q", ct, ProblemContentType)
	}
	var p problem
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body %q is not valid problem JSON: %v", body, err)
	}
	return p
}

// serve runs one request through c with an in-memory recorder.
func serve(c http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, r)
	return rec
}

type ctxKey struct{}

// withValue returns r carrying v under ctxKey.
func withValue(r *http.Request, v string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), ctxKey{}, v))
}
