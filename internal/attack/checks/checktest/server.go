package checktest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/attack/spec"
)

// Server is a real loopback server in front of a handler that records
// every request it receives ("METHOD /request-uri"), so tests can assert
// what a check sent and how much.
type Server struct {
	URL string

	mu   sync.Mutex
	seen []string
}

// Serve starts a recording server for h, closed when the test ends.
func Serve(t testing.TB, h http.Handler) *Server {
	t.Helper()
	s := &Server{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.RequestURI())
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Requests returns the requests seen since the last call and forgets them.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.seen
	s.seen = nil
	return out
}

// SpecScan is a scan of the server with the operations of an OpenAPI
// document (read as the engine reads it, examples included) and the sample API's users logged in as profiles; mod adjusts
// the config. The logins are forgotten, so Requests then counts only what
// the checks send.
func SpecScan(t testing.TB, s *Server, doc []byte, mod func(*core.Config)) *core.Scan {
	t.Helper()
	ops, err := spec.Parse(doc, "openapi.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := core.Config{Target: s.URL, Profiles: SampleProfiles(t, s.URL), Operations: ops}
	if mod != nil {
		mod(&cfg)
	}
	scan := Scan(t, cfg)
	s.Requests()
	return scan
}

// CheckBudgets runs checks once per budget on a fresh scan that newScan
// builds with that request budget, and fails when the target saw more
// requests than the budget or no check reported running out of it.
func CheckBudgets(t *testing.T, budgets []int, checks []core.Check,
	newScan func(t *testing.T, budget int) (*Server, *core.Scan)) {
	t.Helper()
	for _, budget := range budgets {
		t.Run(strconv.Itoa(budget), func(t *testing.T) {
			srv, s := newScan(t, budget)
			stopped := false
			for _, ch := range checks {
				err := ch.Run(context.Background(), s)
				stopped = stopped || errors.Is(err, core.ErrBudget)
			}
			if n := len(srv.Requests()); n > budget {
				t.Errorf("the target saw %d requests, budget %d", n, budget)
			}
			if !stopped {
				t.Error("no check said it ran out of budget")
			}
		})
	}
}
