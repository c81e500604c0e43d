package schema

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// itemBody is a valid 1.5 KB createItem body of the sample API.
func itemBody() string {
	return `{"name":"Blue widget","description":"` + strings.Repeat("A sturdy blue widget. ", 66) + `"}`
}

// TestDenials sends each kind of request the guard refuses, and some it
// admits, through the real chain with the sample API's document.
func TestDenials(t *testing.T) {
	gw := newGateway(t, Config{Spec: loadSpec(t, sampleSpecPath), MaxBodyBytes: 4 << 10}, pipeline.Enforce, nil)
	deep := strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40)
	tests := []struct {
		name         string
		call         call
		wantStatus   int
		wantRule     string
		wantCode     string
		wantDetail   string
		wantLocation string
		wantCategory string
		wantAllow    string
	}{
		{name: "valid POST", call: call{method: "POST", target: "/api/items", contentType: "application/json", body: itemBody()}, wantStatus: 200},
		{name: "valid GET", call: call{target: "/api/items?q=widget"}, wantStatus: 200},
		{name: "HEAD of a GET", call: call{method: "HEAD", target: "/api/healthz"}, wantStatus: 200},
		{name: "undocumented endpoint", call: call{target: "/api/debug/config"}, wantStatus: 404,
			wantRule: RuleUndocumented, wantCode: "not_found", wantDetail: "undocumented endpoint", wantCategory: "API9:2023"},
		{name: "method not declared", call: call{method: "DELETE", target: "/api/items"}, wantStatus: 405,
			wantRule: RuleMethodNotAllowed, wantCode: "method_not_allowed", wantAllow: "GET, HEAD, POST", wantCategory: "API9:2023"},
		{name: "invalid parameter", call: call{target: "/api/stream?n=lots"}, wantStatus: 400, wantRule: RuleInvalidParameter,
			wantCode: "invalid_parameter", wantDetail: "Invalid request: /query/n must be an integer.", wantLocation: "query.n"},
		{name: "parameter out of range", call: call{target: "/api/report?n=10001"}, wantStatus: 400, wantRule: RuleInvalidParameter,
			wantDetail: "Invalid request: /query/n is too large.", wantLocation: "query.n"},
		{name: "invalid path parameter", call: call{target: "/api/items/0"}, wantStatus: 400, wantRule: RuleInvalidParameter,
			wantDetail: "Invalid request: /path/id is too small.", wantLocation: "path.id"},
		{name: "unsupported media type", call: call{method: "POST", target: "/api/items", contentType: "text/plain", body: "name=x"},
			wantStatus: 415, wantRule: RuleMediaType, wantCode: "unsupported_media_type", wantLocation: "header.Content-Type"},
		{name: "invalid body", call: call{method: "POST", target: "/api/items", contentType: "application/json", body: `{"name":5}`},
			wantStatus: 400, wantRule: RuleInvalidBody, wantCode: "invalid_body",
			wantDetail: "Invalid request body: /body/name must be a string.", wantLocation: "body./name"},
		{name: "body required", call: call{method: "POST", target: "/api/items", contentType: "application/json"},
			wantStatus: 400, wantRule: RuleInvalidBody, wantDetail: "Invalid request body: /body is required.", wantLocation: "body"},
		{name: "server-owned property", call: call{method: "POST", target: "/api/items", contentType: "application/json", body: `{"name":"x","owner_id":7}`},
			wantStatus: 400, wantRule: RuleMassAssignment, wantLocation: "body./owner_id", wantCategory: "API3:2023"},
		{name: "mass assignment", call: call{method: "PATCH", target: "/api/users/me", contentType: "application/json",
			body: `{"name":"Mallory","role":"admin","is_admin":true}`},
			wantStatus: 400, wantRule: RuleMassAssignment, wantCode: "mass_assignment",
			wantDetail:   "Invalid request body: /body/is_admin is read-only and cannot be set.",
			wantLocation: "body./is_admin", wantCategory: "API3:2023"},
		{name: "too deep", call: call{method: "POST", target: "/api/items", contentType: "application/json", body: deep},
			wantStatus: 400, wantRule: inspect.CodeJSONTooDeep, wantCode: inspect.CodeJSONTooDeep, wantCategory: "API4:2023"},
		{name: "duplicate key", call: call{method: "POST", target: "/api/login", contentType: "application/json",
			body: `{"username":"alice","username":"admin","password":"x"}`},
			wantStatus: 400, wantRule: inspect.CodeDuplicateKey, wantCode: inspect.CodeDuplicateKey},
		{name: "too large to validate", call: call{method: "POST", target: "/api/items", contentType: "application/json",
			body: `{"name":"x","description":"` + strings.Repeat("y", 5000) + `"}`},
			wantStatus: 413, wantRule: "body_too_large", wantCode: "body_too_large", wantCategory: "API4:2023"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := gw.do(t, tt.call)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", res.status, tt.wantStatus, res.raw)
			}
			if tt.wantStatus == http.StatusOK {
				if tt.call.method != "HEAD" && (res.echo == nil || res.echo.Body != tt.call.body) {
					t.Errorf("upstream got %+v, want the body unchanged", res.echo)
				}
				if len(res.outcome.Denials) != 0 {
					t.Errorf("denials = %+v", res.outcome.Denials)
				}
				return
			}
			d := res.denial()
			if d == nil {
				t.Fatal("no denial recorded")
			}
			if d.Guard != "schema" || d.Rule != tt.wantRule {
				t.Errorf("denial %s/%s, want schema/%s", d.Guard, d.Rule, tt.wantRule)
			}
			if tt.wantCode != "" && res.problem["type"] != "urn:rampart:problem:"+tt.wantCode {
				t.Errorf("problem type = %v, want code %s", res.problem["type"], tt.wantCode)
			}
			if tt.wantDetail != "" && res.detail() != tt.wantDetail {
				t.Errorf("detail = %q, want %q", res.detail(), tt.wantDetail)
			}
			if tt.wantLocation != "" && d.Evidence["location"] != tt.wantLocation {
				t.Errorf("evidence location = %q, want %q", d.Evidence["location"], tt.wantLocation)
			}
			if d.Category != tt.wantCategory {
				t.Errorf("category = %q, want %q", d.Category, tt.wantCategory)
			}
			if got := res.header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			ev := res.event("denial")
			if ev == nil || ev.Rule != tt.wantRule || ev.Monitor {
				t.Fatalf("denial event = %+v, want an enforced %s", ev, tt.wantRule)
			}
			if tt.wantRule == RuleUndocumented && ev.Message != "undocumented endpoint" {
				t.Errorf("event message = %q", ev.Message)
			}
			if tt.wantRule == RuleMassAssignment && (ev.Evidence["cwe"] != "CWE-915" || ev.Severity != pipeline.SeverityHigh) {
				t.Errorf("mass assignment event = %+v, want CWE-915, high", ev)
			}
		})
	}
}

// TestProblemNeverLeaksSchema: no refusal quotes the schema (patterns,
// enum members), the value sent or an internal error.
func TestProblemNeverLeaksSchema(t *testing.T) {
	gw := newGateway(t, Config{Spec: loadSpec(t, shopSpecPath)}, pipeline.Enforce, nil)
	const secret = "Tr0ub4dor-3"
	tenant := http.Header{"X-Tenant": {testTenantID}}
	calls := []call{
		{target: "/orders?cursor=" + secret + "%3B", header: tenant},
		{target: "/orders?status=" + secret, header: tenant},
		{target: "/orders?fields=id," + secret, header: tenant},
		{target: "/orders", header: http.Header{"X-Tenant": {secret}}},
		{method: "POST", target: "/orders", contentType: "application/json", body: `{"items":[{"sku":"` + secret + `","qty":1}],"shipping":{"name":"a","line1":"b","city":"c","country":"GB"}}`},
		{method: "POST", target: "/orders", contentType: "application/json", body: `{"items":[{"sku":"ABC-1234","qty":1}],"shipping":{"name":"a","line1":"b","city":"c","country":"GB"},"coupon":"` + secret + `"}`},
		{method: "POST", target: "/feedback", contentType: "application/x-www-form-urlencoded", body: "rating=1&topics=" + secret},
		{method: "POST", target: "/orders", contentType: "application/json", body: `{"items":` + secret + `}`},
	}
	leaks := []string{secret, "^[", "{1,64}", "{4,12}", "A-Z", "pending", "shipped", "delivery", "quality", "total_cents",
		"jsonschema", "kind", "keyword", "schemas/", "yaml", "invalid character"}
	for _, c := range calls {
		res := gw.do(t, c)
		if res.status != http.StatusBadRequest {
			t.Fatalf("%s %s: status %d (%s)", c.method, c.target, res.status, res.raw)
		}
		for _, leak := range leaks {
			if strings.Contains(res.raw, leak) {
				t.Errorf("%s %s: problem %s contains %q", c.method, c.target, res.raw, leak)
			}
		}
	}
}
