package openapi_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/openapi"
)

// Validating a request against the sample API's document: a mass
// assignment attempt, then a valid request and what its scan plan skips.
func Example() {
	spec, err := openapi.Load("../sampleapi/openapi.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, body := range []string{`{"name":"Mallory","role":"admin"}`, `{"name":"Mallory"}`} {
		r := httptest.NewRequest("PATCH", "/api/users/me", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		op, params, _ := spec.Find(r.Method, r.URL.EscapedPath())
		if err := op.ValidateRequest(r, params, []byte(body)); err != nil {
			fmt.Println(err.Kind, err.Public())
			continue
		}
		fmt.Println("valid; skip /name:", op.Plan().Skip(inspect.JSON, "/name"))
	}

	op, _, _ := spec.Find("GET", "/api/report")
	fmt.Println("skip query n:", op.Plan().Skip(inspect.Query, "n"))
	// Output:
	// mass_assignment /body/role is read-only
	// valid; skip /name: false
	// skip query n: true
}
