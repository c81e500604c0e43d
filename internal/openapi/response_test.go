package openapi

import (
	"net/http"
	"slices"
	"testing"
)

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json; charset=utf-8"}}
}

// TestValidateResponse: members the schema does not declare and values
// that break it are reported, with array indices folded into "*".
func TestValidateResponse(t *testing.T) {
	shop := mustLoad(t, shopSpec)
	sample := mustLoad(t, sampleSpec)
	const order = `{"id":"` + testTenantID + `","status":"paid","total_cents":100,"items":[{"sku":"ABC-1234","qty":1}],"card_last4":"4242"`
	tests := []struct {
		name           string
		spec           *Spec
		op             string
		status         int
		header         http.Header
		body           string
		wantChecked    bool
		wantUndeclared []string
		wantInvalid    []string
		wantNotJSON    bool
	}{
		{name: "declared", spec: shop, op: "getOrder", status: 200, body: order + `}`, wantChecked: true},
		{name: "leaked card number", spec: shop, op: "getOrder", status: 200, body: order + `,"card_number":"4242424242424242"}`,
			wantChecked: true, wantUndeclared: []string{"/card_number"}},
		{name: "leak in every element of a list", spec: shop, op: "listOrders", status: 200,
			body:        `{"orders":[` + order + `,"card_number":"1"},` + order + `,"card_number":"2","cvv":"123"}]}`,
			wantChecked: true, wantUndeclared: []string{"/orders/*/card_number", "/orders/*/cvv"}},
		{name: "nested leak", spec: shop, op: "getOrder", status: 200,
			body:        order + `,"shipping":{"name":"a","line1":"b","city":"c","country":"GB","phone":"555"}}`,
			wantChecked: true, wantUndeclared: []string{"/shipping/phone"}},
		{name: "invalid value", spec: shop, op: "getOrder", status: 200, body: `{"id":"` + testTenantID + `","status":"paid","total_cents":-1,"items":[],"card_last4":"42424"}`,
			wantChecked: true, wantInvalid: []string{"/card_last4 does not have the expected format", "/total_cents is too small"}},
		{name: "not JSON", spec: shop, op: "getOrder", status: 200, body: `{"id":`, wantChecked: true, wantNotJSON: true},
		{name: "undeclared status", spec: shop, op: "getOrder", status: 500, body: `{"secret":1}`},
		{name: "not JSON content", spec: shop, op: "getOrder", status: 200, header: http.Header{"Content-Type": {"text/html"}}, body: `<p>`},
		{name: "no schema for the status", spec: shop, op: "getOrder", status: 404, body: `{}`},
		// The sample API in its vulnerable mode: the whole order row.
		{name: "sample order leak", spec: sample, op: "getOrder", status: 200,
			body: `{"id":1,"user_id":2,"item_id":3,"amount_cents":100,"currency":"EUR","status":"paid","card_last4":"4242",` +
				`"card_number":"4242424242424242","card_cvv":"123","card_expiry":"12/30","api_secret":"sk_live_x"}`,
			wantChecked:    true,
			wantUndeclared: []string{"/api_secret", "/card_cvv", "/card_expiry"},
			wantInvalid:    []string{"/card_number does not have the expected format"}},
		{name: "sample order masked", spec: sample, op: "getOrder", status: 200,
			body:        `{"id":1,"user_id":2,"item_id":3,"amount_cents":100,"currency":"EUR","status":"paid","card_last4":"4242","card_number":"************4242"}`,
			wantChecked: true},
		{name: "health check extra member", spec: sample, op: "healthz", status: 200, body: `{"status":"ok","extra":1}`,
			wantChecked: true, wantUndeclared: []string{"/extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := tt.spec.Operation(tt.op)
			if op == nil {
				t.Fatalf("no operation %s", tt.op)
			}
			h := tt.header
			if h == nil {
				h = jsonHeader()
			}
			if got := op.ResponseSchema(tt.status, h); got != tt.wantChecked {
				t.Errorf("ResponseSchema = %v, want %v", got, tt.wantChecked)
			}
			rep := op.ValidateResponse(tt.status, h, []byte(tt.body))
			if rep.Checked != tt.wantChecked || rep.NotJSON != tt.wantNotJSON {
				t.Errorf("checked, notJSON = %v, %v, want %v, %v", rep.Checked, rep.NotJSON, tt.wantChecked, tt.wantNotJSON)
			}
			if !slices.Equal(rep.Undeclared, tt.wantUndeclared) {
				t.Errorf("undeclared = %q, want %q", rep.Undeclared, tt.wantUndeclared)
			}
			if !slices.Equal(rep.Invalid, tt.wantInvalid) {
				t.Errorf("invalid = %q, want %q", rep.Invalid, tt.wantInvalid)
			}
			if rep.OK() != (len(tt.wantUndeclared) == 0 && len(tt.wantInvalid) == 0 && !tt.wantNotJSON) {
				t.Errorf("OK() = %v", rep.OK())
			}
		})
	}
}

// TestResponseFindingsBounded: a response with thousands of undeclared
// members reports at most maxFindings of them.
func TestResponseFindingsBounded(t *testing.T) {
	shop := mustLoad(t, shopSpec)
	body := []byte(`{"id":"` + testTenantID + `","status":"paid","total_cents":1,"items":[]`)
	for i := range 1000 {
		body = append(body, `,"k`...)
		body = append(body, []byte(string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)))...)
		body = append(body, `":1`...)
	}
	body = append(body, '}')
	rep := shop.Operation("getOrder").ValidateResponse(200, jsonHeader(), body)
	if len(rep.Undeclared) == 0 || len(rep.Undeclared) > maxFindings {
		t.Errorf("%d undeclared reported, want 1..%d", len(rep.Undeclared), maxFindings)
	}
}
