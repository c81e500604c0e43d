package pipeline

import (
	"net/http"
	"net/http/httptest"
	"testing"
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

func BenchmarkChain8NoopGuards(b *testing.B) {
	stages := make([]Stage, 8)
	for i := range stages {
		stages[i] = Stage{Guard: noopGuard{name: string(rune('a' + i))}}
	}
	res, err := NewClientIPResolver([]string{"10.0.0.0/8"})
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewChain(Options{Stages: stages, Next: okHandler, ClientIP: res})
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
