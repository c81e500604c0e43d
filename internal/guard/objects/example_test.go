package objects_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampartsec/rampart/internal/guard/objects"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/proxy"
	"github.com/rampartsec/rampart/internal/store"
)

// bearerName stands in for the authn guard: "Bearer <name>" is <name>.
type bearerName struct{}

func (bearerName) Name() string { return "authn" }

func (bearerName) Check(r *http.Request) (*http.Request, error) {
	if name, ok := map[string]string{"Bearer alice": "alice", "Bearer bob": "bob"}[r.Header.Get("Authorization")]; ok {
		pipeline.SetIdentity(r, &pipeline.Identity{Subject: name, Method: "jwt"})
	}
	return r, nil
}

// Alice may read the items her list served her; bob may not read them.
func ExampleNew() {
	upstream := http.NewServeMux() // an API that never checks ownership
	upstream.HandleFunc("GET /api/items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"items":[{"id":1,"name":"notebook"},{"id":2,"name":"camera"}]}`)
	})
	upstream.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%s}`, r.PathValue("id"))
	})
	api := httptest.NewServer(upstream)
	defer api.Close()

	st, _ := store.NewMemory(store.MemoryConfig{})
	items := pipeline.Route{API: "shop", Route: "items"}
	guard, err := objects.New(objects.Config{Rules: []objects.Rule{{
		Route:        items,
		PathTemplate: "/api/items/{id}",
		Param:        "id",
		Namespace:    "item",
		Learn:        []objects.LearnRule{{Route: items, Methods: []string{"GET"}, ListPointer: "/items", ItemIDPointer: "/id"}},
	}}}, objects.Options{Marks: st})
	if err != nil {
		panic(err)
	}
	px, err := proxy.New("shop", proxy.Config{Upstreams: []string{api.URL}},
		proxy.Options{ObserveResponse: pipeline.ObserveResponse})
	if err != nil {
		panic(err)
	}
	chain, err := pipeline.NewChain(pipeline.Options{
		Route:  items,
		Stages: []pipeline.Stage{{Guard: bearerName{}}, {Guard: guard}},
		Next:   px,
	})
	if err != nil {
		panic(err)
	}
	for _, step := range []struct{ user, path string }{
		{"alice", "/api/items/1"}, // never served yet
		{"alice", "/api/items"},   // serves 1 and 2 to alice
		{"alice", "/api/items/1"},
		{"bob", "/api/items/1"},
	} {
		req := httptest.NewRequest(http.MethodGet, step.path, nil)
		req.Header.Set("Authorization", "Bearer "+step.user)
		w := httptest.NewRecorder()
		chain.ServeHTTP(w, req)
		fmt.Println(step.user, step.path, w.Code)
	}
	// Output:
	// alice /api/items/1 403
	// alice /api/items 200
	// alice /api/items/1 200
	// bob /api/items/1 403
}
