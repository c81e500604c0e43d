package authn

import (
	"crypto/tls"
	"net/http"
	"slices"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/sign"
)

// policyFixture: one Authenticator with every method configured.
type policyFixture struct {
	clock  *pipelinetest.Clock
	a      *Authenticator
	apiKey string
	ca     *testCA
	sigKey sign.Key
}

func newPolicyFixture(t *testing.T) *policyFixture {
	t.Helper()
	clock := newClock()
	k := sharedKeys()
	key, hash := mustGenerate(t, "partner-a")
	ca := newCA(t, "partners", clock.Now())
	f := &policyFixture{clock: clock, apiKey: key, ca: ca,
		sigKey: sign.Key{ID: "partner-a-key", Algorithm: sign.Ed25519, Private: k.ed}}
	f.a = mustNew(t, Config{
		Realm:   "orders",
		APIKeys: APIKeyConfig{Keys: []APIKey{{ID: "partner-a", Hashes: []string{hash}, Subject: "partner-a"}}},
		JWT: JWTConfig{Issuers: []Issuer{{Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: []string{"ES256"},
			Keys: []StaticKey{{ID: "ec1", Key: &k.ec.PublicKey}}}}},
		MTLS:       MTLSConfig{ClientCAFiles: []string{ca.writePEM(t, t.TempDir())}},
		Signatures: SignatureConfig{Keys: []SignatureKey{{ID: "partner-a-key", Public: k.ed.Public(), Subject: "partner-a"}}},
	}, Options{Now: clock.Now, Nonces: newMemoryStore(t, clock)})
	return f
}

func (f *policyFixture) token(t *testing.T, sub string) string {
	return mint(t, jwt.SigningMethodES256, sharedKeys().ec, "ec1", with(baseClaims(f.clock), "sub", sub))
}

func TestPolicyAnyOf(t *testing.T) {
	f := newPolicyFixture(t)
	gw := newGateway(t, mustGuard(t, f.a, Policy{Methods: []Method{MethodAPIKey, MethodJWT}}), nil)
	req := func(apiKey, bearer string) *http.Request {
		r := gw.request(t, http.MethodGet, "/", "")
		if apiKey != "" {
			r.Header.Set("X-API-Key", apiKey)
		}
		if bearer != "" {
			r.Header.Set("Authorization", "Bearer "+bearer)
		}
		return r
	}
	if id := wantAllowed(t, gw.do(t, nil, req(f.apiKey, "")), "partner-a"); id.Method != "api_key" {
		t.Errorf("method %q", id.Method)
	}
	if id := wantAllowed(t, gw.do(t, nil, req("", f.token(t, "alice"))), "alice"); id.Method != "jwt" {
		t.Errorf("method %q", id.Method)
	}
	// A bad credential next to a good one is refused, not skipped.
	wantDenied(t, gw.do(t, nil, req(f.apiKey, "garbage.token.here")), RuleJWTMalformed)
	wantDenied(t, gw.do(t, nil, req("rk_partner-a_wrong", f.token(t, "alice"))), RuleAPIKeyInvalid)
	res := gw.do(t, nil, req("", ""))
	wantDenied(t, res, RuleMissing)
	if got := res.header.Values("Www-Authenticate"); !slices.Equal(got, []string{`ApiKey realm="orders"`, `Bearer realm="orders"`}) {
		t.Errorf("WWW-Authenticate %q", got)
	}
	r := req(f.apiKey, "")
	r.Header.Add("Authorization", "Bearer x")
	r.Header.Add("Authorization", "Bearer y")
	wantDenied(t, gw.do(t, nil, r), RuleAmbiguous)
}

// TestPolicyAllOf: a partner route requiring mTLS and a signature from the
// same subject.
func TestPolicyAllOf(t *testing.T) {
	f := newPolicyFixture(t)
	gw := newGateway(t, mustGuard(t, f.a, Policy{Require: []Method{MethodMTLS, MethodSignature}, SameSubject: true}),
		&tls.Config{ClientAuth: tls.RequestClientCert})
	certA := f.ca.issue(t, leafOpts{cn: "partner-a"}, f.clock.Now())
	certB := f.ca.issue(t, leafOpts{cn: "partner-b"}, f.clock.Now())
	signed := func() *http.Request {
		r := gw.request(t, http.MethodGet, "/", "")
		if err := sign.SignRequest(r, f.sigKey, sign.Options{Now: f.clock.Now}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	id := wantAllowed(t, gw.do(t, mtlsClient(gw, &certA), signed()), "partner-a")
	if id.Method != "mtls+signature" {
		t.Errorf("method %q, want mtls+signature", id.Method)
	}
	wantDenied(t, gw.do(t, mtlsClient(gw, &certB), signed()), RuleSubjectMismatch)
	wantDenied(t, gw.do(t, mtlsClient(gw, &certA), gw.request(t, http.MethodGet, "/", "")), RuleMissing)
	wantDenied(t, gw.do(t, mtlsClient(gw, nil), signed()), RuleMissing)
	res := gw.do(t, mtlsClient(gw, nil), signed())
	if got := res.header.Values("Www-Authenticate"); !slices.Equal(got, []string{`ClientCertificate realm="orders"`, `Signature realm="orders"`}) {
		t.Errorf("WWW-Authenticate %q", got)
	}
}

func TestPolicyErrors(t *testing.T) {
	f := newPolicyFixture(t)
	empty := mustNew(t, Config{}, Options{})
	for _, tt := range []struct {
		name string
		a    *Authenticator
		p    Policy
	}{
		{"no method", f.a, Policy{}},
		{"unknown method", f.a, Policy{Methods: []Method{"basic"}}},
		{"duplicate method", f.a, Policy{Methods: []Method{MethodJWT}, Require: []Method{MethodJWT}}},
		{"unknown issuer", f.a, Policy{Methods: []Method{MethodJWT}, Issuers: []string{"https://nobody/"}}},
		{"issuers without jwt", f.a, Policy{Methods: []Method{MethodAPIKey}, Issuers: []string{testIssuer}}},
		{"api keys not configured", empty, Policy{Methods: []Method{MethodAPIKey}}},
		{"jwt not configured", empty, Policy{Methods: []Method{MethodJWT}}},
		{"signatures not configured", empty, Policy{Methods: []Method{MethodSignature}}},
		{"route CA file missing", f.a, Policy{Methods: []Method{MethodMTLS}, ClientCAFiles: []string{"/nonexistent.pem"}}},
	} {
		if _, err := tt.a.Guard(tt.p); err == nil {
			t.Errorf("%s: Guard succeeded", tt.name)
		}
	}
	for _, s := range []string{"api_key", "jwt", "mtls", "signature"} {
		if m, err := ParseMethod(s); err != nil || string(m) != s {
			t.Errorf("ParseMethod(%q) = %q, %v", s, m, err)
		}
	}
	if _, err := ParseMethod("basic"); err == nil {
		t.Error("ParseMethod accepted basic")
	}
	if _, err := New(Config{Realm: `a"b`}, Options{}); err == nil {
		t.Error("a realm with a quote was accepted")
	}
}
