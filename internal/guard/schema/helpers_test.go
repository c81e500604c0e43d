package schema

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/openapi"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
)

// The documents of the tests: the sample API's (OpenAPI 3.1) and the
// openapi package's shop API (3.0, schemas in other files).
const (
	sampleSpecPath = "../../sampleapi/openapi.yaml"
	shopSpecPath   = "../../openapi/testdata/shop/openapi.yaml"
	testTenantID   = "7f8c2b4e-1d3a-4c5b-9e6f-0a1b2c3d4e5f"
)

func loadSpec(tb testing.TB, path string) *openapi.Spec {
	tb.Helper()
	s, err := openapi.Load(path)
	if err != nil {
		tb.Fatalf("loading %s: %v", path, err)
	}
	return s
}

// fixedUpstream answers every request with one JSON body.
func fixedUpstream(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// planProbe is a guard after the schema guard that records the scan plan
// it is handed, as the injection detector would ask for it.
type planProbe struct {
	g    *Guard
	mu   sync.Mutex
	last *openapi.ScanPlan
}

func (p *planProbe) Name() string { return "plan-probe" }

func (p *planProbe) Check(r *http.Request) (*http.Request, error) {
	p.mu.Lock()
	p.last = p.g.PlanFor(r)
	p.mu.Unlock()
	return r, nil
}

func (p *planProbe) plan() *openapi.ScanPlan {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// gateway is a real Chain with the schema guard (and the plan probe) in
// front of httputil.ReverseProxy, which hands responses to the guard's
// observer, and a real upstream, all on loopback.
type gateway struct {
	srv   *httptest.Server
	guard *Guard
	probe *planProbe
	recs  *pipelinetest.Recorder
	// served is signalled once the server's ServeHTTP has returned. The
	// Chain emits the Outcome and then the Events after the response is
	// written: by then both are complete.
	served chan struct{}
}

func newGateway(t *testing.T, cfg Config, mode pipeline.Mode, upstream http.Handler) *gateway {
	t.Helper()
	return newStrippingGateway(t, cfg, mode, upstream, "")
}

// newStrippingGateway is newGateway with a proxy that removes strip from
// the front of the path it forwards, as the gateway's strip_prefix does.
func newStrippingGateway(t *testing.T, cfg Config, mode pipeline.Mode, upstream http.Handler, strip string) *gateway {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if upstream == nil {
		upstream = http.HandlerFunc(pipelinetest.EchoUpstream)
	}
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	target, _ := url.Parse(up.URL)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = strings.TrimPrefix(pr.Out.URL.Path, strip)
			pr.Out.URL.RawPath = ""
		},
		ModifyResponse: pipeline.ObserveResponse,
		ErrorLog:       log.New(io.Discard, "", 0),
	}
	gw := &gateway{guard: g, probe: &planProbe{g: g}, recs: pipelinetest.NewRecorder(), served: make(chan struct{}, 16)}
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages:   []pipeline.Stage{{Guard: g, Mode: mode}, {Guard: gw.probe}},
		Next:     proxy,
		Outcomes: []pipeline.OutcomeSink{gw.recs},
		Events:   []pipeline.EventSink{gw.recs},
	})
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	gw.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chain.ServeHTTP(w, r)
		gw.served <- struct{}{}
	}))
	t.Cleanup(gw.srv.Close)
	return gw
}

// call is one request a test sends.
type call struct {
	method, target, contentType, body string
	header                            http.Header
}

// result is what came back.
type result struct {
	status  int
	header  http.Header
	raw     string
	echo    *pipelinetest.Echoed
	problem map[string]any
	outcome pipeline.Outcome
	events  []pipeline.Event
}

// denial returns the Outcome's last denial, or nil.
func (r *result) denial() *pipeline.Denial {
	if len(r.outcome.Denials) == 0 {
		return nil
	}
	return &r.outcome.Denials[len(r.outcome.Denials)-1]
}

// event returns the request's first Event of a kind, or nil.
func (r *result) event(kind string) *pipeline.Event {
	for i := range r.events {
		if r.events[i].Kind == kind {
			return &r.events[i]
		}
	}
	return nil
}

func (gw *gateway) do(t *testing.T, c call) *result {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodGet
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), c.method, gw.srv.URL+c.target, body)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	resp, err := gw.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.target, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	res := &result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if resp.Header.Get("Content-Type") == pipeline.ProblemContentType {
		if err := json.Unmarshal(raw, &res.problem); err != nil {
			t.Fatalf("problem %q: %v", raw, err)
		}
	} else if resp.StatusCode == http.StatusOK {
		var e pipelinetest.Echoed
		if json.Unmarshal(raw, &e) == nil && e.Method != "" {
			res.echo = &e
		}
	}
	res.outcome = gw.awaitServed(t)
	res.events = gw.recs.EventsOfRequest(res.outcome.RequestID)
	return res
}

// awaitServed returns the Outcome of the request just served.
func (gw *gateway) awaitServed(t *testing.T) pipeline.Outcome {
	t.Helper()
	select {
	case <-gw.served:
	case <-time.After(pipelinetest.AwaitTimeout):
		t.Fatal("request not served")
	}
	outcomes := gw.recs.Outcomes()
	if len(outcomes) == 0 {
		t.Fatal("no outcome emitted")
	}
	return outcomes[len(outcomes)-1]
}

// detail returns the problem's detail.
func (r *result) detail() string {
	s, _ := r.problem["detail"].(string)
	return s
}
