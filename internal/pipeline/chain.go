package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"time"
)

// Guard inspects a request before it is proxied. It returns the request to
// continue with (the same one, or one carrying new context values) or an
// error: a *Denial blocks with that answer, any other error is an internal
// failure answered with a generic 500 (fail closed). With a monitored
// denial (the stage's mode, or Denial.Monitor) the request goes on, and a
// non-nil request returned with it is the one that goes on.
type Guard interface {
	Name() string
	Check(r *http.Request) (*http.Request, error)
}

// Releaser is implemented by guards that hold a resource for the life of an
// admitted request (a concurrency slot). The Chain calls Release after the
// response for every guard whose Check passed.
type Releaser interface {
	Release(r *http.Request)
}

// ResponseObserver is implemented by guards that look at upstream responses
// (brute-force counting of 401s, data-leak masking). The proxy calls
// Chain.ObserveResponse, which calls the observers of every guard of the
// chain the request went through: a guard in monitor mode that objected
// still observes, so that counting (failed logins) goes on while a rule is
// being tried out.
type ResponseObserver interface {
	ObserveResponse(r *http.Request, resp *http.Response) error
}

// Stage is a guard with its mode.
type Stage struct {
	Guard Guard
	Mode  Mode
}

// Options configures a Chain.
type Options struct {
	// Stages run in order; the first enforcing denial stops the chain.
	Stages []Stage
	// Next serves requests that pass every guard (the proxy).
	Next http.Handler
	// Route is recorded on every Outcome of this chain. The composition root
	// builds one chain per route, so routing costs nothing per guard.
	Route Route
	// ClientIP resolves the client address; nil means the TCP peer.
	ClientIP *ClientIPResolver
	// Outcomes and Events receive the records of every request.
	Outcomes []OutcomeSink
	Events   []EventSink
	// Logger receives denial causes and recovered panics; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

type stage struct {
	guard    Guard
	name     string
	mode     Mode
	releaser Releaser
	observer ResponseObserver
}

// Chain runs guards in order, then the next handler, and records the
// Outcome and Events of every request.
type Chain struct {
	stages   []stage
	next     http.Handler
	clientIP *ClientIPResolver
	outcomes []OutcomeSink
	events   []EventSink
	log      *slog.Logger
	now      func() time.Time
	ids      *idGenerator
	route    Route
}

// NewChain validates opts and builds a Chain.
func NewChain(opts Options) (*Chain, error) {
	if opts.Next == nil {
		return nil, errors.New("pipeline: Next handler is required")
	}
	c := &Chain{
		next:     opts.Next,
		clientIP: opts.ClientIP,
		outcomes: opts.Outcomes,
		events:   opts.Events,
		log:      opts.Logger,
		now:      opts.Now,
		ids:      newIDGenerator(),
		route:    opts.Route,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	seen := map[string]bool{}
	for i, s := range opts.Stages {
		if s.Guard == nil {
			return nil, fmt.Errorf("pipeline: stage %d has no guard", i)
		}
		name := s.Guard.Name()
		if seen[name] {
			return nil, fmt.Errorf("pipeline: guard %q appears twice", name)
		}
		seen[name] = true
		st := stage{guard: s.Guard, name: name, mode: s.Mode}
		st.releaser, _ = s.Guard.(Releaser)
		st.observer, _ = s.Guard.(ResponseObserver)
		c.stages = append(c.stages, st)
	}
	return c, nil
}

// ServeHTTP runs the request through the guards and the next handler.
func (c *Chain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := &State{Context: r.Context(), chain: c, start: c.now()}
	s.w.ResponseWriter = w
	o := &s.outcome
	o.Time = s.start
	o.Route = c.route
	o.Method, o.Host, o.Path = r.Method, r.Host, r.URL.Path
	o.UserAgent = r.UserAgent()
	o.RequestID = c.requestID(s, r)
	s.idHeader[0] = o.RequestID
	w.Header()["X-Request-Id"] = s.idHeader[:]
	if c.clientIP != nil {
		o.Client = c.clientIP.Resolve(r)
	} else {
		o.Client = peerAddr(r.RemoteAddr)
	}
	r = r.WithContext(s)
	if r.Body != nil && r.Body != http.NoBody {
		s.body.rc = r.Body
		r.Body = &s.body
	}
	passed := 0
	defer func() { c.finish(s, r, passed, recover()) }()
	for i := range c.stages {
		st := &c.stages[i]
		next, err := st.guard.Check(r)
		if err != nil {
			if c.deny(s, r, st, err) {
				return
			}
			// A monitored denial lets the request go on, but the guard did not
			// admit it and holds nothing for it: releasing would free a slot
			// some other request owns.
			s.unreleased = append(s.unreleased, i)
			if next != nil {
				// The guard may still hand on what later stages need (the
				// schema guard's operation, for response validation).
				r = next
			}
		} else if next != nil {
			r = next
		}
		passed = i + 1
	}
	c.next.ServeHTTP(&s.w, r)
}

// deny records a guard's error and reports whether the request must stop.
func (c *Chain) deny(s *State, r *http.Request, st *stage, err error) bool {
	var d *Denial
	// A typed nil *Denial is a guard bug, not a decision: treat it as a failure.
	internal := !errors.As(err, &d) || d == nil
	if internal {
		// A guard failed, not decided: fail closed with no detail, even in
		// Monitor mode (a broken guard must not silently let traffic through).
		c.log.LogAttrs(s, slog.LevelError, "guard failed",
			slog.String("guard", st.name), slog.String("request_id", s.outcome.RequestID), slog.Any("error", err))
		d = &Denial{Status: http.StatusInternalServerError, Code: "internal_error",
			PublicMessage: "The request could not be processed.", Rule: "guard_error", Cause: err}
		s.failed = true
	}
	// Fill in the guard on our copy: a guard may return one shared *Denial
	// from many requests, and writing to it would be a data race.
	s.outcome.Denials = append(s.outcome.Denials, *d)
	d = &s.outcome.Denials[len(s.outcome.Denials)-1]
	if d.Guard == "" {
		d.Guard = st.name
	}
	if (st.mode == Monitor || d.Monitor) && !internal {
		return false
	}
	if d.Cause != nil {
		c.log.LogAttrs(s, slog.LevelDebug, "request denied", slog.String("guard", d.Guard),
			slog.String("rule", d.Rule), slog.String("request_id", s.outcome.RequestID), slog.Any("cause", d.Cause))
	}
	s.enforced = true
	WriteDenial(&s.w, r, d)
	return true
}

// ObserveResponse lets response-observing guards see an upstream response.
// The proxy calls it from ReverseProxy.ModifyResponse; an error turns the
// response into a 502 (the observer decided it must not reach the client).
func (c *Chain) ObserveResponse(resp *http.Response) error {
	if resp.Request == nil {
		return nil
	}
	for i := range c.stages {
		if obs := c.stages[i].observer; obs != nil {
			if err := obs.ObserveResponse(resp.Request, resp); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish recovers a panic, releases guard resources and emits the records.
func (c *Chain) finish(s *State, r *http.Request, passed int, panicked any) {
	for i := passed - 1; i >= 0; i-- {
		if rel := c.stages[i].releaser; rel != nil && !slices.Contains(s.unreleased, i) {
			rel.Release(r)
		}
	}
	abort := panicked == http.ErrAbortHandler
	if panicked != nil {
		s.failed = true
		if !abort {
			abort = !c.recovered(s, r, panicked)
		}
	}
	o := &s.outcome
	o.Latency = c.now().Sub(s.start)
	o.Status = s.w.status
	if o.Status == 0 {
		o.Status = http.StatusOK
	}
	o.BytesIn = s.body.n
	o.BytesOut = s.w.bytes
	switch {
	case s.failed:
		o.Verdict = VerdictError
	case s.enforced:
		o.Verdict = VerdictDenied
	case len(o.Denials) > 0:
		o.Verdict = VerdictFlagged
	default:
		o.Verdict = VerdictAllowed
	}
	c.emit(s)
	if abort {
		// Raise http.ErrAbortHandler so net/http aborts the connection without
		// logging a trace (httputil.ReverseProxy uses it when an upstream
		// stream breaks). Returning normally after a panic mid-body would let
		// net/http end the response cleanly, and the client would take a
		// truncated body for a complete one.
		panic(http.ErrAbortHandler)
	}
}

// recovered turns a panic into a 500 problem+json and an Event; the process
// keeps serving. A panic after the headers went out cannot be answered: it
// reports false and the caller aborts the connection instead.
func (c *Chain) recovered(s *State, r *http.Request, p any) bool {
	c.log.LogAttrs(s, slog.LevelError, "panic serving request", slog.String("request_id", s.outcome.RequestID),
		slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
	s.events = append(s.events, Event{Kind: "panic", Severity: SeverityHigh,
		Message: "a handler panicked; the request was answered with 500"})
	if s.w.status != 0 {
		return false
	}
	// Drop whatever the handler staged (Content-Encoding, Set-Cookie, a
	// Content-Length): the 500 must stand on its own.
	h := s.w.Header()
	clear(h)
	h["X-Request-Id"] = s.idHeader[:]
	WriteProblem(&s.w, r, http.StatusInternalServerError, "internal_error", "The request could not be processed.")
	return true
}

// emit hands the Outcome and Events to the sinks.
func (c *Chain) emit(s *State) {
	o := &s.outcome
	for i := range o.Denials {
		d := &o.Denials[i]
		if d.SuppressEvent {
			continue
		}
		sev := d.Severity
		if sev == "" {
			sev = SeverityMedium
		}
		enforcedDenial := s.enforced && i == len(o.Denials)-1
		s.events = append(s.events, Event{Kind: "denial", Severity: sev, Category: d.Category, Guard: d.Guard,
			Rule: d.Rule, Message: d.PublicMessage, Monitor: !enforcedDenial, Evidence: d.Evidence})
	}
	for i := range c.outcomes {
		c.outcomes[i].WriteOutcome(o)
	}
	if len(s.events) == 0 || len(c.events) == 0 {
		return
	}
	subject := ""
	if o.Identity != nil {
		subject = o.Identity.Subject
	}
	for i := range s.events {
		e := &s.events[i]
		if e.Time.IsZero() {
			e.Time = o.Time
		}
		e.RequestID, e.Client, e.Route = o.RequestID, o.Client, o.Route
		e.Method, e.Path = o.Method, o.Path
		if e.Subject == "" {
			e.Subject = subject
		}
		for _, sink := range c.events {
			sink.WriteEvent(e)
		}
	}
}
