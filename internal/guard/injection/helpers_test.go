package injection

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
)

// testHost is the Host every test request carries. The CRS scores a
// numeric Host (920350), which real API traffic does not have.
const testHost = "api.example.test"

// gateway is a real chain (route matching, then the injection guard) in
// front of a real httputil.ReverseProxy and a real upstream, on loopback.
type gateway struct {
	srv  *httptest.Server
	sink *pipelinetest.Recorder
}

func newGateway(t testing.TB, cfg Config, mode pipeline.Mode) *gateway {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return gatewayFor(t, g, mode)
}

func gatewayFor(t testing.TB, g pipeline.Guard, mode pipeline.Mode) *gateway {
	t.Helper()
	gw := &gateway{sink: pipelinetest.NewRecorder()}
	upstream := httptest.NewServer(http.HandlerFunc(pipelinetest.EchoUpstream))
	t.Cleanup(upstream.Close)
	target, _ := url.Parse(upstream.URL)
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	chain, err := pipeline.NewChain(pipeline.Options{
		Stages:   []pipeline.Stage{{Guard: pipelinetest.RouteBySegment{}}, {Guard: g, Mode: mode}},
		Next:     proxy,
		Outcomes: []pipeline.OutcomeSink{gw.sink},
		Events:   []pipeline.EventSink{gw.sink},
	})
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	gw.srv = httptest.NewServer(chain)
	t.Cleanup(gw.srv.Close)
	return gw
}

// call is one request a test sends. target is the path and raw query, sent
// as written (escapes included).
type call struct {
	method, target, body, contentType string
	header                            http.Header
	chunked                           bool // send the body without a Content-Length
}

// result is what came back: the status, the upstream's view when the
// request got through, the problem body otherwise, and the Outcome.
type result struct {
	status   int
	upstream *pipelinetest.Echoed
	problem  map[string]any
	ctype    string
	outcome  pipeline.Outcome
}

// denial returns the Outcome's last denial, or nil.
func (r *result) denial() *pipeline.Denial {
	if len(r.outcome.Denials) == 0 {
		return nil
	}
	return &r.outcome.Denials[len(r.outcome.Denials)-1]
}

func (gw *gateway) do(t testing.TB, c call) *result {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodGet
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
		if c.chunked {
			body = struct{ io.Reader }{body} // hides Len: the client sends chunks
		}
	}
	req, err := http.NewRequest(c.method, gw.srv.URL+c.target, body)
	if err != nil {
		t.Fatalf("NewRequest %q: %v", c.target, err)
	}
	req.Host = testHost
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36")
	req.Header.Set("Accept", "application/json")
	for k, vs := range c.header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	resp, err := gw.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.target, err)
	}
	defer resp.Body.Close()
	res := &result{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type")}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		res.upstream = &pipelinetest.Echoed{}
		if err := json.Unmarshal(raw, res.upstream); err != nil {
			t.Fatalf("upstream answer %q: %v", raw, err)
		}
	case res.ctype == pipeline.ProblemContentType:
		if err := json.Unmarshal(raw, &res.problem); err != nil {
			t.Fatalf("problem %q: %v", raw, err)
		}
	}
	res.outcome = gw.sink.Await(t)
	return res
}
