package authn

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
)

const (
	testIssuer   = "https://idp.example.test/"
	testAudience = "orders-api"
)

func mint(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("minting %s token: %v", method.Alg(), err)
	}
	return s
}

func baseClaims(clock *pipelinetest.Clock) jwt.MapClaims {
	now := clock.Now()
	return jwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": "alice",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	}
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// rawToken assembles a token from a header and claims with a given
// signature, for tokens no library would sign.
func rawToken(t testing.TB, header map[string]any, claims jwt.MapClaims, sig func(signingInput string) []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(header) + "." + enc(claims)
	return in + "." + base64.RawURLEncoding.EncodeToString(sig(in))
}

func pemPublic(t testing.TB, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// TestJWTMatrix runs the attack and validity matrix against static keys:
// one issuer per key type, all pinned.
func TestJWTMatrix(t *testing.T) {
	clock := newClock()
	k := sharedKeys()
	dir := t.TempDir()
	rsaPEM := pemPublic(t, &k.rsa.PublicKey)
	rsaFile := filepath.Join(dir, "rsa.pem")
	if err := os.WriteFile(rsaFile, rsaPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{{
		Issuer:     testIssuer,
		Audiences:  []string{testAudience, "other-api"},
		Algorithms: []string{"RS256", "PS256", "ES256", "EdDSA"},
		KeyFiles:   []KeyFile{{Path: rsaFile, ID: "rsa1"}},
		Keys: []StaticKey{
			{ID: "ec1", Key: &k.ec.PublicKey},
			{ID: "ed1", Key: k.ed.Public()},
		},
		RolesClaim:  "realm_access.roles",
		TenantClaim: "org",
	}}}}, Options{Now: clock.Now})
	gw := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodJWT}}), nil)
	send := func(token string) result {
		req := gw.request(t, http.MethodGet, "/orders", "")
		req.Header.Set("Authorization", "Bearer "+token)
		return gw.do(t, nil, req)
	}
	c := baseClaims(clock)

	t.Run("valid", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			method jwt.SigningMethod
			key    any
			kid    string
		}{
			{"RS256", jwt.SigningMethodRS256, k.rsa, "rsa1"},
			{"PS256", jwt.SigningMethodPS256, k.rsa, "rsa1"},
			{"ES256", jwt.SigningMethodES256, k.ec, "ec1"},
			{"EdDSA", jwt.SigningMethodEdDSA, k.ed, "ed1"},
			{"RS256 without kid", jwt.SigningMethodRS256, k.rsa, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				id := wantAllowed(t, send(mint(t, tt.method, tt.key, tt.kid, c)), "alice")
				if id.Method != "jwt" || id.KeyID != tt.kid {
					t.Errorf("identity %+v", id)
				}
			})
		}
	})

	t.Run("claims to identity", func(t *testing.T) {
		claims := with(c, "scope", "orders:read orders:write", "org", "acme",
			"realm_access", map[string]any{"roles": []any{"admin", 7, "ops"}})
		id := wantAllowed(t, send(mint(t, jwt.SigningMethodES256, k.ec, "ec1", claims)), "alice")
		if !slices.Equal(id.Scopes, []string{"orders:read", "orders:write"}) || !slices.Equal(id.Roles, []string{"admin", "ops"}) ||
			id.Tenant != "acme" || id.Claims["org"] != "acme" {
			t.Errorf("identity %+v", id)
		}
		id = wantAllowed(t, send(mint(t, jwt.SigningMethodES256, k.ec, "ec1", with(c, "scp", []any{"a", "b"}))), "alice")
		if !slices.Equal(id.Scopes, []string{"a", "b"}) {
			t.Errorf("scp scopes %v", id.Scopes)
		}
	})

	hs256 := func(secret []byte) func(string) []byte {
		return func(in string) []byte {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(in))
			return m.Sum(nil)
		}
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	valid := mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", c)
	parts := strings.Split(valid, ".")

	tests := []struct {
		name  string
		token string
		rule  string
	}{
		{"alg none", rawToken(t, map[string]any{"alg": "none", "kid": "rsa1"}, c, func(string) []byte { return nil }), RuleJWTAlgNone},
		{"alg none via library", mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", c), RuleJWTAlgNone},
		// CVE-2015-9235 style: HS256 with the RSA public key as the HMAC secret.
		{"alg confusion, PEM as secret", rawToken(t, map[string]any{"alg": "HS256", "kid": "rsa1"}, c, hs256(rsaPEM)), RuleJWTAlgNotAllowed},
		{"alg confusion, DER as secret", rawToken(t, map[string]any{"alg": "HS256", "kid": "rsa1"}, c, hs256(der)), RuleJWTAlgNotAllowed},
		{"stripped signature", parts[0] + "." + parts[1] + ".", RuleJWTSignature},
		{"signature of another token", parts[0] + "." + parts[1] + "." + strings.Split(mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "sub", "bob")), ".")[2], RuleJWTSignature},
		{"signed by another key", mint(t, jwt.SigningMethodRS256, k.rsa2, "rsa1", c), RuleJWTSignature},
		{"wrong kid", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa-unknown", c), RuleJWTUnknownKID},
		{"kid of a key of another type", mint(t, jwt.SigningMethodES256, k.ec, "rsa1", c), RuleJWTKeyMismatch},
		{"alg not pinned", mint(t, jwt.SigningMethodRS512, k.rsa, "rsa1", c), RuleJWTAlgNotAllowed},
		{"unknown alg", rawToken(t, map[string]any{"alg": "XS999"}, c, func(string) []byte { return []byte("x") }), RuleJWTAlgNotAllowed},
		{"expired", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "exp", clock.Now().Add(-time.Minute).Unix())), RuleJWTExpired},
		{"expired within leeway is fine, beyond is not", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "exp", clock.Now().Add(-31*time.Second).Unix())), RuleJWTExpired},
		{"no exp", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "exp", nil)), RuleJWTClaimMissing},
		{"future nbf", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "nbf", clock.Now().Add(time.Hour).Unix())), RuleJWTNotYetValid},
		{"future iat", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "iat", clock.Now().Add(time.Hour).Unix())), RuleJWTIssuedInFuture},
		{"wrong audience", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "aud", "billing-api")), RuleJWTAudience},
		{"no audience", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "aud", nil)), RuleJWTClaimMissing},
		{"wrong issuer", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "iss", "https://evil.example/")), RuleJWTUnknownIssuer},
		{"no issuer", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "iss", nil)), RuleJWTUnknownIssuer},
		{"no subject", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "sub", nil)), RuleJWTClaimMissing},
		{"exp of the wrong type", mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "exp", "tomorrow")), RuleJWTMalformed},
		{"crit header", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
			tok.Header["kid"], tok.Header["crit"] = "rsa1", []string{"exp"}
			s, _ := tok.SignedString(k.rsa)
			return s
		}(), RuleJWTMalformed},
		{"kid not a string", rawToken(t, map[string]any{"alg": "RS256", "kid": 7}, c, func(string) []byte { return []byte("x") }), RuleJWTMalformed},
		{"two segments", parts[0] + "." + parts[1], RuleJWTMalformed},
		{"garbage", "not-a-token", RuleJWTMalformed},
		{"oversized", strings.Repeat("a", DefaultMaxTokenBytes+1), RuleJWTMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDenied(t, send(tt.token), tt.rule)
		})
	}
	t.Run("within leeway", func(t *testing.T) {
		wantAllowed(t, send(mint(t, jwt.SigningMethodRS256, k.rsa, "rsa1", with(c, "exp", clock.Now().Add(-20*time.Second).Unix()))), "alice")
	})
}

func TestJWTHMACIssuer(t *testing.T) {
	clock := newClock()
	secret := []byte("0123456789abcdef0123456789abcdef")
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "hs.key")
	if err := os.WriteFile(secretFile, []byte(base64.StdEncoding.EncodeToString(secret)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{{
		Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: []string{"HS256"},
		KeyFiles: []KeyFile{{Path: secretFile, ID: "hs1"}},
		MaxAge:   time.Hour, RequiredClaims: []string{"jti"},
	}}}}, Options{Now: clock.Now})
	gw := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodJWT}}), nil)
	send := func(token string) result {
		req := gw.request(t, http.MethodGet, "/", "")
		req.Header.Set("Authorization", "Bearer "+token)
		return gw.do(t, nil, req)
	}
	c := with(baseClaims(clock), "jti", "t-1")
	wantAllowed(t, send(mint(t, jwt.SigningMethodHS256, secret, "hs1", c)), "alice")
	wantDenied(t, send(mint(t, jwt.SigningMethodHS256, []byte("another secret of thirty-two bytes!"), "hs1", c)), RuleJWTSignature)
	wantDenied(t, send(mint(t, jwt.SigningMethodHS256, secret, "hs1", with(c, "jti", nil))), RuleJWTClaimMissing)
	wantDenied(t, send(mint(t, jwt.SigningMethodHS256, secret, "hs1", with(c, "iat", nil))), RuleJWTClaimMissing)
	wantDenied(t, send(mint(t, jwt.SigningMethodHS256, secret, "hs1", with(c, "iat", clock.Now().Add(-2*time.Hour).Unix()))), RuleJWTTooOld)
	wantDenied(t, send(mint(t, jwt.SigningMethodHS512, secret, "hs1", c)), RuleJWTAlgNotAllowed)
}

func TestJWTPerRouteIssuers(t *testing.T) {
	clock := newClock()
	k := sharedKeys()
	a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{
		{Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: []string{"ES256"}, Keys: []StaticKey{{ID: "ec1", Key: k.ec}}},
		{Issuer: "https://partner.example/", AnyAudience: true, Algorithms: []string{"EdDSA"}, Keys: []StaticKey{{ID: "ed1", Key: k.ed}}},
	}}}, Options{Now: clock.Now})
	onlyPartner := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodJWT}, Issuers: []string{"https://partner.example/"}}), nil)
	anyIssuer := mustGuard(t, a, Policy{Methods: []Method{MethodJWT}})
	ours := mint(t, jwt.SigningMethodES256, k.ec, "ec1", baseClaims(clock))
	if rule, ok := checkToken(t, anyIssuer, ours); !ok { // verified and cached on another route
		t.Fatalf("refused on the route accepting every issuer: %s", rule)
	}
	send := func(token string) result {
		req := onlyPartner.request(t, http.MethodGet, "/", "")
		req.Header.Set("Authorization", "Bearer "+token)
		return onlyPartner.do(t, nil, req)
	}
	wantAllowed(t, send(mint(t, jwt.SigningMethodEdDSA, k.ed, "ed1", with(baseClaims(clock), "iss", "https://partner.example/", "aud", "anything"))), "alice")
	wantDenied(t, send(ours), RuleJWTUnknownIssuer)
}

// TestJWTCacheRevalidates: a cached token is re-validated on every use.
func TestJWTCacheRevalidates(t *testing.T) {
	clock := newClock()
	k := sharedKeys()
	a := mustNew(t, Config{JWT: JWTConfig{CacheSize: 2, Issuers: []Issuer{{Issuer: testIssuer, Audiences: []string{testAudience},
		Algorithms: []string{"EdDSA"}, Keys: []StaticKey{{ID: "ed1", Key: k.ed}}, MaxAge: 30 * time.Minute}}}}, Options{Now: clock.Now})
	g := mustGuard(t, a, Policy{Methods: []Method{MethodJWT}})
	tok := mint(t, jwt.SigningMethodEdDSA, k.ed, "ed1", baseClaims(clock))
	for range 3 {
		if rule, ok := checkToken(t, g, tok); !ok {
			t.Fatalf("refused: %s", rule)
		}
	}
	// Other tokens push it around the (tiny) cache without harm.
	for i := range 5 {
		if rule, ok := checkToken(t, g, mint(t, jwt.SigningMethodEdDSA, k.ed, "ed1", with(baseClaims(clock), "n", i))); !ok {
			t.Fatalf("refused: %s", rule)
		}
	}
	if n := len(a.jwt.cache.entries); n > 2 {
		t.Errorf("cache holds %d entries, bound 2", n)
	}
	clock.Advance(11 * time.Minute)
	if rule, ok := checkToken(t, g, tok); ok || rule != RuleJWTExpired {
		t.Fatalf("expired cached token: ok=%v rule %q", ok, rule)
	}
	long := mint(t, jwt.SigningMethodEdDSA, k.ed, "ed1", with(baseClaims(clock), "exp", clock.Now().Add(time.Hour).Unix()))
	checkToken(t, g, long)
	clock.Advance(31 * time.Minute)
	if rule, ok := checkToken(t, g, long); ok || rule != RuleJWTTooOld {
		t.Fatalf("cached token past max age: ok=%v rule %q", ok, rule)
	}
}

func TestJWTConfigErrors(t *testing.T) {
	k := sharedKeys()
	ok := Issuer{Issuer: testIssuer, Audiences: []string{"a"}, Algorithms: []string{"RS256"}, Keys: []StaticKey{{ID: "r", Key: &k.rsa.PublicKey}}}
	mod := func(f func(*Issuer)) Issuer { i := ok; f(&i); return i }
	for _, tt := range []struct {
		name    string
		issuers []Issuer
	}{
		{"no iss", []Issuer{mod(func(i *Issuer) { i.Issuer = "" })}},
		{"no algorithms", []Issuer{mod(func(i *Issuer) { i.Algorithms = nil })}},
		{"alg none", []Issuer{mod(func(i *Issuer) { i.Algorithms = []string{"none"} })}},
		{"HMAC mixed with RSA", []Issuer{mod(func(i *Issuer) { i.Algorithms = []string{"RS256", "HS256"} })}},
		{"HMAC from JWKS", []Issuer{mod(func(i *Issuer) {
			i.Algorithms, i.Keys, i.JWKSURL = []string{"HS256"}, nil, "https://idp.example/jwks"
		})}},
		{"no audience", []Issuer{mod(func(i *Issuer) { i.Audiences = nil })}},
		{"no keys", []Issuer{mod(func(i *Issuer) { i.Keys = nil })}},
		{"key fits no alg", []Issuer{mod(func(i *Issuer) { i.Keys = []StaticKey{{ID: "e", Key: &k.ec.PublicKey}} })}},
		{"short hmac secret", []Issuer{mod(func(i *Issuer) {
			i.Algorithms, i.Keys = []string{"HS256"}, []StaticKey{{ID: "h", Key: []byte("short")}}
		})}},
		{"plain http jwks", []Issuer{mod(func(i *Issuer) { i.JWKSURL = "http://idp.example/jwks" })}},
		{"relative jwks", []Issuer{mod(func(i *Issuer) { i.JWKSURL = "/jwks" })}},
		{"duplicate issuer", []Issuer{ok, ok}},
		{"missing key file", []Issuer{mod(func(i *Issuer) { i.KeyFiles = []KeyFile{{Path: "/nonexistent/key.pem"}} })}},
	} {
		if a, err := New(Config{JWT: JWTConfig{Issuers: tt.issuers}}, Options{}); err == nil {
			_ = a.Close()
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
}

func TestJWTKeyFileFormats(t *testing.T) {
	clock := newClock()
	k := sharedKeys()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jwk := func(kid string, key any) map[string]any {
		m := jwkJSON(t, kid, key)
		return m
	}
	single, _ := json.Marshal(jwk("ed-file", k.ed.Public()))
	set, _ := json.Marshal(map[string]any{"keys": []any{jwk("ec-file", &k.ec.PublicKey)}})
	certFile := write("cert.pem", selfSignedCertPEM(t, k.rsa))
	a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{{
		Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: []string{"RS256", "ES256", "EdDSA"},
		KeyFiles: []KeyFile{
			{Path: write("single.json", single)},
			{Path: write("set.json", set)},
			{Path: certFile, ID: "rsa-cert", Algorithm: "RS256"},
		},
	}}}}, Options{Now: clock.Now})
	gw := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodJWT}}), nil)
	for _, tok := range []string{
		mint(t, jwt.SigningMethodEdDSA, k.ed, "ed-file", baseClaims(clock)),
		mint(t, jwt.SigningMethodES256, k.ec, "ec-file", baseClaims(clock)),
		mint(t, jwt.SigningMethodRS256, k.rsa, "rsa-cert", baseClaims(clock)),
	} {
		req := gw.request(t, http.MethodGet, "/", "")
		req.Header.Set("Authorization", "Bearer "+tok)
		wantAllowed(t, gw.do(t, nil, req), "alice")
	}
	// The certificate's key is pinned to RS256: PS256 with it is refused.
	req := gw.request(t, http.MethodGet, "/", "")
	req.Header.Set("Authorization", "Bearer "+mint(t, jwt.SigningMethodPS256, k.rsa, "rsa-cert", baseClaims(clock)))
	wantDenied(t, gw.do(t, nil, req), RuleJWTAlgNotAllowed)
}
