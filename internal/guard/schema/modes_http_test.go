package schema

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// TestOperationModes: per operation, enforce refuses, monitor reports and
// lets through, off does not look; the stage's own monitor mode lets
// everything through as flagged.
func TestOperationModes(t *testing.T) {
	spec := loadSpec(t, sampleSpecPath)
	badItem := call{method: "POST", target: "/api/items", contentType: "application/json", body: `{"name":7}`}
	badMe := call{method: "PATCH", target: "/api/users/me", contentType: "application/json", body: `{"role":"admin"}`}
	badStream := call{target: "/api/stream?n=x"}
	tests := []struct {
		name        string
		cfg         Config
		stage       pipeline.Mode
		call        call
		wantStatus  int
		wantVerdict pipeline.Verdict
		wantEvent   bool // a denial Event
		wantMonitor bool // ... marked monitor
	}{
		{name: "enforced by default", cfg: Config{Spec: spec}, call: badItem, wantStatus: 400,
			wantVerdict: pipeline.VerdictDenied, wantEvent: true},
		{name: "operation in monitor by id", cfg: Config{Spec: spec, Operations: map[string]Mode{"createItem": Monitor}}, call: badItem,
			wantStatus: 200, wantVerdict: pipeline.VerdictFlagged, wantEvent: true, wantMonitor: true},
		{name: "other operations still enforced", cfg: Config{Spec: spec, Operations: map[string]Mode{"createItem": Monitor}}, call: badMe,
			wantStatus: 400, wantVerdict: pipeline.VerdictDenied, wantEvent: true},
		{name: "operation in monitor by method and path", cfg: Config{Spec: spec, Operations: map[string]Mode{"PATCH /api/users/me": Monitor}},
			call: badMe, wantStatus: 200, wantVerdict: pipeline.VerdictFlagged, wantEvent: true, wantMonitor: true},
		{name: "operation off", cfg: Config{Spec: spec, Operations: map[string]Mode{"stream": Off}}, call: badStream,
			wantStatus: 200, wantVerdict: pipeline.VerdictAllowed},
		{name: "default monitor, one enforced", cfg: Config{Spec: spec, Mode: Monitor, Operations: map[string]Mode{"stream": Enforce}},
			call: badStream, wantStatus: 400, wantVerdict: pipeline.VerdictDenied, wantEvent: true},
		{name: "default monitor", cfg: Config{Spec: spec, Mode: Monitor}, call: badItem,
			wantStatus: 200, wantVerdict: pipeline.VerdictFlagged, wantEvent: true, wantMonitor: true},
		{name: "stage in monitor", cfg: Config{Spec: spec}, stage: pipeline.Monitor, call: badItem,
			wantStatus: 200, wantVerdict: pipeline.VerdictFlagged, wantEvent: true, wantMonitor: true},
		{name: "undocumented in monitor", cfg: Config{Spec: spec, Undocumented: Monitor}, call: call{target: "/api/debug"},
			wantStatus: 200, wantVerdict: pipeline.VerdictFlagged, wantEvent: true, wantMonitor: true},
		{name: "undocumented off", cfg: Config{Spec: spec, Undocumented: Off}, call: call{target: "/api/debug"},
			wantStatus: 200, wantVerdict: pipeline.VerdictAllowed},
		{name: "405 in monitor", cfg: Config{Spec: spec, Undocumented: Monitor}, call: call{method: "PUT", target: "/api/orders"},
			wantStatus: 200, wantVerdict: pipeline.VerdictFlagged, wantEvent: true, wantMonitor: true},
		{name: "hardening applies to an operation off", cfg: Config{Spec: spec, Operations: map[string]Mode{"createItem": Off}},
			call:       call{method: "POST", target: "/api/items", contentType: "application/json", body: `{"a":1,"a":2}`},
			wantStatus: 400, wantVerdict: pipeline.VerdictDenied, wantEvent: true},
		{name: "hardening applies to undocumented endpoints let through", cfg: Config{Spec: spec, Undocumented: Off},
			call:       call{method: "POST", target: "/api/debug", contentType: "application/json", body: `{"a":`},
			wantStatus: 400, wantVerdict: pipeline.VerdictDenied, wantEvent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := newGateway(t, tt.cfg, tt.stage, nil)
			res := gw.do(t, tt.call)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", res.status, tt.wantStatus, res.raw)
			}
			if res.outcome.Verdict != tt.wantVerdict {
				t.Errorf("verdict = %s, want %s", res.outcome.Verdict, tt.wantVerdict)
			}
			ev := res.event("denial")
			if (ev != nil) != tt.wantEvent {
				t.Fatalf("denial event = %+v, want one: %v", ev, tt.wantEvent)
			}
			if ev != nil && (ev.Monitor != tt.wantMonitor || ev.Guard != "schema") {
				t.Errorf("event guard %q monitor %v, want schema, %v", ev.Guard, ev.Monitor, tt.wantMonitor)
			}
		})
	}
}

// TestHardeningWithoutSpec: with no document the guard still refuses
// JSON bodies that cannot be inspected safely, and lets the rest through.
func TestHardeningWithoutSpec(t *testing.T) {
	gw := newGateway(t, Config{JSONLimits: inspect.Limits{MaxDepth: 3, MaxStringLen: 16}, MaxBodyBytes: 1 << 10}, pipeline.Enforce, nil)
	tests := []struct {
		name       string
		call       call
		wantStatus int
		wantRule   string
		wantDetail string
	}{
		{name: "valid JSON", call: call{method: "POST", target: "/anything", contentType: "application/json", body: `{"a":{"b":1}}`}, wantStatus: 200},
		{name: "+json", call: call{method: "POST", target: "/x", contentType: "application/merge-patch+json", body: `{"a":{"b":{"c":{}}}}`},
			wantStatus: 400, wantRule: inspect.CodeJSONTooDeep, wantDetail: "The JSON body is nested too deeply."},
		{name: "long string", call: call{method: "PUT", target: "/x", contentType: "application/json; charset=utf-8", body: `["` + strings.Repeat("x", 17) + `"]`},
			wantStatus: 400, wantRule: inspect.CodeJSONStringTooLong},
		{name: "malformed", call: call{method: "POST", target: "/x", contentType: "application/json", body: `{"a":1,}`},
			wantStatus: 400, wantRule: inspect.CodeMalformedJSON},
		{name: "invalid UTF-8", call: call{method: "POST", target: "/x", contentType: "application/json", body: "[\"\xff\"]"},
			wantStatus: 400, wantRule: inspect.CodeInvalidUTF8},
		{name: "too large", call: call{method: "POST", target: "/x", contentType: "application/json", body: `["` + strings.Repeat("x", 2000) + `"]`},
			wantStatus: 413, wantRule: "body_too_large"},
		{name: "not JSON is not read", call: call{method: "POST", target: "/x", contentType: "text/plain", body: `{"a":{"b":{"c":{}}}}`}, wantStatus: 200},
		{name: "no body", call: call{target: "/x?y=1"}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := gw.do(t, tt.call)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", res.status, tt.wantStatus, res.raw)
			}
			if tt.wantStatus == http.StatusOK {
				if res.echo == nil || res.echo.Body != tt.call.body {
					t.Errorf("upstream got %+v, want the body unchanged", res.echo)
				}
				return
			}
			if d := res.denial(); d == nil || d.Rule != tt.wantRule {
				t.Fatalf("denial = %+v, want rule %s", d, tt.wantRule)
			}
			if tt.wantDetail != "" && res.detail() != tt.wantDetail {
				t.Errorf("detail = %q, want %q", res.detail(), tt.wantDetail)
			}
		})
	}
}

// TestPlanFor: the scan plan reaches later guards only for requests
// validated and admitted in enforce mode.
func TestPlanFor(t *testing.T) {
	spec := loadSpec(t, sampleSpecPath)
	tests := []struct {
		name     string
		cfg      Config
		stage    pipeline.Mode
		call     call
		wantPlan bool
	}{
		{name: "enforced and valid", cfg: Config{Spec: spec}, call: call{target: "/api/stream?n=3"}, wantPlan: true},
		{name: "operation in monitor", cfg: Config{Spec: spec, Operations: map[string]Mode{"stream": Monitor}}, call: call{target: "/api/stream?n=3"}},
		{name: "operation off", cfg: Config{Spec: spec, Operations: map[string]Mode{"stream": Off}}, call: call{target: "/api/stream?n=3"}},
		{name: "invalid under a monitoring stage", cfg: Config{Spec: spec}, stage: pipeline.Monitor, call: call{target: "/api/stream?n=x"}},
		{name: "undocumented let through", cfg: Config{Spec: spec, Undocumented: Off}, call: call{target: "/api/debug"}},
		{name: "no spec", cfg: Config{}, call: call{target: "/api/stream?n=3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := newGateway(t, tt.cfg, tt.stage, nil)
			if res := gw.do(t, tt.call); res.status != http.StatusOK {
				t.Fatalf("status %d (%s)", res.status, res.raw)
			}
			plan := gw.probe.plan()
			if (plan != nil) != tt.wantPlan {
				t.Fatalf("plan = %v, want one: %v", plan, tt.wantPlan)
			}
			if plan != nil && (!plan.Skip(inspect.Query, "n") || !plan.Skip(inspect.Path, "1")) {
				t.Error("plan does not skip the validated integer and the path literal")
			}
		})
	}
}

// TestPathPrefix: a prefix is stripped before matching; requests outside
// it are undocumented; the plan counts the prefix's segments.
func TestPathPrefix(t *testing.T) {
	gw := newGateway(t, Config{Spec: loadSpec(t, shopSpecPath), PathPrefix: "/shop/v1/"}, pipeline.Enforce, nil)
	tenant := http.Header{"X-Tenant": {testTenantID}}
	tests := []struct {
		target     string
		wantStatus int
	}{
		{target: "/shop/v1/orders?limit=3", wantStatus: 200},
		{target: "/shop/v1/orders?limit=x", wantStatus: 400},
		{target: "/orders?limit=3", wantStatus: 404},
		{target: "/shop/v1x/orders", wantStatus: 404},
		{target: "/shop/v1", wantStatus: 404},
	}
	for _, tt := range tests {
		if res := gw.do(t, call{target: tt.target, header: tenant}); res.status != tt.wantStatus {
			t.Errorf("%s: status %d, want %d", tt.target, res.status, tt.wantStatus)
		}
	}
	if res := gw.do(t, call{target: "/shop/v1/orders/" + testTenantID}); res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	plan := gw.probe.plan()
	for seg, want := range map[string]bool{"1": true, "2": true, "3": true, "4": true, "5": false} {
		if got := plan.Skip(inspect.Path, seg); got != want {
			t.Errorf("Skip(path, %s) = %v, want %v", seg, got, want)
		}
	}
}

// TestNewErrors: configurations that cannot work are refused at New.
func TestNewErrors(t *testing.T) {
	spec := loadSpec(t, sampleSpecPath)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "unknown operation", cfg: Config{Spec: spec, Operations: map[string]Mode{"creatItem": Monitor}}, want: `"creatItem" names no operation`},
		{name: "unknown path", cfg: Config{Spec: spec, Operations: map[string]Mode{"GET /api/nope": Off}}, want: "names no operation"},
		{name: "operations without spec", cfg: Config{Operations: map[string]Mode{"x": Off}}, want: "no spec"},
		{name: "negative body size", cfg: Config{MaxBodyBytes: -1}, want: "negative"},
		{name: "negative response size", cfg: Config{MaxResponseBytes: -1}, want: "negative"},
		{name: "relative prefix", cfg: Config{PathPrefix: "api"}, want: "must be a path"},
		{name: "prefix with a query", cfg: Config{PathPrefix: "/api?x"}, want: "must be a path"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestParseMode covers the names the configuration uses.
func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"": ModeDefault, "enforce": Enforce, "monitor": Monitor, "off": Off} {
		got, err := ParseMode(s)
		if err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", s, got, err)
		}
		if s != "" && got.String() != s {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if _, err := ParseMode("block"); err == nil {
		t.Error("ParseMode(block): no error")
	}
}
