package gateway

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/redistest"
)

// TestRevocationSharedAcrossReplicas: two gateways on one Redis; a token
// id revoked through gateway A's admin API is refused by gateway B at once
// (revocations are read from the shared store on every request).
func TestRevocationSharedAcrossReplicas(t *testing.T) {
	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t, addr)
	secret := []byte("0123456789abcdef0123456789abcdef-demo-key")
	keyFile := filepath.Join(t.TempDir(), "hs256.b64")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(secret)), 0o600); err != nil {
		t.Fatal(err)
	}
	up := textUpstream(t, "ok")
	cfg := gwConfig{rest: fmt.Sprintf(`
store:
  backend: redis
  redis: {addr: %q, prefix: %q}
authentication:
  jwt:
    issuers:
      - {issuer: idp, audiences: [api], algorithms: [HS256], key_files: [{path: %q}]}
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    auth: {methods: [jwt]}
`, addr, prefix, keyFile, up.URL)}
	a := withAdminToken(t, cfg)
	b := withAdminToken(t, cfg)

	mint := func(jti string) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": "idp", "aud": "api", "sub": "alice", "jti": jti,
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		}).SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	get := func(g *testGateway, tok string) reply {
		t.Helper()
		h := http.Header{}
		h.Set("Authorization", "Bearer "+tok)
		r, err := send(g.client, http.MethodGet, g.url("/api/x"), "", "", h)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	stolen, other := mint("token-1"), mint("token-2")
	for _, g := range []*testGateway{a, b} {
		if r := get(g, stolen); r.status != http.StatusOK {
			t.Fatalf("valid token refused: %d %s", r.status, r.body)
		}
	}
	r := a.admin(t, http.MethodPost, "/admin/revocations", testAdminToken, `{"key":"jti:token-1","reason":"stolen","duration":"2h"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	wantReplyProblem(t, get(b, stolen), http.StatusUnauthorized, "unauthenticated")
	wantReplyProblem(t, get(a, stolen), http.StatusUnauthorized, "unauthenticated")
	if r := get(b, other); r.status != http.StatusOK {
		t.Errorf("another token of the same user refused on B: %d", r.status)
	}
	if r := b.admin(t, http.MethodGet, "/admin/revocations", testAdminToken, ""); r.status != http.StatusOK || !strings.Contains(r.body, `"key":"jti:token-1"`) {
		t.Errorf("B lists revocations: %d %s", r.status, r.body)
	}
	if r := b.admin(t, http.MethodDelete, "/admin/revocations/jti:token-1", testAdminToken, ""); r.status != http.StatusNoContent {
		t.Errorf("unrevoke on B: %d %s", r.status, r.body)
	}
	if r := get(a, stolen); r.status != http.StatusOK {
		t.Errorf("unrevoked token still refused on A: %d", r.status)
	}
}
