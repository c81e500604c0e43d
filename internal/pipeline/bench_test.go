package pipeline

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// discardWriter is the cheapest ResponseWriter that still behaves like one:
// a reusable header map, a status and no body storage.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

func (w *discardWriter) reset() {
	clear(w.h)
	w.status = 0
}

type noopGuard struct{ name string }

func (g noopGuard) Name() string                                 { return g.name }
func (g noopGuard) Check(r *http.Request) (*http.Request, error) { return r, nil }

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

func benchRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://api.example.test/api/v1/users/42", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	r.Header.Set("User-Agent", "bench/1.0")
	r.Header.Set("Accept", "application/json")
	return r
}

func BenchmarkChainBaseline(b *testing.B) {
	r := benchRequest()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		okHandler.ServeHTTP(w, r)
	}
}

// newNoopGuardChain is the chain of BenchmarkChain8NoopGuards and of the
// allocation budget test: eight guards that pass, a trusted-proxy client-IP
// resolver, a handler that answers 200.
func newNoopGuardChain(tb testing.TB) *Chain {
	tb.Helper()
	stages := make([]Stage, 8)
	for i := range stages {
		stages[i] = Stage{Guard: noopGuard{name: string(rune('a' + i))}}
	}
	res, err := NewClientIPResolver([]string{"10.0.0.0/8"})
	if err != nil {
		tb.Fatal(err)
	}
	c, err := NewChain(Options{Stages: stages, Next: okHandler, ClientIP: res})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func BenchmarkChain8NoopGuards(b *testing.B) {
	c := newNoopGuardChain(b)
	r := benchRequest()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		c.ServeHTTP(w, r)
	}
}

// BenchmarkChain8NoopGuardsIncomingID is the same with a valid incoming
// X-Request-ID, which saves minting one.
func BenchmarkChain8NoopGuardsIncomingID(b *testing.B) {
	stages := make([]Stage, 8)
	for i := range stages {
		stages[i] = Stage{Guard: noopGuard{name: string(rune('a' + i))}}
	}
	c, err := NewChain(Options{Stages: stages, Next: okHandler})
	if err != nil {
		b.Fatal(err)
	}
	r := benchRequest()
	r.Header.Set("X-Request-Id", "3f2b9c1e-8d4a-4c6b-9e0f-1a2b3c4d5e6f")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		c.ServeHTTP(w, r)
	}
}

// BenchmarkChainDenial measures the blocking path: the problem+json answer
// and the denial Event.
func BenchmarkChainDenial(b *testing.B) {
	deny := &Denial{Status: http.StatusTooManyRequests, Code: "rate_limited", PublicMessage: "Slow down.", RetryAfter: 1500 * time.Millisecond}
	g := &funcGuard{name: "ratelimit", check: func(*http.Request) (*http.Request, error) { return nil, deny }}
	c, err := NewChain(Options{Stages: []Stage{{Guard: noopGuard{name: "ban"}}, {Guard: g}}, Next: okHandler,
		Events: []EventSink{discardSink{}}, Outcomes: []OutcomeSink{discardSink{}}})
	if err != nil {
		b.Fatal(err)
	}
	r := benchRequest()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		c.ServeHTTP(w, r)
	}
}

type discardSink struct{}

func (discardSink) WriteOutcome(*Outcome) {}
func (discardSink) WriteEvent(*Event)     {}

func BenchmarkClientIPResolve(b *testing.B) {
	res, err := NewClientIPResolver([]string{"10.0.0.0/8", "172.16.0.0/12", "2001:db8:1::/48"})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name, peer, xff, fwd string
	}{
		{name: "untrusted-peer", peer: "203.0.113.5:1234", xff: "1.1.1.1"},
		{name: "xff-3-hops", peer: "10.0.0.1:80", xff: "198.51.100.7, 172.16.0.4, 10.0.0.2"},
		{name: "forwarded-ipv6", peer: "10.0.0.1:80", fwd: `for="[2001:db8:2::9]:8080";proto=https, for=10.0.0.2`},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			r := benchRequest()
			r.RemoteAddr = tc.peer
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if tc.fwd != "" {
				r.Header.Set("Forwarded", tc.fwd)
			}
			b.ReportAllocs()
			for b.Loop() {
				if !res.Resolve(r).IsValid() {
					b.Fatal("unresolved")
				}
			}
		})
	}
}
