package shed

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// waitLimit bounds every channel wait so a broken sequence fails the test
// instead of hanging it; nothing is expected to take anywhere near this.
const waitLimit = 10 * time.Second

// harness is a real gateway chain (shedder first, then a handler that holds
// its slot until told to finish) behind a real loopback HTTP server.
type harness struct {
	srv     *httptest.Server
	shedder *Shedder
	entered chan struct{} // one value per request that reached the handler
	finish  chan struct{} // each value lets one handler return
	queued  chan struct{} // one value per request that joined the queue
	reasons chan string   // OnShed reasons
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{
		entered: make(chan struct{}, 16),
		finish:  make(chan struct{}),
		queued:  make(chan struct{}, 16),
		reasons: make(chan string, 16),
	}
	s, err := New(cfg, Options{OnShed: func(reason string) { h.reasons <- reason }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.afterEnqueue = func() { h.queued <- struct{}{} }
	h.shedder = s
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages: []pipeline.Stage{{Guard: s, Mode: pipeline.Enforce}},
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.entered <- struct{}{}
			select {
			case <-h.finish:
			case <-r.Context().Done():
			}
			_, _ = io.WriteString(w, "ok")
		}),
	})
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	h.srv = httptest.NewServer(chain)
	t.Cleanup(h.srv.Close)
	return h
}

type result struct {
	status int
	header http.Header
	body   string
	err    error
}

// get sends a GET with ctx and returns its result.
func (h *harness) get(ctx context.Context) result {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/", nil)
	if err != nil {
		return result{err: err}
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

// goGet sends a GET in the background.
func (h *harness) goGet(ctx context.Context) <-chan result {
	ch := make(chan result, 1)
	go func() { ch <- h.get(ctx) }()
	return ch
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func (h *harness) finishOne(t *testing.T) {
	t.Helper()
	select {
	case h.finish <- struct{}{}:
	case <-time.After(waitLimit):
		t.Fatal("no handler to finish")
	}
}

func wantOK(t *testing.T, r result, name string) {
	t.Helper()
	if r.err != nil || r.status != http.StatusOK || r.body != "ok" {
		t.Errorf("%s: got status %d body %q err %v, want 200 ok", name, r.status, r.body, r.err)
	}
}

func wantOverloaded(t *testing.T, r result, name string) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("%s: %v", name, r.err)
	}
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("%s: status = %d, want 503", name, r.status)
	}
	if ct := r.header.Get("Content-Type"); ct != pipeline.ProblemContentType {
		t.Errorf("%s: Content-Type = %q, want %q", name, ct, pipeline.ProblemContentType)
	}
	if ra := r.header.Get("Retry-After"); ra != "1" {
		t.Errorf("%s: Retry-After = %q, want 1", name, ra)
	}
	if !strings.Contains(r.body, `"urn:rampart:problem:overloaded"`) || !strings.Contains(r.body, overloadedMessage) {
		t.Errorf("%s: body = %s, want the overloaded problem", name, r.body)
	}
}

func TestQueueAdmitsWaiterAndShedsWhenFull(t *testing.T) {
	h := newHarness(t, Config{MaxConcurrent: 2, MaxQueue: 1, QueueTimeout: time.Minute})
	ctx := t.Context()

	first, second := h.goGet(ctx), h.goGet(ctx)
	recv(t, h.entered, "first request in handler")
	recv(t, h.entered, "second request in handler")

	third := h.goGet(ctx)
	recv(t, h.queued, "third request queued")

	// Slots and queue are full: the fourth is answered at once, without
	// waiting for the queue deadline (a minute).
	wantOverloaded(t, h.get(ctx), "fourth")
	if got := recv(t, h.reasons, "shed reason"); got != ReasonQueueFull {
		t.Errorf("reason = %q, want %q", got, ReasonQueueFull)
	}
	// The denied request must not have released a slot it never held.
	if in, q := h.shedder.InFlight(), h.shedder.Queued(); in != 2 || q != 1 {
		t.Errorf("after shedding: InFlight %d Queued %d, want 2 and 1", in, q)
	}

	h.finishOne(t)
	recv(t, h.entered, "third request admitted after a release")
	h.finishOne(t)
	h.finishOne(t)
	for i, ch := range []<-chan result{first, second, third} {
		wantOK(t, recv(t, ch, "response"), []string{"first", "second", "third"}[i])
	}
	if in, q := h.shedder.InFlight(), h.shedder.Queued(); in != 0 || q != 0 {
		t.Errorf("at rest: InFlight %d Queued %d, want 0 and 0", in, q)
	}
}

func TestQueuedRequestTimesOut(t *testing.T) {
	h := newHarness(t, Config{MaxConcurrent: 1, MaxQueue: 1, QueueTimeout: 50 * time.Millisecond})
	ctx := t.Context()

	holder := h.goGet(ctx)
	recv(t, h.entered, "holder in handler")

	wantOverloaded(t, h.get(ctx), "queued request")
	if got := recv(t, h.reasons, "shed reason"); got != ReasonQueueTimeout {
		t.Errorf("reason = %q, want %q", got, ReasonQueueTimeout)
	}
	if q := h.shedder.Queued(); q != 0 {
		t.Errorf("Queued = %d after timeout, want 0", q)
	}
	h.finishOne(t)
	wantOK(t, recv(t, holder, "holder response"), "holder")
}

func TestClientCancelFreesQueuePlace(t *testing.T) {
	h := newHarness(t, Config{MaxConcurrent: 1, MaxQueue: 1, QueueTimeout: time.Minute})
	ctx := t.Context()

	holder := h.goGet(ctx)
	recv(t, h.entered, "holder in handler")

	cancelCtx, cancel := context.WithCancel(ctx)
	canceled := h.goGet(cancelCtx)
	recv(t, h.queued, "request queued")
	cancel()
	if r := recv(t, canceled, "canceled response"); !errors.Is(r.err, context.Canceled) {
		t.Errorf("canceled request: got status %d err %v, want context.Canceled", r.status, r.err)
	}
	// The server sees the closed connection and gives the place back long
	// before the one-minute queue deadline.
	if got := recv(t, h.reasons, "shed reason"); got != ReasonCanceled {
		t.Errorf("reason = %q, want %q", got, ReasonCanceled)
	}
	if q := h.shedder.Queued(); q != 0 {
		t.Fatalf("Queued = %d after cancel, want 0", q)
	}

	// The freed place is usable: the next request queues instead of being shed.
	next := h.goGet(ctx)
	recv(t, h.queued, "next request queued")
	h.finishOne(t)
	recv(t, h.entered, "next request admitted")
	h.finishOne(t)
	wantOK(t, recv(t, holder, "holder response"), "holder")
	wantOK(t, recv(t, next, "next response"), "next")
}
