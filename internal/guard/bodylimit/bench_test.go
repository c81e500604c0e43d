package bodylimit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func benchGuard(b *testing.B) *Guard {
	g, err := New(Config{Routes: map[pipeline.Route]int64{{API: "shop", Route: "upload"}: 50 << 20, {API: "search"}: 16 << 10}})
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// BenchmarkCheckDeclaredLength is the common case: a JSON body with a
// Content-Length within the limit.
func BenchmarkCheckDeclaredLength(b *testing.B) {
	g := benchGuard(b)
	r := httptest.NewRequest(http.MethodPost, "/api/v1/items", strings.NewReader(`{"name":"widget","qty":3}`))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Check(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckChunked wraps a body of unknown length (one allocation).
func BenchmarkCheckChunked(b *testing.B) {
	g := benchGuard(b)
	body := io.NopCloser(strings.NewReader(`{"name":"widget","qty":3}`))
	r := httptest.NewRequest(http.MethodPost, "/api/v1/items", nil)
	r.ContentLength = -1
	b.ReportAllocs()
	for b.Loop() {
		r.Body = body
		if _, err := g.Check(r); err != nil {
			b.Fatal(err)
		}
	}
}
