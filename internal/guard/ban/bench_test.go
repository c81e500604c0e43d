package ban

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// BenchmarkCheck measures the guard in a chain, for 1000 clients none of
// which is banned: the cached path every request takes and, with the cache
// disabled, the store lookup of every key (one GetMarks call for ip and
// net), compared with the same chain without the guard.
func BenchmarkCheck(b *testing.B) {
	st, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if _, err := Ban(context.Background(), st, store.Mark{Key: "192.0.2.1", Since: now, Until: now.Add(time.Hour), Source: "bench"}); err != nil {
		b.Fatal(err)
	}
	g, err := New(Config{}, Options{Marks: st})
	if err != nil {
		b.Fatal(err)
	}
	uncached, err := New(Config{CacheTTL: -1}, Options{Marks: st})
	if err != nil {
		b.Fatal(err)
	}
	reqs := make([]*http.Request, 1000)
	for i := range reqs {
		r := httptest.NewRequest(http.MethodGet, "/orders/1", nil)
		r.RemoteAddr = "198.51." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256) + ":4711"
		reqs[i] = r
	}
	for _, tc := range []struct {
		name   string
		stages []pipeline.Stage
	}{
		{"without", nil},
		{"with", []pipeline.Stage{{Guard: g}}},
		{"with_uncached", []pipeline.Stage{{Guard: uncached}}},
	} {
		stages, name := tc.stages, tc.name
		chain, err := pipeline.NewChain(pipeline.Options{Stages: stages,
			Next: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			w := httptest.NewRecorder()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				chain.ServeHTTP(w, reqs[i%len(reqs)])
				i++
			}
		})
	}
}
