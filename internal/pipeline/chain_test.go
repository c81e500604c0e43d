package pipeline

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestChainRunsGuardsInOrder(t *testing.T) {
	var calls []string
	guard := func(name string) Stage {
		return Stage{Guard: &funcGuard{name: name, check: func(r *http.Request) (*http.Request, error) {
			calls = append(calls, name)
			return r, nil
		}}}
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, "next")
		w.WriteHeader(http.StatusNoContent)
	})
	c, snk := newTestChain(t, Options{Stages: []Stage{guard("ban"), guard("ratelimit"), guard("authn")}, Next: next})

	rec := serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

	if want := []string{"ban", "ratelimit", "authn", "next"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %v, want %v", calls, want)
	}
	if rec.Code != http.StatusNoContent {
		t.Errorf("status = %d, want 204", rec.Code)
	}
	o, events := snk.only(t)
	if o.Verdict != VerdictAllowed || o.Status != http.StatusNoContent || len(o.Denials) != 0 || len(events) != 0 {
		t.Errorf("outcome = %+v, events = %v; want allowed 204 with no denials or events", o, events)
	}
}

func TestChainEnforcedDenialStopsChain(t *testing.T) {
	const secret = "redis at 10.1.2.3:6379 said NOAUTH"
	var laterCalled, nextCalled bool
	deny := &funcGuard{name: "ratelimit", check: func(*http.Request) (*http.Request, error) {
		return nil, &Denial{
			Status:        http.StatusTooManyRequests,
			Code:          "rate_limited",
			PublicMessage: "Too many requests; slow down.",
			Rule:          "per_ip",
			RetryAfter:    1500 * time.Millisecond,
			Category:      "API4:2023",
			Severity:      SeverityLow,
			Header:        http.Header{"Ratelimit-Policy": {"100;w=60"}},
			Cause:         errors.New(secret),
		}
	}}
	later := &funcGuard{name: "authn", check: func(r *http.Request) (*http.Request, error) {
		laterCalled = true
		return r, nil
	}}
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { nextCalled = true })
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: &funcGuard{name: "ban"}}, {Guard: deny}, {Guard: later}}, Next: next})
	srv := httptest.NewServer(c)
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/api/users")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	o := snk.await(t)

	if laterCalled || nextCalled {
		t.Errorf("later guard called = %v, next called = %v; want neither after an enforced denial", laterCalled, nextCalled)
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("status = %d, want 429", resp.StatusCode)
	}
	p := decodeProblem(t, resp.Header, body)
	want := problem{
		Type:      "urn:rampart:problem:rate_limited",
		Title:     "Too Many Requests",
		Status:    http.StatusTooManyRequests,
		Detail:    "Too many requests; slow down.",
		RequestID: resp.Header.Get("X-Request-Id"),
	}
	if p != want || p.RequestID == "" {
		t.Errorf("problem = %+v, want %+v", p, want)
	}
	if got := resp.Header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2 (1.5s rounded up)", got)
	}
	if got := resp.Header.Get("RateLimit-Policy"); got != "100;w=60" {
		t.Errorf("RateLimit-Policy = %q, want the Denial.Header value", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if strings.Contains(string(body), "redis") || strings.Contains(string(body), "10.1.2.3") {
		t.Errorf("body leaks the private cause: %s", body)
	}
	if o.Verdict != VerdictDenied || o.Status != http.StatusTooManyRequests || o.RequestID != p.RequestID {
		t.Errorf("outcome verdict=%s status=%d id=%q; want denied 429 %q", o.Verdict, o.Status, o.RequestID, p.RequestID)
	}
	if len(o.Denials) != 1 || o.Denials[0].Guard != "ratelimit" || o.Denials[0].Rule != "per_ip" {
		t.Fatalf("denials = %+v, want one from guard ratelimit (filled in by the chain)", o.Denials)
	}
	if o.BytesOut != int64(len(body)) {
		t.Errorf("BytesOut = %d, want %d", o.BytesOut, len(body))
	}
}

func TestChainDenialEventAndCauseStayPrivate(t *testing.T) {
	shared := &Denial{Status: http.StatusForbidden, Code: "forbidden", PublicMessage: "No.", Category: "API5:2023",
		Cause: errors.New("role admin missing in token for alice@example.com")}
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: &funcGuard{name: "authz",
		check: func(*http.Request) (*http.Request, error) { return nil, shared }}}}})

	rec := serve(c, httptest.NewRequest(http.MethodDelete, "/admin", nil))

	if strings.Contains(rec.Body.String(), "alice") || strings.Contains(rec.Body.String(), "role") {
		t.Errorf("body leaks the cause: %s", rec.Body)
	}
	if shared.Guard != "" {
		t.Errorf("chain wrote Guard=%q into the guard's shared Denial; it must fill in its own copy", shared.Guard)
	}
	o, events := snk.only(t)
	if len(events) != 1 {
		t.Fatalf("events = %+v, want one denial event", events)
	}
	e := events[0]
	if e.Kind != "denial" || e.Monitor || e.Guard != "authz" || e.Severity != SeverityMedium || e.Category != "API5:2023" ||
		e.RequestID != o.RequestID || e.Method != http.MethodDelete || e.Path != "/admin" || e.Message != "No." {
		t.Errorf("event = %+v; want an enforced medium denial event from authz carrying the request's id, method and path", e)
	}
}

func TestChainMonitorModeRecordsAndPasses(t *testing.T) {
	var nextSaw bool
	watch := &funcGuard{name: "injection", check: func(*http.Request) (*http.Request, error) {
		return nil, &Denial{Status: http.StatusBadRequest, Code: "injection", PublicMessage: "Rejected.", Rule: "sqli",
			Severity: SeverityHigh, Category: "API8:2023", RetryAfter: time.Minute, Header: http.Header{"X-Blocked": {"1"}}}
	}}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nextSaw = true
		_, _ = io.WriteString(w, "upstream answer")
	})
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: watch, Mode: Monitor}, {Guard: &funcGuard{name: "after"}}}, Next: next})

	rec := serve(c, httptest.NewRequest(http.MethodGet, "/search?q='or'1'='1", nil))

	if !nextSaw || rec.Code != http.StatusOK || rec.Body.String() != "upstream answer" {
		t.Errorf("next called = %v, status = %d, body = %q; want the request proxied unchanged", nextSaw, rec.Code, rec.Body)
	}
	if rec.Header().Get("Retry-After") != "" || rec.Header().Get("X-Blocked") != "" {
		t.Errorf("monitored denial leaked headers into the response: %v", rec.Header())
	}
	o, events := snk.only(t)
	if o.Verdict != VerdictFlagged || len(o.Denials) != 1 || o.Denials[0].Guard != "injection" {
		t.Errorf("outcome verdict = %s, denials = %+v; want flagged with the monitored denial", o.Verdict, o.Denials)
	}
	if len(events) != 1 || events[0].Kind != "denial" || !events[0].Monitor || events[0].Severity != SeverityHigh || events[0].Rule != "sqli" {
		t.Errorf("events = %+v; want one monitor denial event", events)
	}
}

func TestChainMonitorThenEnforce(t *testing.T) {
	monitored := &funcGuard{name: "schema", check: func(*http.Request) (*http.Request, error) {
		return nil, &Denial{Status: http.StatusBadRequest, Code: "schema"}
	}}
	enforced := &funcGuard{name: "authz", check: func(*http.Request) (*http.Request, error) {
		return nil, &Denial{Status: http.StatusForbidden, Code: "forbidden"}
	}}
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: monitored, Mode: Monitor}, {Guard: enforced}}})

	rec := serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

	if rec.Code != http.StatusForbidden {
		t.Errorf("status = %d, want 403 from the enforcing guard", rec.Code)
	}
	o, events := snk.only(t)
	if o.Verdict != VerdictDenied || len(o.Denials) != 2 {
		t.Fatalf("outcome = %+v; want denied with two denials", o)
	}
	if len(events) != 2 || !events[0].Monitor || events[0].Guard != "schema" || events[1].Monitor || events[1].Guard != "authz" {
		t.Errorf("events = %+v; want schema monitored then authz enforced", events)
	}
}

func TestChainGuardErrorFailsClosed(t *testing.T) {
	for _, mode := range []Mode{Enforce, Monitor} {
		t.Run(mode.String(), func(t *testing.T) {
			var nextCalled bool
			broken := &funcGuard{name: "jwks", check: func(*http.Request) (*http.Request, error) {
				return nil, fmt.Errorf("fetching jwks from https://idp.internal/keys: %w", errors.New("dial tcp: connection refused"))
			}}
			c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: broken, Mode: mode}},
				Next: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { nextCalled = true })})

			rec := serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

			if nextCalled {
				t.Error("next handler ran after a guard failure; want fail closed")
			}
			if rec.Code != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", rec.Code)
			}
			p := decodeProblem(t, rec.Header(), rec.Body.Bytes())
			if p.Type != "urn:rampart:problem:internal_error" || p.Detail != "The request could not be processed." {
				t.Errorf("problem = %+v; want the generic internal error", p)
			}
			if strings.Contains(rec.Body.String(), "jwks") || strings.Contains(rec.Body.String(), "refused") {
				t.Errorf("body leaks internal error text: %s", rec.Body)
			}
			o, _ := snk.only(t)
			if o.Verdict != VerdictError || o.Status != http.StatusInternalServerError {
				t.Errorf("outcome verdict = %s, status = %d; want error 500", o.Verdict, o.Status)
			}
		})
	}
}

func TestChainWrappedDenialIsADenial(t *testing.T) {
	g := &funcGuard{name: "body", check: func(*http.Request) (*http.Request, error) {
		return nil, fmt.Errorf("reading body: %w", &Denial{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large"})
	}}
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: g}}})

	rec := serve(c, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x")))

	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", rec.Code)
	}
	if o, _ := snk.only(t); o.Verdict != VerdictDenied {
		t.Errorf("verdict = %s, want denied", o.Verdict)
	}
}

func TestChainTypedNilDenialFailsClosed(t *testing.T) {
	g := &funcGuard{name: "buggy", check: func(r *http.Request) (*http.Request, error) {
		var d *Denial // a classic typed-nil bug in a guard
		return r, d
	}}
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: g, Mode: Monitor}}})

	rec := serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", rec.Code)
	}
	o, events := snk.only(t)
	if o.Verdict != VerdictError {
		t.Errorf("verdict = %s, want error", o.Verdict)
	}
	for _, e := range events {
		if e.Kind == "panic" {
			t.Errorf("a typed nil Denial caused a panic event; want a plain guard failure")
		}
	}
}

// A guard that marks the request as failed (MarkError) must not turn a later
// monitored denial into an enforced one.
func TestChainMonitorAfterMarkErrorStillPasses(t *testing.T) {
	marker := &funcGuard{name: "breaker", check: func(r *http.Request) (*http.Request, error) {
		MarkError(r)
		return r, nil
	}}
	watch := &funcGuard{name: "schema", check: func(*http.Request) (*http.Request, error) {
		return nil, &Denial{Status: http.StatusBadRequest, Code: "schema"}
	}}
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: marker}, {Guard: watch, Mode: Monitor}}})

	rec := serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

	if rec.Code != http.StatusOK {
		t.Errorf("status = %d, want 200: a monitored denial never blocks", rec.Code)
	}
	if o, _ := snk.only(t); o.Verdict != VerdictError {
		t.Errorf("verdict = %s, want error (MarkError wins over flagged)", o.Verdict)
	}
}

func TestChainReleasesEveryPassedGuardOnce(t *testing.T) {
	denial := func(*http.Request) (*http.Request, error) { return nil, &Denial{Status: http.StatusForbidden} }
	tests := []struct {
		name string
		// deny is the index of the guard that denies (-1: none); mode is its mode.
		deny         int
		mode         Mode
		panicIn      int // index of the guard that panics (-1: none)
		handlerPanic bool
		wantReleased []int // per guard
	}{
		{name: "all pass", deny: -1, panicIn: -1, wantReleased: []int{1, 1, 1}},
		{name: "third denies", deny: 2, panicIn: -1, wantReleased: []int{1, 1, 0}},
		{name: "first denies", deny: 0, panicIn: -1, wantReleased: []int{0, 0, 0}},
		{name: "second monitored denial is not released", deny: 1, mode: Monitor, panicIn: -1, wantReleased: []int{1, 0, 1}},
		{name: "handler panics", deny: -1, panicIn: -1, handlerPanic: true, wantReleased: []int{1, 1, 1}},
		{name: "second guard panics", deny: -1, panicIn: 1, wantReleased: []int{1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			guards := make([]*slotGuard, 3)
			stages := make([]Stage, 3)
			for i := range guards {
				guards[i] = &slotGuard{funcGuard: funcGuard{name: fmt.Sprintf("g%d", i)}, log: &log}
				switch i {
				case tt.deny:
					guards[i].check = denial
					stages[i].Mode = tt.mode
				case tt.panicIn:
					guards[i].check = func(*http.Request) (*http.Request, error) { panic("guard bug") }
				}
				stages[i].Guard = guards[i]
			}
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.handlerPanic {
					panic("handler bug")
				}
			})
			c, _ := newTestChain(t, Options{Stages: stages, Next: next})

			serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

			for i, g := range guards {
				if _, released := g.counts(); released != tt.wantReleased[i] {
					t.Errorf("guard %s released %d times, want %d (log %v)", g.name, released, tt.wantReleased[i], log)
				}
			}
		})
	}
}

func TestChainReleasesInReverseOrderAfterResponse(t *testing.T) {
	var log []string
	a := &slotGuard{funcGuard: funcGuard{name: "a"}, log: &log}
	b := &slotGuard{funcGuard: funcGuard{name: "b"}, log: &log}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { log = append(log, "next") })
	c, _ := newTestChain(t, Options{Stages: []Stage{{Guard: a}, {Guard: b}}, Next: next})

	serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

	if want := []string{"check a", "check b", "next", "release b", "release a"}; !slices.Equal(log, want) {
		t.Errorf("log = %v, want %v", log, want)
	}
}

func TestNewChainValidates(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{name: "nil next", opts: Options{}, want: "Next handler is required"},
		{name: "nil guard", opts: Options{Next: okHandler, Stages: []Stage{{Guard: &funcGuard{name: "a"}}, {}}}, want: "stage 1 has no guard"},
		{name: "duplicate names", opts: Options{Next: okHandler, Stages: []Stage{{Guard: &funcGuard{name: "a"}}, {Guard: noopGuard{name: "a"}}}},
			want: `guard "a" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewChain(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || c != nil {
				t.Errorf("NewChain = %v, %v; want nil and an error containing %q", c, err, tt.want)
			}
		})
	}
	if _, err := NewChain(Options{Next: okHandler}); err != nil {
		t.Errorf("NewChain with no stages = %v, want ok", err)
	}
}

// steppingClock returns start, then start+step, start+2*step, ...
func steppingClock(start time.Time, step time.Duration) func() time.Time {
	next := start
	return func() time.Time {
		t := next
		next = next.Add(step)
		return t
	}
}

// A guard in an enforcing stage can ask for one denial to be monitored
// (per-operation modes): the request passes and the Outcome is flagged.
func TestChainDenialAsksForMonitor(t *testing.T) {
	var nextSaw bool
	g := &funcGuard{name: "schema", check: func(r *http.Request) (*http.Request, error) {
		return withValue(r, "operation"), &Denial{Status: http.StatusBadRequest, Code: "invalid_body", Rule: "invalid_body", Monitor: true}
	}}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The request the guard returned with its monitored denial goes on.
		nextSaw = r.Context().Value(ctxKey{}) == "operation"
	})
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: g}}, Next: next})
	rec := serve(c, httptest.NewRequest(http.MethodPost, "/orders", nil))
	if !nextSaw || rec.Code != http.StatusOK {
		t.Fatalf("next called = %v, status = %d; want the request to pass", nextSaw, rec.Code)
	}
	o, events := snk.only(t)
	if o.Verdict != VerdictFlagged || len(events) != 1 || !events[0].Monitor {
		t.Errorf("verdict = %s, events = %+v; want flagged with one monitored event", o.Verdict, events)
	}
}
