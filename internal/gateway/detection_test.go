package gateway

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/sampleapi"
)

// sampleDetectionGateway puts a gateway with the sample API's spec (schema
// guard) and the injection guard in front of a vulnerable sample API.
func sampleDetectionGateway(t *testing.T, schemaMode string) (direct string, g *testGateway) {
	t.Helper()
	api, err := sampleapi.Start(t.Context(), sampleapi.Config{}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sample.yaml"), sampleapi.Spec(), 0o600); err != nil {
		t.Fatal(err)
	}
	g = startGatewayYAML(t, dir, gwConfig{rest: `
apis:
  - name: sample
    path_prefix: /api
    upstreams: ["` + api.URL() + `"]
    schema:
      spec_file: sample.yaml
      mode: ` + schemaMode + `
      undocumented: ` + map[string]string{"enforce": "deny", "off": "allow"}[schemaMode] + `
      response_validation: monitor
`}.yaml(dir))
	return api.URL(), g
}

// login returns a bearer token for a seeded sample API user.
func sampleLogin(t *testing.T, base, user, password string) string {
	t.Helper()
	r, err := send(http.DefaultClient, http.MethodPost, base+"/api/login", "", `{"username":"`+user+`","password":"`+password+`"}`,
		http.Header{"Content-Type": {"application/json"}})
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("login %s: %v %+v", user, err, r)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(r.body), &tok); err != nil || tok.Token == "" {
		t.Fatalf("login %s: %s", user, r.body)
	}
	return tok.Token
}

// The sample API's SQL injection, path traversal, reflected XSS, SSRF and
// mass assignment work directly and are refused through the gateway: with
// the spec enforced, the schema guard refuses them first (its patterns and
// readOnly properties leave no room for a payload); with the schema off,
// the injection guard alone refuses the injections.
func TestSampleAPIAttacksBlockedBySchemaAndInjection(t *testing.T) {
	type verdict struct {
		status int
		code   string
	}
	injected := verdict{403, "injection_detected"}
	cases := []struct {
		name, method, path, body string
		worked                   func(status int, body string) bool
		enforced, schemaOff      verdict
	}{
		{"sql injection", "GET", "/api/search?q=%27%20OR%20%271%27%3D%271", "",
			func(s int, b string) bool { return s == 200 && strings.Contains(b, "tax return") }, injected, injected},
		{"path traversal", "GET", "/api/files?name=..%2Fprivate%2Fsecret.txt", "",
			func(s int, b string) bool { return s == 200 && strings.Contains(b, sampleapi.SecretFileMarker) },
			verdict{400, "invalid_parameter"}, injected},
		{"reflected xss", "GET", "/api/preview?text=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "",
			func(s int, b string) bool { return s == 200 && strings.Contains(b, "<script>alert(1)") },
			verdict{400, "invalid_parameter"}, injected},
		{"ssrf to loopback", "POST", "/api/webhooks/test", `{"url":"DIRECT/api/healthz"}`,
			// The sample API posted to its own loopback address and relays
			// what it got: proof it reached an internal service.
			func(s int, b string) bool { return s == 200 && strings.Contains(b, "body_preview") },
			verdict{400, "invalid_body"}, injected},
		{"mass assignment", "PATCH", "/api/users/me", `{"name":"Bob","role":"admin"}`,
			func(s int, b string) bool { return s == 200 && strings.Contains(b, `"role":"admin"`) },
			verdict{400, "mass_assignment"}, verdict{}},
		{"undocumented endpoint", "GET", "/api/debug/vars", "",
			func(s int, b string) bool { return s == 200 }, verdict{404, "not_found"}, verdict{}},
	}
	for _, mode := range []string{"enforce", "off"} {
		direct, g := sampleDetectionGateway(t, mode)
		for _, tt := range cases {
			want := tt.enforced
			if mode == "off" {
				want = tt.schemaOff
			}
			if want.status == 0 {
				continue // what only the schema stops
			}
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				checkAttack(t, direct, g, tt.method, tt.path, strings.ReplaceAll(tt.body, "DIRECT", direct), tt.worked, want.status, want.code)
			})
		}
	}
}

// checkAttack sends one attack as bob through the gateway (refused with
// status and code) and directly (it must work).
func checkAttack(t *testing.T, direct string, g *testGateway, method, path, body string,
	worked func(int, string) bool, wantStatus int, wantCode string) {
	t.Helper()
	// Fresh tokens per case: a successful mass assignment changes
	// bob's role, and the direct and gateway calls must both start
	// from a plain user.
	h := http.Header{"Authorization": {"Bearer " + sampleLogin(t, direct, "bob", "bob-password-2")}}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	through, err := send(g.client, method, g.url(path), "", body, h)
	if err != nil {
		t.Fatal(err)
	}
	wantReplyProblem(t, through, wantStatus, wantCode)
	d, err := send(http.DefaultClient, method, direct+path, "", body, h)
	if err != nil {
		t.Fatal(err)
	}
	if !worked(d.status, d.body) {
		t.Fatalf("directly the attack should work: %d %s", d.status, d.body)
	}
}

// Legitimate calls of the documented operations pass both guards.
func TestSampleAPILegitimateTrafficPasses(t *testing.T) {
	direct, g := sampleDetectionGateway(t, "enforce")
	h := http.Header{"Authorization": {"Bearer " + sampleLogin(t, direct, "alice", "alice-password-1")},
		"Content-Type": {"application/json"}}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/items", ""},
		{"GET", "/api/items/1", ""},
		{"POST", "/api/items", `{"name":"O'Brien's notes","description":"Select the best or worst; see https://example.com/a?b=c"}`},
		{"GET", "/api/search?q=tax", ""},
		{"GET", "/api/files?name=welcome.txt", ""},
		{"PATCH", "/api/users/me", `{"name":"Alice A.","email":"alice@example.com"}`},
		{"GET", "/api/orders/1", ""},
	} {
		r, err := send(g.client, c.method, g.url(c.path), "", c.body, h)
		if err != nil {
			t.Fatal(err)
		}
		if r.status >= 400 {
			t.Errorf("%s %s through the gateway = %d %s", c.method, c.path, r.status, r.body)
		}
	}
}

// SIGHUP reloads the OpenAPI document with the configuration: a new
// operation is served after a reload, and a document that no longer loads
// is refused while the running generation keeps serving.
func TestReloadRereadsTheSpec(t *testing.T) {
	up := headerEchoUpstream(t)
	dir := t.TempDir()
	specPath := filepath.Join(dir, "api.yaml")
	writeSpec := func(paths string) {
		doc := "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths:\n" + paths
		if err := os.WriteFile(specPath, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	op := func(p string) string {
		return "  " + p + ":\n    get:\n      responses: {\"200\": {description: ok}}\n"
	}
	writeSpec(op("/a"))
	g := startGatewayYAML(t, dir, gwConfig{rest: `
apis:
  - name: t
    upstreams: ["` + up.URL + `"]
    schema: {spec_file: api.yaml}
`}.yaml(dir))
	status := func(p string) int {
		r, err := send(g.client, http.MethodGet, g.url(p), "", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.status
	}
	if a, b := status("/a"), status("/b"); a != 200 || b != 404 {
		t.Fatalf("before reload: /a %d, /b %d; want 200, 404", a, b)
	}
	writeSpec(op("/a") + op("/b"))
	if err := g.svc.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if b := status("/b"); b != 200 {
		t.Fatalf("after reload: /b %d, want 200", b)
	}
	writeSpec("  /c: [not, an, operation]\n")
	if err := g.svc.Reload(); err == nil {
		t.Fatal("Reload accepted a document that does not load")
	}
	if a, b := status("/a"), status("/b"); a != 200 || b != 200 {
		t.Fatalf("after a refused reload: /a %d, /b %d; want the running generation (200, 200)", a, b)
	}
}
