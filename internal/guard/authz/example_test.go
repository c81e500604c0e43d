package authz_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampartsec/rampart/internal/guard/authz"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// bearerIdentity stands in for the authn guard: "Bearer <name>" is <name>.
type bearerIdentity struct{}

func (bearerIdentity) Name() string { return "authn" }

func (bearerIdentity) Check(r *http.Request) (*http.Request, error) {
	if name, ok := map[string]string{"Bearer alice": "alice", "Bearer bob": "bob"}[r.Header.Get("Authorization")]; ok {
		pipeline.SetIdentity(r, &pipeline.Identity{Subject: name, Method: "jwt", Scopes: []string{"orders:read"}})
	}
	return r, nil
}

// Only alice may read /api/users/alice/orders; the upstream learns who asks
// from X-Rampart-Subject, whatever the client sent in it.
func ExampleNew() {
	az, err := authz.New(authz.Config{Rules: []authz.RouteRule{{
		Route:   pipeline.Route{API: "shop", Route: "orders"},
		Methods: []string{"GET"},
		Rule: authz.Rule{
			Scopes:       []string{"orders:read"},
			PathTemplate: "/api/users/{user}/orders",
			Owner:        &authz.OwnerRule{Param: "user", In: authz.InPath, Claim: authz.ClaimSubject},
		},
	}}}, authz.Options{})
	if err != nil {
		panic(err)
	}
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "orders of ", r.Header.Get("X-Rampart-Subject"))
	})
	chain, err := pipeline.NewChain(pipeline.Options{
		Route:  pipeline.Route{API: "shop", Route: "orders"},
		Stages: []pipeline.Stage{{Guard: bearerIdentity{}}, {Guard: az}},
		Next:   upstream,
	})
	if err != nil {
		panic(err)
	}
	for _, user := range []string{"alice", "bob"} {
		req := httptest.NewRequest(http.MethodGet, "/api/users/alice/orders", nil)
		req.Header.Set("Authorization", "Bearer "+user)
		req.Header.Set("X-Rampart-Subject", "alice") // spoofed, and stripped
		req.Header.Set("X-Request-Id", "req-"+user)
		w := httptest.NewRecorder()
		chain.ServeHTTP(w, req)
		fmt.Println(user, w.Code, w.Body.String())
	}
	// Output:
	// alice 200 orders of alice
	// bob 403 {"type":"urn:rampart:problem:forbidden","title":"Forbidden","status":403,"detail":"Access denied.","request_id":"req-bob"}
}
