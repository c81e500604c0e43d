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
// which is banned: the cached path every request takes, compared with the
// same chain without it.
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
	reqs := make([]*http.Request, 1000)
	for i := range reqs {
		r := httptest.NewRequest(http.MethodGet, "/orders/1", nil)
		r.RemoteAddr = "198.51." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256) + ":4711"
		reqs[i] = r
	}
	for _, withGuard := range []bool{false, true} {
		var stages []pipeline.Stage
		name := "without"
		if withGuard {
			stages, name = []pipeline.Stage{{Guard: g}}, "with"
		}
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
