package resource

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/attack/spec"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

// counted is a handler behind a real loopback server that counts requests.
type counted struct {
	srv     *httptest.Server
	mu      sync.Mutex
	n       int
	methods map[string]int
}

func serve(t *testing.T, h http.Handler) *counted {
	t.Helper()
	c := &counted{methods: map[string]int{}}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n++
		c.methods[r.Method]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// count returns the requests seen since the last call.
func (c *counted) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = 0
	return n
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
	c.count()
	return s
}
