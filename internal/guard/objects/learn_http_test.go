package objects_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/guard/objects"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/proxy"
	"github.com/rampartsec/rampart/internal/store"
)

// shapesAPI answers lists in the shapes and encodings learning must cope
// with, and GET /api/items/{id} for any id.
func shapesAPI(bigBody int) http.Handler {
	mux := http.NewServeMux()
	send := func(w http.ResponseWriter, ct, body string) {
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write([]byte(body))
	}
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		send(w, "application/json", fmt.Sprintf(`{"id":%q,"owner":"whoever"}`, r.PathValue("id")))
	})
	mux.HandleFunc("GET /api/items", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("shape") {
		case "array":
			send(w, "application/json; charset=utf-8", `[{"id":"a1"},{"id":"a2","x":[1,{"id":"nested"}]},{"name":"no id"},{"id":null},{"id":7}]`)
		case "gzip":
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write([]byte(`[{"id":"g1"},{"id":"g2"}]`))
			_ = zw.Close()
			w.Header().Set("Content-Encoding", "gzip")
			send(w, "application/json", b.String())
		case "br":
			w.Header().Set("Content-Encoding", "br")
			send(w, "application/json", `[{"id":"b1"}]`) // not really brotli: never read
		case "chunked":
			w.Header().Set("Content-Type", "application/vnd.api+json")
			_, _ = w.Write([]byte(`[{"id":"c1"},`))
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte(`{"id":"c2"}]`))
		case "big":
			send(w, "application/json", `[{"id":"big1"},{"pad":"`+strings.Repeat("x", bigBody)+`"}]`)
		case "text":
			send(w, "text/plain", `[{"id":"t1"}]`)
		case "dup":
			send(w, "application/json", `[{"id":"d1","id":"d2"},{"id":"d3"}]`)
		case "escaped":
			send(w, "application/json", `[{"i\u0064":"e\u0031"},{"id":"in\"side"}]`)
		case "invalid":
			send(w, "application/json", `[{"id":"v1"},{"id":"v2"`)
		case "many":
			send(w, "application/json", `[{"id":"m1"},{"id":"m2"},{"id":"m3"}]`)
		case "error":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`[{"id":"n1"}]`))
		}
	})
	mux.HandleFunc("POST /api/items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"new-1","tags":[{"id":"not-an-item"}]}`))
	})
	return mux
}

func shapesRules() []objects.Rule {
	return []objects.Rule{{
		Route:        routeItems,
		PathTemplate: "/api/items/{id}",
		Param:        "id",
		Learn: []objects.LearnRule{
			{Route: routeItems, Methods: []string{"GET"}, ItemIDPointer: "/id"},
			{Route: routeItems, Methods: []string{"POST"}, IDPointer: "/id"},
		},
	}}
}

// shapesEnv is shapesAPI behind the gateway.
type shapesEnv struct {
	*env
	storeErrors atomic.Int64
}

func newShapesEnv(t *testing.T, cfg objects.Config, marks objects.Marks, st *store.Memory) *shapesEnv {
	t.Helper()
	const bigBody = 4096
	up := httptest.NewServer(shapesAPI(bigBody))
	t.Cleanup(up.Close)
	c := pipelinetest.NewClock(time.Now())
	if st == nil {
		var err error
		if st, err = store.NewMemory(store.MemoryConfig{Now: c.Now}); err != nil {
			t.Fatal(err)
		}
	}
	if marks == nil {
		marks = st
	}
	if cfg.Rules == nil {
		cfg.Rules = shapesRules()
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = bigBody
	}
	se := &shapesEnv{}
	g, err := objects.New(cfg, objects.Options{Marks: marks, Now: c.Now,
		OnStoreError: func(string) { se.storeErrors.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, api: up.URL, guard: g, store: st, clock: c, rec: pipelinetest.NewRecorder(), denied: map[string]int{},
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}}
	e.gw = startGateway(t, up.URL, g, pipeline.Enforce, e.rec, c.Now)
	se.env = e
	return se
}

func TestLearningFromResponseShapes(t *testing.T) {
	e := newShapesEnv(t, objects.Config{}, nil, nil)
	tok := mintToken(t, "dana", "")
	tests := []struct {
		shape   string
		learned []string
		unknown []string
	}{
		{"array", []string{"a1", "a2", "7"}, []string{"nested", "null"}},
		{"gzip", []string{"g1", "g2"}, nil},
		{"br", nil, []string{"b1"}},
		{"chunked", []string{"c1", "c2"}, nil},
		{"big", nil, []string{"big1"}},
		{"text", nil, []string{"t1"}},
		{"dup", []string{"d3"}, []string{"d1", "d2"}},
		{"escaped", []string{"e1", `in"side`}, nil},
		{"invalid", nil, []string{"v1"}},
		{"error", nil, []string{"n1"}},
	}
	for _, tt := range tests {
		t.Run(tt.shape, func(t *testing.T) {
			path := "/api/items?shape=" + tt.shape
			via := e.gateway("GET", path, tok, nil, "Accept-Encoding", "gzip")
			direct := e.do(e.api, "GET", path, tok, nil, "Accept-Encoding", "gzip")
			if via.status != direct.status || !bytes.Equal(via.body, direct.body) {
				t.Fatalf("through the gateway: %d %q\ndirect: %d %q", via.status, via.body, direct.status, direct.body)
			}
			for _, id := range tt.learned {
				wantStatus(t, "learned "+id, e.gateway("GET", "/api/items/"+escapeSegment(id), tok, nil), http.StatusOK)
			}
			for _, id := range tt.unknown {
				wantForbidden(t, "not learned "+id, e.gateway("GET", "/api/items/"+escapeSegment(id), tok, nil))
			}
		})
	}
}

func escapeSegment(s string) string { return strings.ReplaceAll(s, `"`, "%22") }

func TestCreateTeachesOnlyTheObjectsID(t *testing.T) {
	e := newShapesEnv(t, objects.Config{}, nil, nil)
	tok := mintToken(t, "dana", "")
	wantStatus(t, "create", e.gateway("POST", "/api/items", tok, map[string]string{}), http.StatusCreated)
	wantStatus(t, "the created id", e.gateway("GET", "/api/items/new-1", tok, nil), http.StatusOK)
	wantForbidden(t, "an id nested elsewhere", e.gateway("GET", "/api/items/not-an-item", tok, nil))
	wantForbidden(t, "someone else", e.gateway("GET", "/api/items/new-1", mintToken(t, "eve", ""), nil))
}

func TestMaxIDsPerResponse(t *testing.T) {
	e := newShapesEnv(t, objects.Config{MaxIDsPerResponse: 2}, nil, nil)
	tok := mintToken(t, "dana", "")
	wantStatus(t, "list", e.gateway("GET", "/api/items?shape=many", tok, nil), http.StatusOK)
	wantStatus(t, "m1", e.gateway("GET", "/api/items/m1", tok, nil), http.StatusOK)
	wantStatus(t, "m2", e.gateway("GET", "/api/items/m2", tok, nil), http.StatusOK)
	wantForbidden(t, "m3, over the bound", e.gateway("GET", "/api/items/m3", tok, nil))
}

func TestFullStoreFailsClosedAndKeepsTheResponse(t *testing.T) {
	c := pipelinetest.NewClock(time.Now())
	st, err := store.NewMemory(store.MemoryConfig{MaxMarks: 2, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := newShapesEnv(t, objects.Config{}, nil, st)
	tok := mintToken(t, "dana", "")
	via := e.gateway("GET", "/api/items?shape=many", tok, nil)
	direct := e.direct("GET", "/api/items?shape=many", tok, nil)
	if via.status != http.StatusOK || !bytes.Equal(via.body, direct.body) {
		t.Fatalf("list through a full store: %d %s", via.status, via.body)
	}
	wantForbidden(t, "m3, not stored", e.gateway("GET", "/api/items/m3", tok, nil))
	if e.storeErrors.Load() != 1 {
		t.Fatalf("OnStoreError called %d times, want 1 (learning stops at the first failure)", e.storeErrors.Load())
	}
}

// flakyMarks is a store that can be made to fail, as Redis does when it
// is unreachable.
type flakyMarks struct {
	*store.Memory
	down atomic.Bool
}

func (f *flakyMarks) GetMark(ctx context.Context, ns, key string) (store.Mark, bool, error) {
	if f.down.Load() {
		return store.Mark{}, false, fmt.Errorf("redis: %w", store.ErrUnavailable)
	}
	return f.Memory.GetMark(ctx, ns, key)
}

func (f *flakyMarks) PutMark(ctx context.Context, ns string, m store.Mark) error {
	if f.down.Load() {
		return fmt.Errorf("redis: %w", store.ErrUnavailable)
	}
	return f.Memory.PutMark(ctx, ns, m)
}

func TestStoreFailureModes(t *testing.T) {
	for _, tt := range []struct {
		mode   objects.FailMode
		status int
	}{
		{"", http.StatusServiceUnavailable},
		{objects.FailClosed, http.StatusServiceUnavailable},
		{objects.FailOpen, http.StatusOK},
	} {
		t.Run(string(tt.mode), func(t *testing.T) {
			st, err := store.NewMemory(store.MemoryConfig{})
			if err != nil {
				t.Fatal(err)
			}
			marks := &flakyMarks{Memory: st}
			e := newShapesEnv(t, objects.Config{OnStoreError: tt.mode}, marks, st)
			tok := mintToken(t, "dana", "")
			wantStatus(t, "list", e.gateway("GET", "/api/items?shape=many", tok, nil), http.StatusOK)
			marks.down.Store(true)
			r := e.gateway("GET", "/api/items/m1", tok, nil)
			wantStatus(t, "with the store down", r, tt.status)
			if tt.status == http.StatusServiceUnavailable && (r.header.Get("Retry-After") == "" || bytes.Contains(r.body, []byte("redis"))) {
				t.Fatalf("503: retry-after %q, body %s", r.header.Get("Retry-After"), r.body)
			}
			wantStatus(t, "a list while the store is down still reaches the client",
				e.gateway("GET", "/api/items?shape=array", tok, nil), http.StatusOK)
			if e.storeErrors.Load() < 2 {
				t.Fatalf("OnStoreError called %d times, want the failed get and put", e.storeErrors.Load())
			}
			marks.down.Store(false)
			wantStatus(t, "store back", e.gateway("GET", "/api/items/m1", tok, nil), http.StatusOK)
		})
	}
}

func TestConcurrentLearningAndChecking(t *testing.T) {
	e := newShapesEnv(t, objects.Config{}, nil, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			tok := mintToken(t, fmt.Sprintf("user%d", i), "")
			for range 5 {
				if r := e.gateway("GET", "/api/items?shape=array", tok, nil); r.status != http.StatusOK {
					t.Errorf("list: %d", r.status)
				}
				if r := e.gateway("GET", "/api/items/a1", tok, nil); r.status != http.StatusOK {
					t.Errorf("read: %d", r.status)
				}
			}
		})
	}
	wg.Wait()
}

// The proxy may rewrite the path (StripPrefix): the guard checks the path
// the client sent, and the response of an access it refused in monitor
// mode must still teach nothing, though the upstream's path no longer
// looks like the template.
func TestStrippedPrefixMonitorModeLearnsNothingFromRefusals(t *testing.T) {
	up := httptest.NewServer(shapesAPI(64))
	t.Cleanup(up.Close)
	st, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := objects.New(objects.Config{Rules: []objects.Rule{{
		Route:        routeItems,
		PathTemplate: "/shop/api/items/{id}",
		Param:        "id",
		Learn: []objects.LearnRule{
			{Route: routeItems, Methods: []string{"GET"}, ItemIDPointer: "/id"},
			// Deliberately broad: every object response would teach its id.
			{Route: routeItems, Methods: []string{"GET"}, IDPointer: "/id"},
		},
	}}}, objects.Options{Marks: st})
	if err != nil {
		t.Fatal(err)
	}
	px, err := proxy.New("shop", proxy.Config{Upstreams: []string{up.URL}, StripPrefix: "/shop"},
		proxy.Options{ObserveResponse: pipeline.ObserveResponse})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = px.Close() })
	rec := pipelinetest.NewRecorder()
	chain, err := pipeline.NewChain(pipeline.Options{Route: routeItems, Next: px, Outcomes: []pipeline.OutcomeSink{rec},
		Stages: []pipeline.Stage{{Guard: jwtIdentity{}}, {Guard: g, Mode: pipeline.Monitor}}})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(chain)
	t.Cleanup(gw.Close)
	e := &env{t: t, gw: gw.URL, client: &http.Client{Timeout: 10 * time.Second}}
	tok := mintToken(t, "dana", "")

	for range 2 {
		r := e.gateway("GET", "/shop/api/items/x1", tok, nil)
		if o := rec.OutcomeOf(t, r.requestID); r.status != http.StatusOK || o.Verdict != pipeline.VerdictFlagged {
			t.Fatalf("refused read in monitor mode: %d, verdict %s; want 200 flagged", r.status, o.Verdict)
		}
	}
	wantStatus(t, "list", e.gateway("GET", "/shop/api/items?shape=array", tok, nil), http.StatusOK)
	r := e.gateway("GET", "/shop/api/items/a1", tok, nil)
	if o := rec.OutcomeOf(t, r.requestID); o.Verdict != pipeline.VerdictAllowed {
		t.Fatalf("listed item: verdict %s, want allowed", o.Verdict)
	}
}
