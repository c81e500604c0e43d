package injection

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/attack/spec"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// counted is a handler behind a real loopback server that records every
// request it receives.
type counted struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string
}

func serve(t *testing.T, h http.Handler) *counted {
	t.Helper()
	c := &counted{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.seen = append(c.seen, r.Method+" "+r.URL.RequestURI())
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// requests returns the requests seen since the last call.
func (c *counted) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.seen
	c.seen = nil
	return out
}

func startSample(t *testing.T, hardened bool) *counted {
	t.Helper()
	api, err := sampleapi.New(sampleapi.Config{Hardened: hardened})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	return serve(t, api.Handler())
}

func sampleScan(t *testing.T, c *counted, mod func(*core.Config)) *core.Scan {
	t.Helper()
	ops, err := spec.Parse(sampleapi.Spec(), "sampleapi openapi.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := core.Config{Target: c.srv.URL, Profiles: checktest.SampleProfiles(t, c.srv.URL), Operations: ops}
	if mod != nil {
		mod(&cfg)
	}
	s := checktest.Scan(t, cfg)
	c.requests()
	return s
}

// byParam indexes findings by "check endpoint parameter".
func byParam(fs []core.Finding) map[string]core.Finding {
	out := map[string]core.Finding{}
	for _, f := range fs {
		out[f.Check+" "+f.Endpoint+" "+f.Parameter] = f
	}
	return out
}

func keys(m map[string]core.Finding) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, "\n  ")
}

// checkEvidence asserts the shape every injection finding has: two probes
// then a control, the first probe carrying the payload.
func checkEvidence(t *testing.T, f core.Finding) {
	t.Helper()
	checktest.Complete(t, f)
	if f.Confidence != core.Confirmed {
		t.Errorf("%s: confidence %s", f.Check, f.Confidence)
	}
	if len(f.Evidence) < 3 {
		t.Fatalf("%s: %d exchanges, want probe, second probe and control", f.Check, len(f.Evidence))
	}
	if !strings.HasPrefix(f.Evidence[0].Note, "probe") || !strings.HasPrefix(f.Evidence[1].Note, "second probe") {
		t.Errorf("%s: evidence notes %q, %q", f.Check, f.Evidence[0].Note, f.Evidence[1].Note)
	}
	control := false
	for _, ex := range f.Evidence[2:] {
		control = control || strings.HasPrefix(ex.Note, "control")
	}
	if !control {
		t.Errorf("%s: no control exchange in the evidence", f.Check)
	}
}
