package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/guard/authn"
)

// TestAPIKeyAuthThroughGateway: a route with auth api_key admits a valid
// key, refuses a missing or wrong one with the uniform 401, passes the
// identity upstream in X-Rampart-Subject (never the client's own copy), and
// a subject ban from the admin API refuses the key's owner.
func TestAPIKeyAuthThroughGateway(t *testing.T) {
	key, hash, err := authn.GenerateKey("svc")
	if err != nil {
		t.Fatal(err)
	}
	up := headerEchoUpstream(t)
	g := withAdminToken(t, gwConfig{rest: fmt.Sprintf(`
authentication:
  api_keys:
    keys:
      - {id: svc, hashes: [%q], subject: billing, scopes: [read]}
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    auth: {methods: [api_key]}
    routes:
      - {name: public, path: /api/public, auth: {methods: [none]}}
`, hash, up.URL)})

	do := func(path string, h http.Header) reply {
		t.Helper()
		r, err := send(g.client, http.MethodGet, g.url(path), "", "", h)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	withKey := func(k string) http.Header {
		h := http.Header{}
		h.Set("X-API-Key", k)
		h.Set("X-Rampart-Subject", "admin") // spoof attempt
		return h
	}

	if r := do("/api/public", nil); r.status != http.StatusOK {
		t.Errorf("public route: %d", r.status)
	}
	for name, h := range map[string]http.Header{
		"no key":    nil,
		"wrong key": withKey(key[:len(key)-2] + "xx"),
		"garbage":   withKey("not-a-key"),
	} {
		r := do("/api/orders", h)
		wantReplyProblem(t, r, http.StatusUnauthorized, "unauthenticated")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", name)
		}
	}
	r := do("/api/orders", withKey(key))
	if r.status != http.StatusOK {
		t.Fatalf("valid key: %d %s", r.status, r.body)
	}
	if !strings.Contains(r.body, `"X-Rampart-Subject":["billing"]`) || strings.Contains(r.body, `"admin"`) {
		t.Errorf("upstream saw identity headers:\n%s", r.body)
	}

	g.ban(t, "sub:billing", "1h")
	wantReplyProblem(t, do("/api/orders", withKey(key)), http.StatusForbidden, "banned")
}
