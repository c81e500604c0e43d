package proxy

import (
	"bytes"
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

func TestRefusedIs502(t *testing.T) {
	hooks := &errorHooks{}
	rec := newRecorder()
	dead := deadUpstream(t)
	front := serveChained(t, newProxy(t, Config{Upstreams: []string{dead}}, Options{OnUpstreamError: hooks.hook}), rec)

	res, body := get(t, front.URL+"/x")
	p := wantProblem(t, res, body, http.StatusBadGateway, "bad_gateway")
	if p.RequestID == "" || p.RequestID != res.Header.Get("X-Request-Id") {
		t.Errorf("problem request_id = %q, want the response's X-Request-Id %q", p.RequestID, res.Header.Get("X-Request-Id"))
	}
	if o := rec.nextOutcome(t); o.Verdict != pipeline.VerdictError || o.Status != http.StatusBadGateway {
		t.Errorf("outcome = %d %s, want 502 error", o.Status, o.Verdict)
	}
	if got := hooks.Calls(); len(got) != 1 || got[0] != dead+" "+KindDial {
		t.Errorf("hooks = %q, want [%q]", got, dead+" "+KindDial)
	}
}

func TestSlowUpstreamIs504(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer up.Close()
	defer close(release)
	hooks := &errorHooks{}
	rec := newRecorder()
	front := serveChained(t, newProxy(t, Config{Upstreams: []string{up.URL}, ResponseHeaderTimeout: 50 * time.Millisecond},
		Options{OnUpstreamError: hooks.hook}), rec)

	res, body := get(t, front.URL+"/slow")
	wantProblem(t, res, body, http.StatusGatewayTimeout, "gateway_timeout")
	if o := rec.nextOutcome(t); o.Verdict != pipeline.VerdictError {
		t.Errorf("verdict = %s, want error", o.Verdict)
	}
	if hooks.count(KindTimeout) != 1 {
		t.Errorf("hooks = %q, want one timeout", hooks.Calls())
	}
}

func TestRequestBodyTooLargeIs413(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer up.Close()
	hooks := &errorHooks{}
	rec := newRecorder()
	p := newProxy(t, Config{Upstreams: []string{up.URL}, Health: HealthConfig{EjectAfter: 1}},
		Options{OnUpstreamError: hooks.hook})
	chain, err := pipeline.NewChain(pipeline.Options{Next: p, Outcomes: []pipeline.OutcomeSink{rec}})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1024) // as the server package caps bodies
		chain.ServeHTTP(w, r)
	}))
	defer front.Close()

	req, _ := http.NewRequest(http.MethodPost, front.URL+"/upload", bytes.NewReader(make([]byte, 1<<20)))
	res, body := do(t, req)
	wantProblem(t, res, body, http.StatusRequestEntityTooLarge, "body_too_large")
	if o := rec.nextOutcome(t); o.Verdict == pipeline.VerdictError {
		t.Errorf("verdict = %s: a client's oversized body is not a gateway failure", o.Verdict)
	}
	if calls := hooks.Calls(); len(calls) != 0 {
		t.Errorf("hooks = %q, want none", calls)
	}
	if c := p.breaker.Counts(); c.TotalFailures != 0 {
		t.Errorf("breaker counted %d failures for a client error", c.TotalFailures)
	}
	if p.upstreams[0].ejectedUntil.Load() != 0 {
		t.Error("upstream ejected because of a client's body")
	}
}

func TestClientCancelIsNotAFailure(t *testing.T) {
	arrived := make(chan struct{}, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}))
	defer up.Close()
	hooks := &errorHooks{}
	rec := newRecorder()
	p := newProxy(t, Config{Upstreams: []string{up.URL}}, Options{OnUpstreamError: hooks.hook})
	front := serveChained(t, p, rec)

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, front.URL+"/", nil)
	errc := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	<-arrived
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error = %v, want context.Canceled", err)
	}
	o := rec.nextOutcome(t)
	if o.Status != StatusClientClosedRequest || o.Verdict == pipeline.VerdictError {
		t.Errorf("outcome = %d %s, want 499 and no error verdict", o.Status, o.Verdict)
	}
	if calls := hooks.Calls(); len(calls) != 0 {
		t.Errorf("hooks = %q, want none", calls)
	}
	if c := p.breaker.Counts(); c.TotalFailures != 0 {
		t.Errorf("breaker counted %d failures for a client that left", c.TotalFailures)
	}
}

func TestObserverDecides(t *testing.T) {
	up := echoUpstream(t, "a")
	tests := []struct {
		name    string
		err     error
		status  int
		code    string
		wantErr bool
	}{
		{"denial written as is", &pipeline.Denial{Status: http.StatusForbidden, Code: "data_leak", PublicMessage: "Blocked."}, 403, "data_leak", false},
		{"other error is 502", errors.New("dlp engine exploded at 0xdeadbeef"), 502, "bad_gateway", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			p := newProxy(t, Config{Upstreams: []string{up.URL}}, Options{
				ObserveResponse: func(res *http.Response) error {
					if res.Request == nil || res.Header.Get("X-Content-Type-Options") != "nosniff" {
						t.Error("observer ran before hygiene or without the request")
					}
					return tt.err
				},
			})
			front := serveChained(t, p, rec)
			res, body := get(t, front.URL+"/")
			wantProblem(t, res, body, tt.status, tt.code)
			if strings.Contains(body, "0xdeadbeef") {
				t.Errorf("observer error text leaked: %s", body)
			}
			if o := rec.nextOutcome(t); (o.Verdict == pipeline.VerdictError) != tt.wantErr {
				t.Errorf("verdict = %s, want error=%v", o.Verdict, tt.wantErr)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{context.DeadlineExceeded, KindTimeout},
		{io.ErrUnexpectedEOF, KindReset},
		{errors.New("strange"), KindOther},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// statusObserver is a guard that watches upstream statuses, like the
// brute-force guard counting 401s.
type statusObserver struct{ seen chan int }

func (g *statusObserver) Name() string                                 { return "observer" }
func (g *statusObserver) Check(r *http.Request) (*http.Request, error) { return r, nil }
func (g *statusObserver) ObserveResponse(r *http.Request, res *http.Response) error {
	g.seen <- res.StatusCode
	return nil
}

func TestChainObserversSeeResponses(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer up.Close()
	obs := &statusObserver{seen: make(chan int, 1)}
	p := newProxy(t, Config{Upstreams: []string{up.URL}}, Options{ObserveResponse: pipeline.ObserveResponse})
	chain, err := pipeline.NewChain(pipeline.Options{Stages: []pipeline.Stage{{Guard: obs}}, Next: p})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(chain)
	defer front.Close()
	if res, _ := get(t, front.URL+"/login"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", res.StatusCode)
	}
	if got := <-obs.seen; got != http.StatusUnauthorized {
		t.Fatalf("observer saw %d, want 401", got)
	}
}
