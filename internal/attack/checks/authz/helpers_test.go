package authz

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

// target is a sample API behind a real loopback server that records every
// request it receives.
type target struct {
	api *sampleapi.API
	srv *httptest.Server

	mu   sync.Mutex
	seen []string // "METHOD /path?query"
}

func startSample(t *testing.T, hardened bool) *target {
	t.Helper()
	api, err := sampleapi.New(sampleapi.Config{Hardened: hardened})
	if err != nil {
		t.Fatal(err)
	}
	tg := &target{api: api}
	tg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.mu.Lock()
		tg.seen = append(tg.seen, r.Method+" "+r.URL.RequestURI())
		tg.mu.Unlock()
		api.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		tg.srv.Close()
		_ = api.Close()
	})
	return tg
}

// requests returns what the server saw since the last reset and resets.
func (tg *target) requests() []string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	out := tg.seen
	tg.seen = nil
	return out
}

// sampleOps reads the sample API's spec as the engine does.
func sampleOps(t *testing.T) []core.Operation {
	t.Helper()
	ops, err := spec.Parse(sampleapi.Spec(), "sampleapi openapi.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

// sampleScan logs the seeded users in and builds a scan of the target.
func sampleScan(t *testing.T, tg *target, mod func(*core.Config)) *core.Scan {
	t.Helper()
	cfg := core.Config{Target: tg.srv.URL, Profiles: checktest.SampleProfiles(t, tg.srv.URL), Operations: sampleOps(t)}
	if mod != nil {
		mod(&cfg)
	}
	s := checktest.Scan(t, cfg)
	tg.requests() // the logins are not the checks' requests
	return s
}

// findingsAt indexes findings by endpoint.
func findingsAt(fs []core.Finding) map[string]core.Finding {
	out := map[string]core.Finding{}
	for _, f := range fs {
		out[f.Endpoint] = f
	}
	return out
}

// token returns the bearer token of a profile of a scan.
func token(t *testing.T, s *core.Scan, profile string) string {
	t.Helper()
	return strings.TrimPrefix(s.Profile(profile).Header().Get("Authorization"), "Bearer ")
}
