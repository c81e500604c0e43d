package pipeline

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer collects net/http's error log from server goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// panicServer serves a Chain whose next handler panics on /panic (running
// before first, if set) and answers 200 "ok" elsewhere.
func panicServer(t *testing.T, before func(w http.ResponseWriter), value any) (*httptest.Server, *sink, *lockedBuffer) {
	t.Helper()
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/panic" {
			_, _ = io.WriteString(w, "ok")
			return
		}
		if before != nil {
			before(w)
		}
		panic(value)
	})
	c, snk := newTestChain(t, Options{Next: next})
	srv := httptest.NewUnstartedServer(c)
	errLog := &lockedBuffer{}
	srv.Config.ErrorLog = log.New(errLog, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, snk, errLog
}

// assertServes checks the server still answers after a panic.
func assertServes(t *testing.T, srv *httptest.Server) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + "/ok")
	if err != nil {
		t.Fatalf("server died after a panic: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("after the panic: status %d body %q, want 200 ok", resp.StatusCode, body)
	}
}

func TestPanicBeforeWriteAnswers500(t *testing.T) {
	srv, snk, errLog := panicServer(t, func(w http.ResponseWriter) {
		// Staged headers of a response that never happened must not leak
		// into the 500.
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Set-Cookie", "session=half-made")
		w.Header().Set("Content-Length", "12345")
	}, "nil map write in handler at secret.go:42")

	resp, err := srv.Client().Get(srv.URL + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the 500: %v", err)
	}
	o := snk.await(t)

	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", resp.StatusCode)
	}
	p := decodeProblem(t, resp.Header, body)
	if p.Type != "urn:rampart:problem:internal_error" || p.RequestID != o.RequestID || resp.Header.Get("X-Request-Id") != o.RequestID {
		t.Errorf("problem = %+v, header id %q; want internal_error for %s", p, resp.Header.Get("X-Request-Id"), o.RequestID)
	}
	if strings.Contains(string(body), "secret.go") {
		t.Errorf("body leaks the panic value: %s", body)
	}
	for _, h := range []string{"Content-Encoding", "Set-Cookie"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("500 carries the handler's staged %s: %q", h, v)
		}
	}
	if o.Verdict != VerdictError || o.Status != http.StatusInternalServerError {
		t.Errorf("outcome verdict %s status %d, want error 500", o.Verdict, o.Status)
	}
	events := snk.snapshotEvents()
	if len(events) != 1 || events[0].Kind != "panic" || events[0].Severity != SeverityHigh || events[0].RequestID != o.RequestID {
		t.Errorf("events = %+v, want one high panic event for the request", events)
	}
	if strings.Contains(errLog.String(), "panic") {
		t.Errorf("the panic reached net/http: %s", errLog)
	}
	assertServes(t, srv)
}

func TestPanicAfterHeadersAbortsConnection(t *testing.T) {
	srv, snk, errLog := panicServer(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"items":[1,2,`)
		_ = http.NewResponseController(w).Flush()
	}, errors.New("upstream decoder bug"))

	resp, err := srv.Client().Get(srv.URL + "/panic")
	if err != nil {
		t.Fatalf("headers were flushed, want a response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Errorf("read a complete body %q; want the connection aborted so the truncation shows", body)
	}
	if resp.StatusCode != http.StatusOK || string(body) != `{"items":[1,2,` {
		t.Errorf("status %d body %q; want 200 and the partial body", resp.StatusCode, body)
	}
	o := snk.await(t)
	if o.Verdict != VerdictError {
		t.Errorf("verdict = %s, want error", o.Verdict)
	}
	if ev := snk.snapshotEvents(); len(ev) != 1 || ev[0].Kind != "panic" {
		t.Errorf("events = %+v, want one panic event", ev)
	}
	if strings.Contains(errLog.String(), "panic") {
		t.Errorf("net/http logged a panic (want a quiet abort): %s", errLog)
	}
	assertServes(t, srv)
}

func TestErrAbortHandlerIsReraisedQuietly(t *testing.T) {
	srv, snk, errLog := panicServer(t, nil, http.ErrAbortHandler)

	resp, err := srv.Client().Get(srv.URL + "/panic")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got a %d response; want the connection aborted", resp.StatusCode)
	}
	o := snk.await(t)
	if o.Verdict != VerdictError {
		t.Errorf("verdict = %s, want error", o.Verdict)
	}
	if ev := snk.snapshotEvents(); len(ev) != 0 {
		t.Errorf("events = %+v; an abort is not a panic event", ev)
	}
	if errLog.String() != "" {
		t.Errorf("net/http logged: %s", errLog)
	}
	assertServes(t, srv)
}

func TestErrAbortHandlerReachesCaller(t *testing.T) {
	c, snk := newTestChain(t, Options{Next: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	})})
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler re-raised", p)
		}
		if o, ev := snk.only(t); o.Verdict != VerdictError || len(ev) != 0 {
			t.Errorf("outcome %+v events %+v; want error and no events", o, ev)
		}
	}()
	serve(c, httptest.NewRequest(http.MethodGet, "/", nil))
	t.Error("ServeHTTP returned normally")
}

func TestPanicInGuardAnswers500(t *testing.T) {
	var nextCalled bool
	bad := &funcGuard{name: "bad", check: func(*http.Request) (*http.Request, error) {
		panic("guard bug")
	}}
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: bad}},
		Next: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { nextCalled = true })})

	rec := serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

	if rec.Code != http.StatusInternalServerError || nextCalled {
		t.Errorf("status %d next called %v; want 500 without proxying", rec.Code, nextCalled)
	}
	decodeProblem(t, rec.Header(), rec.Body.Bytes())
	if o, ev := snk.only(t); o.Verdict != VerdictError || len(ev) != 1 || ev[0].Kind != "panic" {
		t.Errorf("outcome %+v events %+v; want error with a panic event", o, ev)
	}
}
