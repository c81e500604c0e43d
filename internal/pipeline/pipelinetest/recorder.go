package pipelinetest

import (
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// AwaitTimeout is how long Await waits for an Outcome before it fails the
// test: far longer than a request takes on a loaded test machine.
const AwaitTimeout = 10 * time.Second

// Recorder is an OutcomeSink and an EventSink that keeps a copy of every
// Outcome and Event (their Denials and Evidence copied too: the Chain
// reuses its buffers). Behind a real server a Chain emits after the client
// has its answer, so a test awaits the Outcome of each request it sent.
// Its methods are safe for concurrent use; the zero value is ready.
type Recorder struct {
	mu       sync.Mutex
	outcomes []pipeline.Outcome
	events   []pipeline.Event
	awaited  int           // outcomes[:awaited] were handed to Await
	written  chan struct{} // closed, and replaced, on every WriteOutcome
}

var (
	_ pipeline.OutcomeSink = (*Recorder)(nil)
	_ pipeline.EventSink   = (*Recorder)(nil)
)

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{} }

// WriteOutcome keeps a copy of o and wakes Await.
func (r *Recorder) WriteOutcome(o *pipeline.Outcome) {
	c := *o
	c.Denials = slices.Clone(o.Denials)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes = append(r.outcomes, c)
	if r.written != nil {
		close(r.written)
		r.written = nil
	}
}

// WriteEvent keeps a copy of e.
func (r *Recorder) WriteEvent(e *pipeline.Event) {
	c := *e
	c.Evidence = maps.Clone(e.Evidence)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, c)
}

// Await returns the first Outcome not yet returned by Await, in the order
// they were written, waiting up to AwaitTimeout for it.
func (r *Recorder) Await(t testing.TB) pipeline.Outcome {
	t.Helper()
	deadline := time.NewTimer(AwaitTimeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		if r.awaited < len(r.outcomes) {
			o := r.outcomes[r.awaited]
			r.awaited++
			r.mu.Unlock()
			return o
		}
		if r.written == nil {
			r.written = make(chan struct{})
		}
		written := r.written
		r.mu.Unlock()
		select {
		case <-written:
		case <-deadline.C:
			t.Fatalf("no Outcome written within %v", AwaitTimeout)
			return pipeline.Outcome{}
		}
	}
}

// Outcomes returns the Outcomes written so far, in order.
func (r *Recorder) Outcomes() []pipeline.Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.outcomes)
}

// Events returns the Events written so far, in order.
func (r *Recorder) Events() []pipeline.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// TakeEvents returns the Events written so far and forgets them.
func (r *Recorder) TakeEvents() []pipeline.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// Reset forgets every Outcome and Event written so far, awaited or not.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes, r.events, r.awaited = nil, nil, 0
}

// OutcomeOf returns the Outcome of the request with the given id, failing
// the test when none was written.
func (r *Recorder) OutcomeOf(t testing.TB, requestID string) pipeline.Outcome {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.outcomes {
		if o.RequestID == requestID {
			return o
		}
	}
	t.Fatalf("no Outcome for request %s", requestID)
	return pipeline.Outcome{}
}

// EventsOfRequest returns the Events of the request with the given id.
func (r *Recorder) EventsOfRequest(requestID string) []pipeline.Event {
	return r.eventsWhere(func(e *pipeline.Event) bool { return e.RequestID == requestID })
}

// EventsOfKind returns the Events of a kind ("denial", "ban", ...).
func (r *Recorder) EventsOfKind(kind string) []pipeline.Event {
	return r.eventsWhere(func(e *pipeline.Event) bool { return e.Kind == kind })
}

func (r *Recorder) eventsWhere(match func(*pipeline.Event) bool) []pipeline.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []pipeline.Event
	for i := range r.events {
		if match(&r.events[i]) {
			out = append(out, r.events[i])
		}
	}
	return out
}

// Denials returns the Denials of every Outcome written so far, in order.
func (r *Recorder) Denials() []pipeline.Denial {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []pipeline.Denial
	for _, o := range r.outcomes {
		out = append(out, o.Denials...)
	}
	return out
}
