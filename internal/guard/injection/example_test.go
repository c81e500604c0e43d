package injection_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rampartsec/rampart/internal/guard/injection"
	detect "github.com/rampartsec/rampart/internal/injection"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// A search route whose query_text field takes SQL on purpose: sqli is
// excluded there, and only there.
func Example() {
	g, err := injection.New(injection.Config{
		Sensitivity: detect.Medium,
		Exclusions: []injection.Exclusion{
			// "rule sqli on body./query_text for route search"
			{Route: pipeline.Route{API: "shop", Route: "search"}, Location: "body./query_text", Rules: []string{"sqli"}},
		},
	})
	if err != nil {
		panic(err)
	}
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "proxied") })
	chainFor := func(route string) *pipeline.Chain {
		c, err := pipeline.NewChain(pipeline.Options{
			Route:  pipeline.Route{API: "shop", Route: route},
			Stages: []pipeline.Stage{{Guard: g, Mode: pipeline.Enforce}},
			Next:   upstream,
		})
		if err != nil {
			panic(err)
		}
		return c
	}
	body := `{"query_text":"x' UNION SELECT password FROM users--"}`
	for _, route := range []string{"search", "profile"} {
		r := httptest.NewRequest("POST", "/"+route, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		chainFor(route).ServeHTTP(w, r)
		if w.Code == http.StatusOK {
			fmt.Println(route, w.Code, w.Body.String())
			continue
		}
		var problem struct{ Detail string }
		_ = json.Unmarshal(w.Body.Bytes(), &problem)
		fmt.Println(route, w.Code, problem.Detail)
	}
	// Output:
	// search 200 proxied
	// profile 403 The request was blocked by a security rule.
}
