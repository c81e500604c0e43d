package discovery

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

func sampleScan(t *testing.T, hardened bool) *core.Scan {
	t.Helper()
	srv, err := sampleapi.Start(context.Background(), sampleapi.Config{Hardened: hardened}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return checktest.Scan(t, core.Config{Target: srv.URL(), Operations: checktest.Operations(t, sampleapi.Spec())})
}

func opKeys(s *core.Scan, source string) []string {
	var out []string
	for _, op := range s.Operations() {
		if op.Source == source {
			out = append(out, op.Key())
		}
	}
	return out
}

func TestRoutesSampleAPI(t *testing.T) {
	s := sampleScan(t, false)
	checktest.Run(t, s, RoutesCheck{})
	fs := s.Findings()
	if len(fs) != 1 {
		t.Fatalf("want one drift finding, got:%s", checktest.Describe(fs))
	}
	f := fs[0]
	checktest.Complete(t, f)
	if f.Endpoint != "GET /api/debug/vars" || f.OWASP != core.API9Inventory || f.CWE != 489 || f.Severity != core.SeverityHigh {
		t.Errorf("got %s %s CWE-%d %s", f.Endpoint, f.OWASP, f.CWE, f.Severity)
	}
	if f.Evidence[0].Response == nil || f.Evidence[0].Response.Status != 200 {
		t.Errorf("evidence does not show the live answer: %+v", f.Evidence[0])
	}
	if got := opKeys(s, "discovered"); !slices.Equal(got, []string{"GET /api/debug/vars"}) {
		t.Errorf("discovered operations = %v", got)
	}
	if n := s.SentBy("discovery.routes"); n > len(Wordlist())+maxMethodPaths+(calibratedDirs+1)*2 {
		t.Errorf("sent %d requests, more than the documented bound", n)
	}
}

func TestRoutesHardenedSampleAPI(t *testing.T) {
	s := sampleScan(t, true)
	checktest.Run(t, s, RoutesCheck{})
	if fs := s.Findings(); len(fs) != 0 {
		t.Errorf("hardened: want no findings, got:%s", checktest.Describe(fs))
	}
	allowRows := 0
	for _, c := range s.Ledger() {
		if len(c.Endpoint) > 8 && c.Endpoint[:8] == "OPTIONS " && c.Reason != "" {
			allowRows++
		}
	}
	if allowRows < 5 {
		t.Errorf("OPTIONS learnt methods on only %d paths", allowRows)
	}
}

// shadowServer documents two operations but serves more: an old version,
// an internal route that needs a token, a POST-only export and an
// undocumented DELETE. With catchAll, every other GET gets a 200 page (which
// also hides the POST-only route from a GET probe, as it would for real).
func shadowServer(catchAll bool) *httptest.Server {
	mux := http.NewServeMux()
	if catchAll {
		mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Welcome to Acme</body></html>")
		})
	}
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"id":1}`) })
	mux.HandleFunc("DELETE /api/items/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"ok":true}`) })
	mux.HandleFunc("GET /api/v1/users", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"users":[]}`) })
	mux.HandleFunc("GET /api/internal", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "unauthorized", http.StatusUnauthorized) })
	mux.HandleFunc("POST /api/export", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	return httptest.NewServer(mux)
}

func TestRoutesShadowServer(t *testing.T) {
	ts := shadowServer(true)
	defer ts.Close()
	spec := []core.Operation{
		{Method: "GET", Path: "/api/items/{id}", Source: "spec", Params: []core.Param{{Name: "id", In: "path", Type: "integer"}}},
		{Method: "GET", Path: "/api/health", Source: "spec"},
	}
	s := checktest.Scan(t, core.Config{Target: ts.URL, Operations: spec})
	checktest.Run(t, s, RoutesCheck{})
	got := map[string]core.Finding{}
	for _, f := range s.Findings() {
		checktest.Complete(t, f)
		got[f.Endpoint] = f
	}
	want := map[string]int{
		"GET /api/v1/users":      1059,
		"GET /api/internal":      489,
		"DELETE /api/items/{id}": 1059,
	}
	for ep, cwe := range want {
		f, ok := got[ep]
		if !ok {
			t.Errorf("no finding for %s; got:%s", ep, checktest.Describe(s.Findings()))
			continue
		}
		if f.CWE != cwe {
			t.Errorf("%s: CWE-%d, want %d", ep, f.CWE, cwe)
		}
	}
	if len(got) != len(want) {
		t.Errorf("want %d findings, got:%s", len(want), checktest.Describe(s.Findings()))
	}
	for _, op := range s.Operations() {
		if op.Key() == "GET /api/internal" && !op.Secured {
			t.Errorf("an endpoint answering 401 is secured")
		}
	}
}

func TestRoutesWithoutSpec(t *testing.T) {
	ts := shadowServer(false)
	defer ts.Close()
	s := checktest.Scan(t, core.Config{Target: ts.URL})
	checktest.Run(t, s, RoutesCheck{})
	if fs := s.Findings(); len(fs) != 0 {
		t.Errorf("without a spec there is no drift; got:%s", checktest.Describe(fs))
	}
	got := opKeys(s, "discovered")
	for _, want := range []string{"GET /api/v1/users", "GET /api/internal", "GET /api/health", "POST /api/export"} {
		if !slices.Contains(got, want) {
			t.Errorf("discovered %v, want %s among them", got, want)
		}
	}
}

func TestMatchesTemplate(t *testing.T) {
	tests := []struct {
		path, tmpl string
		want       bool
	}{
		{"/api/items/7", "/api/items/{id}", true},
		{"/api/items", "/api/items/{id}", false},
		{"/API/Users", "/api/users", true},
		{"/api/users/me", "/api/users/{id}", true},
		{"/api/v1/users", "/api/users", false},
	}
	for _, tt := range tests {
		if got := matchesTemplate(tt.path, tt.tmpl); got != tt.want {
			t.Errorf("matchesTemplate(%s, %s) = %v", tt.path, tt.tmpl, got)
		}
	}
}

func TestWordlist(t *testing.T) {
	w := Wordlist()
	if len(w) < 150 {
		t.Errorf("wordlist has %d routes", len(w))
	}
	seen := map[string]bool{}
	for _, p := range w {
		if p[0] != '/' || seen[p] {
			t.Errorf("bad or duplicate entry %q", p)
		}
		seen[p] = true
	}
}

func FuzzParseAllow(f *testing.F) {
	f.Add("GET, HEAD, POST")
	f.Add(" , ,DELETE,delete , OPTIONS")
	f.Fuzz(func(t *testing.T, v string) {
		got := parseAllow([]string{v})
		if len(got) > 16 {
			t.Fatalf("%d methods", len(got))
		}
		for _, m := range got {
			if m == "HEAD" || m == "OPTIONS" || m == "" {
				t.Fatalf("kept %q", m)
			}
		}
	})
}
