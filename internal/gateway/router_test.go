package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"testing"
)

// routingConfig mounts four APIs that compete for the same paths: a
// host-specific one and an any-host one at /api, a longer any-host prefix
// /api/admin, and /svc with its prefix stripped.
func routingConfig(shop, public, admin, svc string) gwConfig {
	return gwConfig{rest: fmt.Sprintf(`
apis:
  - name: shop
    hosts: ["shop.example"]
    path_prefix: /api
    upstreams: [%q]
  - name: public
    path_prefix: /api
    upstreams: [%q]
    routes:
      - name: login
        path: /api/login
        methods: [POST]
      - name: items
        path: /api/items
      - name: special
        path: /api/items/special
  - name: admin
    path_prefix: /api/admin
    upstreams: [%q]
  - name: svc
    path_prefix: /svc
    strip_prefix: true
    upstreams: [%q]
`, shop, public, admin, svc)}
}

func TestRouting(t *testing.T) {
	g := startGateway(t, routingConfig(
		echoUpstream(t, "shop").URL, echoUpstream(t, "public").URL,
		echoUpstream(t, "admin").URL, echoUpstream(t, "svc").URL))

	const anyHost = "gw.test"
	tests := []struct {
		name   string
		method string
		target string // sent verbatim in the request line
		host   string
		// For routed requests: the Outcome's route and what the upstream saw.
		wantAPI, wantRoute, wantPath string
		// For refused requests: the status and problem code.
		wantStatus int
		wantCode   string
	}{
		{name: "prefix itself", target: "/api", wantAPI: "public", wantRoute: "default", wantPath: "/api"},
		{name: "below prefix", target: "/api/x", wantAPI: "public", wantRoute: "default", wantPath: "/api/x"},
		{name: "prefix is matched on a segment boundary", target: "/apix", wantStatus: 404, wantCode: "not_found"},
		{name: "longer prefix wins", target: "/api/admin/users", wantAPI: "admin", wantRoute: "default", wantPath: "/api/admin/users"},
		{name: "longer prefix itself", target: "/api/admin", wantAPI: "admin", wantRoute: "default", wantPath: "/api/admin"},
		{name: "longer prefix on a segment boundary", target: "/api/administrator", wantAPI: "public", wantRoute: "default", wantPath: "/api/administrator"},
		{name: "host-specific API", target: "/api/x", host: "shop.example", wantAPI: "shop", wantRoute: "default", wantPath: "/api/x"},
		{name: "host match ignores port and case", target: "/api/x", host: "SHOP.Example:8080", wantAPI: "shop", wantRoute: "default", wantPath: "/api/x"},
		{name: "host-specific API beats a longer any-host prefix", target: "/api/admin/users", host: "shop.example", wantAPI: "shop", wantRoute: "default", wantPath: "/api/admin/users"},
		{name: "host-specific API falls through outside its prefix", target: "/svc/x", host: "shop.example", wantAPI: "svc", wantRoute: "default", wantPath: "/x"},
		{name: "other host does not reach host-specific API", target: "/api/x", host: "evil.example", wantAPI: "public", wantRoute: "default", wantPath: "/api/x"},
		{name: "route with listed method", method: "POST", target: "/api/login", wantAPI: "public", wantRoute: "login", wantPath: "/api/login"},
		{name: "route prefix covers sub-paths", method: "POST", target: "/api/login/reset", wantAPI: "public", wantRoute: "login", wantPath: "/api/login/reset"},
		{name: "route with unlisted method falls back to default", method: "GET", target: "/api/login", wantAPI: "public", wantRoute: "default", wantPath: "/api/login"},
		{name: "route without methods", target: "/api/items/42", wantAPI: "public", wantRoute: "items", wantPath: "/api/items/42"},
		{name: "route without methods, any method", method: "DELETE", target: "/api/items/42", wantAPI: "public", wantRoute: "items", wantPath: "/api/items/42"},
		{name: "longest route wins", target: "/api/items/special/1", wantAPI: "public", wantRoute: "special", wantPath: "/api/items/special/1"},
		{name: "route on a segment boundary", target: "/api/itemsx", wantAPI: "public", wantRoute: "default", wantPath: "/api/itemsx"},
		{name: "query string does not affect routing", target: "/api/items?id=42&sort=name", wantAPI: "public", wantRoute: "items", wantPath: "/api/items"},
		{name: "prefix stripped", target: "/svc/a/b", wantAPI: "svc", wantRoute: "default", wantPath: "/a/b"},
		{name: "prefix stripped to root", target: "/svc", wantAPI: "svc", wantRoute: "default", wantPath: "/"},
		{name: "strip on a segment boundary", target: "/svcx", wantStatus: 404, wantCode: "not_found"},
		{name: "unknown path", target: "/nothing/here", wantStatus: 404, wantCode: "not_found"},
		{name: "root", target: "/", wantStatus: 404, wantCode: "not_found"},
		// Encoded characters are routed by what they decode to, the
		// reading that applies the stricter (longer) mount.
		{name: "encoded slash routes by decoded path", target: "/api%2Fadmin/x", wantAPI: "admin", wantRoute: "default"},
		{name: "dot-dot segment", target: "/api/../admin", wantStatus: 400, wantCode: "invalid_path"},
		{name: "dot-dot escaping the root", target: "/../api/x", wantStatus: 400, wantCode: "invalid_path"},
		{name: "trailing dot-dot", target: "/api/items/..", wantStatus: 400, wantCode: "invalid_path"},
		{name: "dot segment", target: "/api/./x", wantStatus: 400, wantCode: "invalid_path"},
		{name: "trailing dot", target: "/api/.", wantStatus: 400, wantCode: "invalid_path"},
		{name: "leading double slash", target: "//api/x", wantStatus: 400, wantCode: "invalid_path"},
		{name: "inner double slash", target: "/api//x", wantStatus: 400, wantCode: "invalid_path"},
		{name: "encoded dot-dot", target: "/api/%2e%2e/admin", wantStatus: 400, wantCode: "invalid_path"},
		{name: "mixed-case encoded dot-dot", target: "/api/%2E%2e/admin", wantStatus: 400, wantCode: "invalid_path"},
		{name: "half-encoded dot-dot", target: "/api/.%2e/admin", wantStatus: 400, wantCode: "invalid_path"},
		{name: "encoded dot", target: "/api/%2e/x", wantStatus: 400, wantCode: "invalid_path"},
		{name: "encoded double slash", target: "/api/%2F/x", wantStatus: 400, wantCode: "invalid_path"},
		{name: "encoded NUL", target: "/api/x%00.json", wantStatus: 400, wantCode: "invalid_path"},
		// Servlet containers drop ";params" before resolving dot segments:
		// "/api/..;/admin" is "/admin" to Tomcat (the CVE-2020-1957 family).
		{name: "dot-dot with path parameter", target: "/api/..;/admin", wantStatus: 400, wantCode: "invalid_path"},
		{name: "encoded dot-dot with path parameter", target: "/api/%2e%2e;x=1/admin", wantStatus: 400, wantCode: "invalid_path"},
		{name: "dot with path parameter", target: "/api/.;/x", wantStatus: 400, wantCode: "invalid_path"},
		// IIS and some frameworks treat a backslash as a separator.
		{name: "backslash dot-dot", target: "/api/..%5Cadmin", wantStatus: 400, wantCode: "invalid_path"},
		{name: "backslash dot-dot after a backslash", target: "/api%5C..%5Cadmin", wantStatus: 400, wantCode: "invalid_path"},
		{name: "backslash inside a segment is not a dot segment", target: "/api/a%5Cb", wantAPI: "public", wantRoute: "default"},
		{name: "path parameter on a normal segment", target: "/api/x;v=1", wantAPI: "public", wantRoute: "default", wantPath: "/api/x;v=1"},
	}

	// Expected request counts per metric series, checked after the table.
	type seriesKey struct{ api, route, status string }
	wantCounts := map[seriesKey]int{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			host := tt.host
			if host == "" {
				host = anyHost
			}
			resp, body := rawRequest(t, g.svc.HTTPAddr(), method, tt.target, host, nil)
			entry := g.accessEntry(t, resp.Header.Get("X-Request-Id"))
			if tt.wantStatus != 0 {
				p := wantProblem(t, resp, body, tt.wantStatus, tt.wantCode)
				if p.RequestID != resp.Header.Get("X-Request-Id") {
					t.Errorf("problem request_id %q != X-Request-Id %q", p.RequestID, resp.Header.Get("X-Request-Id"))
				}
				if api, ok := entry["rampart.route.api"]; ok {
					t.Errorf("refused request logged with route api %v", api)
				}
				wantCounts[seriesKey{"", "", strconv.Itoa(tt.wantStatus)}]++
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %q", resp.StatusCode, body)
			}
			var e echo
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("upstream body %q: %v", body, err)
			}
			if e.Upstream != tt.wantAPI {
				t.Errorf("served by upstream %q, want %q", e.Upstream, tt.wantAPI)
			}
			if tt.wantPath != "" && e.Path != tt.wantPath {
				t.Errorf("upstream saw path %q, want %q", e.Path, tt.wantPath)
			}
			if e.Method != method {
				t.Errorf("upstream saw method %q, want %q", e.Method, method)
			}
			if got := entry["rampart.route.api"]; got != tt.wantAPI {
				t.Errorf("access log rampart.route.api = %v, want %q", got, tt.wantAPI)
			}
			if got := entry["rampart.route.name"]; got != tt.wantRoute {
				t.Errorf("access log rampart.route.name = %v, want %q", got, tt.wantRoute)
			}
			if got := entry["http.response.status_code"]; got != float64(200) {
				t.Errorf("access log status = %v, want 200", got)
			}
			wantCounts[seriesKey{tt.wantAPI, tt.wantRoute, "200"}]++
		})
	}

	t.Run("metrics by route", func(t *testing.T) {
		for k, n := range wantCounts {
			labels := map[string]string{"api": k.api, "route": k.route, "status": k.status}
			g.waitMetric(t, "rampart_requests_total", labels, float64(n))
		}
	})
}

// TestRouterSortRoutes checks the specificity order directly on build's
// router: host-specific APIs first, then longer prefixes; routes by length.
func TestRouterSortRoutes(t *testing.T) {
	rt := &router{apis: []*apiRoutes{
		{name: "root", prefix: "/"},
		{name: "api", prefix: "/api"},
		{name: "host-root", prefix: "/", hosts: map[string]bool{"a.example": true}},
		{name: "deep", prefix: "/api/v1/admin", routes: []*routeEntry{
			{name: "short", path: "/api/v1/admin/x"},
			{name: "long", path: "/api/v1/admin/x/y/z"},
			{name: "mid", path: "/api/v1/admin/x/y"},
		}},
		{name: "host-api", prefix: "/api", hosts: map[string]bool{"a.example": true}},
	}}
	rt.sortRoutes()
	var apis []string
	for _, a := range rt.apis {
		apis = append(apis, a.name)
	}
	if got, want := strings.Join(apis, ","), "host-api,host-root,deep,api,root"; got != want {
		t.Errorf("API order = %s, want %s", got, want)
	}
	var routes []string
	for _, r := range rt.apis[2].routes {
		routes = append(routes, r.name)
	}
	if got, want := strings.Join(routes, ","), "long,mid,short"; got != want {
		t.Errorf("route order = %s, want %s", got, want)
	}
}

func TestHasPathPrefix(t *testing.T) {
	tests := []struct {
		path, prefix string
		want         bool
	}{
		{"/api", "/api", true},
		{"/api/", "/api", true},
		{"/api/x", "/api", true},
		{"/apix", "/api", false},
		{"/ap", "/api", false},
		{"/anything", "/", true},
		{"/api/x", "/api/", true},
		{"/api", "/api/", false},
	}
	for _, tt := range tests {
		if got := hasPathPrefix(tt.path, tt.prefix); got != tt.want {
			t.Errorf("hasPathPrefix(%q, %q) = %v, want %v", tt.path, tt.prefix, got, tt.want)
		}
	}
}

func TestHostOnly(t *testing.T) {
	tests := map[string]string{
		"Example.COM":       "example.com",
		"example.com:8443":  "example.com",
		"example.com.":      "example.com",
		"[2001:db8::1]:443": "2001:db8::1",
		"":                  "",
	}
	for in, want := range tests {
		if got := hostOnly(in); got != want {
			t.Errorf("hostOnly(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCanonicalPath checks the property routing relies on: a path accepted
// as canonical means the same to every normaliser (path.Clean leaves it
// alone) and carries no NUL, so the gateway and the upstream cannot read it
// differently (CWE-22, CWE-436).
func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"/", "/api", "/api/", "/api/../x", "/api/./x", "//x", "/a//b", "/a/..", "/a/.",
		"/...", "/a/.b/..c", "/a\x00b", "", "a/b", "/%2e%2e", "/a/b/", "/a/..;/b", "/a/.;x", "/a\\..\\b", "/a;b/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !canonicalPath(p) {
			return
		}
		if strings.IndexByte(p, 0) >= 0 {
			t.Fatalf("canonical path %q contains NUL", p)
		}
		for seg := range strings.FieldsFuncSeq(p, func(r rune) bool { return r == '/' || r == '\\' }) {
			if name, _, _ := strings.Cut(seg, ";"); name == "." || name == ".." {
				t.Fatalf("canonical path %q has the dot segment %q (servlet or backslash reading)", p, seg)
			}
		}
		cleaned := path.Clean(p)
		if strings.HasSuffix(p, "/") && cleaned != "/" {
			cleaned += "/"
		}
		if cleaned != p {
			t.Fatalf("canonical path %q cleans to %q", p, cleaned)
		}
	})
}

// FuzzHasPathPrefix checks that a prefix only ever matches on a segment
// boundary, so one API cannot capture another's paths.
func FuzzHasPathPrefix(f *testing.F) {
	f.Add("/api/x", "/api")
	f.Add("/apix", "/api")
	f.Add("/api", "/api/")
	f.Fuzz(func(t *testing.T, p, prefix string) {
		if prefix == "" || prefix[0] != '/' || !hasPathPrefix(p, prefix) {
			return
		}
		if prefix == "/" || p == prefix {
			return
		}
		if !strings.HasPrefix(p, prefix) {
			t.Fatalf("%q matched prefix %q without starting with it", p, prefix)
		}
		if !strings.HasSuffix(prefix, "/") && p[len(prefix)] != '/' {
			t.Fatalf("%q matched prefix %q inside a segment", p, prefix)
		}
	})
}

func TestStripSegmentParams(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/api/login;x=1", "/api/login"},
		{"/api;jsessionid=1/login", "/api/login"},
		{"/a;b/c;d/e", "/a/c/e"},
		{"/plain", "/plain"},
		{"/;x", "/"},
	}
	for _, tt := range tests {
		if got := stripSegmentParams(tt.in); got != tt.want {
			t.Errorf("stripSegmentParams(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRoutingMethod(t *testing.T) {
	tests := []struct {
		method, override, want string
	}{
		{"GET", "", "GET"},
		{"delete", "", "DELETE"},
		{"POST", "DELETE", "DELETE"},
		{"POST", "patch", "PATCH"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/x", nil)
		if tt.override != "" {
			r.Header.Set("X-HTTP-Method-Override", tt.override)
		}
		if got := routingMethod(r); got != tt.want {
			t.Errorf("routingMethod(%s, override %q) = %s, want %s", tt.method, tt.override, got, tt.want)
		}
	}
}
