package bruteforce

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

const benchBody = `{"username":"alice@example.com","password":"correct horse battery staple"}`

// benchChain builds a chain on route with the guard (or none) in front of a
// handler that answers status, after showing the response to the observers
// as the proxy would.
func benchChain(b *testing.B, route pipeline.Route, withGuard bool, status int) http.Handler {
	b.Helper()
	var stages []pipeline.Stage
	if withGuard {
		g := newTestGuard(b, Config{AccountKey: testKey})
		stages = append(stages, pipeline.Stage{Guard: g})
	}
	c, err := pipeline.NewChain(pipeline.Options{
		Stages: stages,
		Route:  route,
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			resp := &http.Response{StatusCode: status, Request: r, Body: http.NoBody, Header: http.Header{}}
			_ = pipeline.ObserveResponse(resp)
			w.WriteHeader(status)
		}),
	})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func runBench(b *testing.B, h http.Handler, method, body string) {
	b.ReportAllocs()
	w := httptest.NewRecorder()
	for b.Loop() {
		var r *http.Request
		if body == "" {
			r = httptest.NewRequest(method, "/api/items", nil)
		} else {
			r = httptest.NewRequest(method, "/api/login", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
		}
		h.ServeHTTP(w, r)
	}
}

// BenchmarkOtherRoute: the guard on a route that is not a credential
// endpoint, against the same chain without it. The difference is the
// guard's whole cost there: one map lookup.
func BenchmarkOtherRoute(b *testing.B) {
	other := pipeline.Route{API: "sample", Route: "items"}
	b.Run("baseline", func(b *testing.B) { runBench(b, benchChain(b, other, false, 200), http.MethodGet, "") })
	b.Run("guard", func(b *testing.B) { runBench(b, benchChain(b, other, true, 200), http.MethodGet, "") })
}

// BenchmarkLogin: a successful login through the guard (body read, JSON
// walk, HMAC, lockout reads, counter reset, trust write) on the memory
// store, and a failed one (four counters, two distinct counts), against
// the same chain without the guard.
func BenchmarkLogin(b *testing.B) {
	b.Run("baseline", func(b *testing.B) { runBench(b, benchChain(b, loginRoute, false, 200), http.MethodPost, benchBody) })
	b.Run("success", func(b *testing.B) { runBench(b, benchChain(b, loginRoute, true, 200), http.MethodPost, benchBody) })
	b.Run("failure", func(b *testing.B) {
		// Thresholds out of reach, so every iteration does the full count.
		g := newTestGuard(b, Config{AccountKey: testKey, Account: AccountPolicy{DelayAfter: 1 << 30, LockAfter: 1 << 30},
			IP: Threshold{Failures: 1 << 30}, Network: NetworkPolicy{Threshold: Threshold{Failures: 1 << 30}},
			Stuffing: StuffingPolicy{Accounts: 1 << 30, NetworkAccounts: 1 << 30}})
		c, err := pipeline.NewChain(pipeline.Options{
			Stages: []pipeline.Stage{{Guard: g}},
			Route:  loginRoute,
			Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = pipeline.ObserveResponse(&http.Response{StatusCode: 401, Request: r, Body: http.NoBody, Header: http.Header{}})
				w.WriteHeader(401)
			}),
		})
		if err != nil {
			b.Fatal(err)
		}
		runBench(b, c, http.MethodPost, benchBody)
	})
}
