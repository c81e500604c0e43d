package openapi

import (
	"maps"
	"net/http"
	"slices"
	"testing"
)

// TestFind matches request paths and methods to operations: literals
// before templates, parameters decoded once, 404 and 405 told apart.
func TestFind(t *testing.T) {
	s := mustLoad(t, shopSpec)
	sample := mustLoad(t, sampleSpec)
	tests := []struct {
		name       string
		spec       *Spec
		method     string
		path       string
		wantStatus int
		wantOp     string
		wantParams map[string]string
		wantAllow  []string
	}{
		{name: "literal", spec: s, method: "GET", path: "/orders", wantStatus: 200, wantOp: "listOrders"},
		{name: "template", spec: s, method: "GET", path: "/orders/abc", wantStatus: 200, wantOp: "getOrder",
			wantParams: map[string]string{"orderId": "abc"}},
		{name: "parameter decoded once", spec: s, method: "GET", path: "/orders/a%2Fb%2541", wantStatus: 200,
			wantOp: "getOrder", wantParams: map[string]string{"orderId": "a/b%41"}},
		{name: "literal encoded", spec: s, method: "GET", path: "/%6Frders", wantStatus: 200, wantOp: "listOrders"},
		{name: "suffix around a parameter", spec: s, method: "PUT", path: "/files/report.json", wantStatus: 200,
			wantOp: "putFile", wantParams: map[string]string{"name": "report"}},
		{name: "suffix alone is not a value", spec: s, method: "PUT", path: "/files/.json", wantStatus: 404},
		{name: "literal beats template", spec: sample, method: "GET", path: "/api/users/me", wantStatus: 200, wantOp: "getMe"},
		{name: "HEAD uses GET", spec: s, method: "HEAD", path: "/orders", wantStatus: 200, wantOp: "listOrders"},
		{name: "method not declared", spec: s, method: "PUT", path: "/orders/abc", wantStatus: 405,
			wantAllow: []string{"DELETE", "GET", "HEAD"}},
		{name: "method names are case-sensitive", spec: s, method: "get", path: "/orders", wantStatus: 405,
			wantAllow: []string{"GET", "HEAD", "POST"}},
		{name: "unknown path", spec: s, method: "GET", path: "/admin", wantStatus: 404},
		{name: "trailing slash", spec: s, method: "GET", path: "/orders/", wantStatus: 404},
		{name: "empty segment", spec: s, method: "GET", path: "//orders", wantStatus: 404},
		{name: "empty parameter", spec: s, method: "GET", path: "/orders//", wantStatus: 404},
		{name: "too long", spec: s, method: "GET", path: "/orders/abc/def", wantStatus: 404},
		{name: "bad escape", spec: s, method: "GET", path: "/orders/%zz", wantStatus: 404},
		{name: "relative path", spec: s, method: "GET", path: "orders", wantStatus: 404},
		{name: "root", spec: s, method: "GET", path: "/", wantStatus: 404},
		{name: "empty path is the root", spec: s, method: "GET", path: "", wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, params, status := tt.spec.Find(tt.method, tt.path)
			if status != tt.wantStatus {
				t.Fatalf("status = %d, want %d", status, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK {
				if op != nil {
					t.Errorf("op = %s, want nil", op.Key())
				}
				if got := tt.spec.Allowed(tt.path); !slices.Equal(got, tt.wantAllow) {
					t.Errorf("Allowed = %q, want %q", got, tt.wantAllow)
				}
				return
			}
			if op == nil || op.Name() != tt.wantOp {
				t.Fatalf("op = %v, want %s", op, tt.wantOp)
			}
			if !maps.Equal(params, tt.wantParams) {
				t.Errorf("params = %v, want %v", params, tt.wantParams)
			}
		})
	}
}

// TestRouterRootTemplate: a document may declare "/" itself.
func TestRouterRootTemplate(t *testing.T) {
	var rt router
	for _, p := range []string{"/", "/a/{x}", "/a/b"} {
		item, err := rt.add(p)
		if err != nil {
			t.Fatal(err)
		}
		item.methods["GET"] = &Operation{Path: p}
	}
	for path, want := range map[string]string{"/": "/", "": "/", "/a/b": "/a/b", "/a/c": "/a/{x}", "/a": ""} {
		item, _ := rt.match(path)
		got := ""
		if item != nil {
			got = item.template
		}
		if got != want {
			t.Errorf("match(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestRouterRejectsAmbiguousTemplates: templates the router cannot tell
// apart, or cannot parse, are errors at Load.
func TestRouterRejectsAmbiguousTemplates(t *testing.T) {
	tests := [][]string{
		{"/a/{x}", "/a/{y}"},
		{"/a/{x}{y}"},
		{"/a/{}"},
		{"a/b"},
		{"/a/}x{"},
	}
	for _, templates := range tests {
		var rt router
		var err error
		for _, p := range templates {
			if _, err = rt.add(p); err != nil {
				break
			}
		}
		if err == nil {
			t.Errorf("templates %q: no error", templates)
		}
	}
}
