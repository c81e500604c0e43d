package objects_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/guard/objects"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// staticIdentity authenticates every request as alice.
type staticIdentity struct{ id *pipeline.Identity }

func (staticIdentity) Name() string { return "authn" }

func (s staticIdentity) Check(r *http.Request) (*http.Request, error) {
	pipeline.SetIdentity(r, s.id)
	return r, nil
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// listUpstream answers GET /api/items with n items, handing the response
// to the chain's observers as the proxy does, and 204 to anything else.
func listUpstream(n int) http.Handler {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"owner_id":1,"name":"item %d","description":"a thing"}`, i, i)
	}
	b.WriteString(`]}`)
	list := b.String()
	buf := make([]byte, 32<<10) // the proxy copies through pooled buffers
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/items" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		resp := &http.Response{StatusCode: http.StatusOK, Request: r, ContentLength: int64(len(list)),
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(list))}
		if err := pipeline.ObserveResponse(resp); err != nil {
			panic(err)
		}
		_, _ = io.CopyBuffer(w, resp.Body, buf)
	})
}

func benchChain(b *testing.B, withGuard bool, items int) http.Handler {
	b.Helper()
	st, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	stages := []pipeline.Stage{{Guard: staticIdentity{&pipeline.Identity{Subject: "alice", Method: "jwt"}}}}
	if withGuard {
		g, err := objects.New(objects.Config{Rules: sampleRules()}, objects.Options{Marks: st})
		if err != nil {
			b.Fatal(err)
		}
		stages = append(stages, pipeline.Stage{Guard: g})
	}
	c, err := pipeline.NewChain(pipeline.Options{Route: routeItems, Stages: stages, Next: listUpstream(items)})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func serve(b *testing.B, h http.Handler, path string) {
	b.Helper()
	req, err := http.NewRequest("GET", path, nil)
	if err != nil {
		b.Fatal(err)
	}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// BenchmarkCheck compares a chain with the guard against the same chain
// without it (baseline), on an object access it admits, one it refuses,
// and a request that is no object access.
func BenchmarkCheck(b *testing.B) {
	b.Run("baseline", func(b *testing.B) { serve(b, benchChain(b, false, 10), "/api/items/3") })
	with := func(b *testing.B) http.Handler {
		h := benchChain(b, true, 10)
		req, _ := http.NewRequest("GET", "/api/items", nil)
		h.ServeHTTP(&discard{h: http.Header{}}, req) // learn items 1 to 10
		return h
	}
	b.Run("served", func(b *testing.B) { serve(b, with(b), "/api/items/3") })
	b.Run("refused", func(b *testing.B) { serve(b, with(b), "/api/items/11") })
	b.Run("not_an_access", func(b *testing.B) { serve(b, with(b), "/api/users/me") })
	b.Run("confusing_path", func(b *testing.B) { serve(b, with(b), "/api//items/%33/./x/..") })
}

// BenchmarkLearn serves a list of n items, the guard learning every id.
func BenchmarkLearn(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run("baseline/"+strconv.Itoa(n), func(b *testing.B) { serve(b, benchChain(b, false, n), "/api/items") })
		b.Run("learn/"+strconv.Itoa(n), func(b *testing.B) { serve(b, benchChain(b, true, n), "/api/items") })
	}
}
