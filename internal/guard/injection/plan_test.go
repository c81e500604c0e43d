package injection

import (
	"net/http"
	"testing"

	"github.com/rampartsec/rampart/internal/openapi"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// planFromSpec hands out the scan plan of the operation a request matches,
// and only for a request that passed the operation's validation in full,
// as the schema guard does.
func planFromSpec(spec *openapi.Spec) func(*http.Request) *openapi.ScanPlan {
	return func(r *http.Request) *openapi.ScanPlan {
		op, params, _ := spec.Find(r.Method, r.URL.Path)
		if op == nil {
			return nil
		}
		body, err := pipeline.ReadBody(r, DefaultMaxBodyBytes)
		if err != nil {
			return nil
		}
		if op.ValidateRequest(r, params, body) != nil {
			return nil
		}
		return op.Plan()
	}
}

// TestScanPlan: inputs the schema constrained (an enum, a uuid) are not
// scanned; free text still is; without a plan everything is.
func TestScanPlan(t *testing.T) {
	spec, err := openapi.Load("testdata/openapi/orders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withPlan := newGateway(t, Config{PlanFor: planFromSpec(spec)}, pipeline.Enforce)
	without := newGateway(t, Config{}, pipeline.Enforce)
	const id = "/api/orders/0b7e1f6a-4a5d-4c1e-9a57-3d8f8e2b6c10"
	enumGet := call{target: id + "?view=..%2Fsummary"}
	enumPost := jsonCall("/api/orders", `{"view":"../summary","qty":2,"note":"leave at the door"}`)
	freeText := call{target: id + "?view=full&q=..%2F..%2Fetc%2Fpasswd"}

	wantPassed(t, withPlan.do(t, enumGet), "")
	wantPassed(t, withPlan.do(t, enumPost), enumPost.body)
	wantBlocked(t, withPlan.do(t, freeText), "traversal")
	// The same requests with no plan: the enum value is scanned and flagged.
	wantBlocked(t, without.do(t, enumGet), "traversal")
	wantBlocked(t, without.do(t, enumPost), "traversal")
	// A request the schema refuses gets no plan: everything is scanned.
	wantBlocked(t, withPlan.do(t, jsonCall("/api/orders", `{"view":"../summary","extra":"x"}`)), "traversal")
}
