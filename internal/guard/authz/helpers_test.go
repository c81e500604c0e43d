package authz

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

// testUserHeader tells identityFromHeader who the request acts for. It
// stands in for the authn guard, which the real chain runs before authz.
const testUserHeader = "Test-User"

// identities are the principals of the tests.
func identities() map[string]*pipeline.Identity {
	return map[string]*pipeline.Identity{
		"alice": {Subject: "alice", Method: "jwt", Tenant: "acme", Scopes: []string{"orders:read", "items:write"},
			Roles: []string{"user"}, Claims: map[string]any{"uid": float64(42), "orgs": []any{"acme", "globex"}}},
		"bob": {Subject: "bob", Method: "api_key", Tenant: "initech", Scopes: []string{"orders:read"},
			Roles: []string{"user"}, Claims: map[string]any{"uid": float64(43)}},
		"carol": {Subject: "carol", Method: "jwt", Roles: []string{"user"}},
		"root":  {Subject: "root", Method: "mtls", Scopes: []string{"orders:read", "orders:admin"}, Roles: []string{"admin"}},
		// Values a compromised or careless identity provider might issue.
		"crlf":       {Subject: "mallory\r\nX-Rampart-Subject: root", Method: "jwt"},
		"padded":     {Subject: " alice", Method: "jwt"},
		"spacescope": {Subject: "eve", Method: "jwt", Scopes: []string{"read admin", "orders:read", "x\u00a0admin"}, Roles: []string{"Domain Admins", "user"}},
		"tabtenant":  {Subject: "tina", Method: "jwt", Tenant: "acme\tglobex"},
	}
}

// identityFromHeader sets the Identity named by Test-User and removes the
// header, as an authn guard would set one from a verified credential.
type identityFromHeader struct{ ids map[string]*pipeline.Identity }

func (identityFromHeader) Name() string { return "test-authn" }

func (g identityFromHeader) Check(r *http.Request) (*http.Request, error) {
	if id, ok := g.ids[r.Header.Get(testUserHeader)]; ok {
		pipeline.SetIdentity(r, id)
	}
	r.Header.Del(testUserHeader)
	return r, nil
}

// gateway is a real chain (route matching, a stand-in authn, authz) in front
// of a real httputil.ReverseProxy and a real upstream, all on loopback. The
// loopback peer is a trusted proxy, so X-Forwarded-For picks the client
// address a test wants to be.
type gateway struct {
	srv      *httptest.Server
	upstream *httptest.Server
	chain    *pipeline.Chain
	sink     *pipelinetest.Recorder
}

func newGateway(t *testing.T, cfg Config, mode pipeline.Mode) *gateway {
	t.Helper()
	g, err := New(cfg, Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	gw := &gateway{sink: pipelinetest.NewRecorder()}
	gw.upstream = httptest.NewServer(http.HandlerFunc(pipelinetest.EchoUpstream))
	t.Cleanup(gw.upstream.Close)
	target, _ := url.Parse(gw.upstream.URL)
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }}
	resolver, err := pipeline.NewClientIPResolver([]string{"127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	gw.chain, err = pipeline.NewChain(pipeline.Options{
		Stages: []pipeline.Stage{
			{Guard: pipelinetest.RouteBySegment{}}, {Guard: identityFromHeader{ids: identities()}}, {Guard: g, Mode: mode},
		},
		Next:     proxy,
		ClientIP: resolver,
		Outcomes: []pipeline.OutcomeSink{gw.sink},
		Events:   []pipeline.EventSink{gw.sink},
	})
	if err != nil {
		t.Fatalf("NewChain: %v", err)
	}
	gw.srv = httptest.NewServer(gw.chain)
	t.Cleanup(gw.srv.Close)
	return gw
}

// call is one request a test sends.
type call struct {
	method, target, user, body, contentType, client string
	header                                          http.Header
	chunked                                         bool // send the body without a Content-Length
}

// result is what came back: the status, the upstream's view when the
// request got through, the problem body otherwise, and the Outcome.
type result struct {
	status   int
	upstream *pipelinetest.Echoed
	problem  map[string]any
	outcome  pipeline.Outcome
}

// denial returns the Outcome's last denial, or nil.
func (r *result) denial() *pipeline.Denial {
	if len(r.outcome.Denials) == 0 {
		return nil
	}
	return &r.outcome.Denials[len(r.outcome.Denials)-1]
}

func (gw *gateway) do(t *testing.T, c call) *result {
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
	req, err := http.NewRequestWithContext(t.Context(), c.method, gw.srv.URL+c.target, body)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if c.user != "" {
		req.Header.Set(testUserHeader, c.user)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.client != "" {
		req.Header.Set("X-Forwarded-For", c.client)
	}
	resp, err := gw.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.target, err)
	}
	defer resp.Body.Close()
	res := &result{status: resp.StatusCode}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK && c.method != http.MethodHead:
		res.upstream = &pipelinetest.Echoed{}
		if err := json.Unmarshal(raw, res.upstream); err != nil {
			t.Fatalf("upstream answer %q: %v", raw, err)
		}
	case resp.Header.Get("Content-Type") == pipeline.ProblemContentType && c.method != http.MethodHead:
		if err := json.Unmarshal(raw, &res.problem); err != nil {
			t.Fatalf("problem %q: %v", raw, err)
		}
	}
	res.outcome = gw.sink.Await(t)
	return res
}
