package spec

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

func scanFor(t *testing.T, target string, budget int) *core.Scan {
	t.Helper()
	s, err := core.NewScan(core.Config{Target: target, MaxRequests: budget})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestDiscoverOnSampleAPI: the sample API does not publish its spec, so a
// wrapper serves it where frameworks do, under a base path.
func TestDiscoverOnSampleAPI(t *testing.T) {
	api, err := sampleapi.New(sampleapi.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /base/v3/api-docs", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(sampleapi.Spec()) })
	mux.HandleFunc("GET /base/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		// An SPA's index page for every unknown path: not a spec, not an error.
		_, _ = w.Write([]byte("<!doctype html><title>app</title>"))
	})
	mux.Handle("/", api.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	s := scanFor(t, srv.URL+"/base", 0)
	ops, where, err := Discover(context.Background(), s, Options{TargetPath: "/base"})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if where != srv.URL+"/base/v3/api-docs" {
		t.Errorf("found at %q", where)
	}
	if len(ops) < 10 {
		t.Errorf("%d operations", len(ops))
	}
	if s.SentBy(DiscoverCheck) != 6 {
		t.Errorf("%d requests, want 6 (the sixth location)", s.SentBy(DiscoverCheck))
	}
}

func TestDiscoverNothingOrBroken(t *testing.T) {
	var hits atomic.Int64
	none := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.NotFound(w, nil)
	}))
	defer none.Close()
	if _, _, err := Discover(context.Background(), scanFor(t, none.URL, 0), Options{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	if int(hits.Load()) != len(WellKnownPaths) {
		t.Errorf("%d requests, want one per location", hits.Load())
	}

	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/openapi.yaml" {
			_, _ = w.Write([]byte("openapi: 3.0.0\npaths:\n  /a: [\n"))
			return
		}
		http.NotFound(w, r)
	}))
	defer broken.Close()
	_, _, err := Discover(context.Background(), scanFor(t, broken.URL, 0), Options{})
	var se *Error
	if !errors.As(err, &se) || !strings.HasSuffix(se.Source, "/openapi.yaml") || se.Line != 3 {
		t.Errorf("err = %v, want the parse error of /openapi.yaml at line 3", err)
	}

	// The budget ends the search cleanly.
	if _, _, err := Discover(context.Background(), scanFor(t, none.URL, 2), Options{}); !errors.Is(err, core.ErrBudget) {
		t.Errorf("err = %v, want ErrBudget", err)
	}
}
