package authn

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

func jwkJSON(t testing.TB, kid string, key any) map[string]any {
	t.Helper()
	j, err := jwkset.NewJWKFromKey(key, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(j.Marshal())
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// jwksServer is a live identity provider JWKS endpoint that counts hits.
type jwksServer struct {
	srv    *httptest.Server
	hits   atomic.Int64
	mu     sync.Mutex
	body   []byte
	status int
}

func newJWKSServer(t testing.TB, keys ...map[string]any) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.publish(t, keys...)
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		body, status := s.body, s.status
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) publish(t testing.TB, keys ...map[string]any) {
	t.Helper()
	if keys == nil {
		keys = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.body = b
	s.mu.Unlock()
}

func (s *jwksServer) fail(status int) {
	s.mu.Lock()
	s.status = status
	s.mu.Unlock()
}

func jwksIssuer(s *jwksServer, algs ...string) Issuer {
	return Issuer{Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: algs, JWKSURL: s.srv.URL + "/jwks",
		RequireKeysAtStart: true, RefreshInterval: time.Hour, MinRefreshInterval: time.Minute}
}

// checkToken runs the guard directly on a request with token; it returns
// the denial rule, or ok.
func checkToken(t testing.TB, g *Guard, token string) (string, bool) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	_, err := g.Check(r)
	if err == nil {
		return "", true
	}
	if d := asDenial(err); d != nil {
		return d.Rule, false
	}
	return "internal: " + err.Error(), false
}

// TestJWKSRotation rotates the signing key at a live JWKS endpoint: a token
// with the new kid triggers one re-fetch; once the old key is gone from
// the set, tokens signed with it fail.
func TestJWKSRotation(t *testing.T) {
	clock := newClock()
	k := sharedKeys()
	idp := newJWKSServer(t, jwkJSON(t, "k1", &k.rsa.PublicKey))
	var fetches []error
	var mu sync.Mutex
	a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{jwksIssuer(idp, "RS256")}}}, Options{
		Now: clock.Now, HTTPClient: idp.srv.Client(),
		Hooks: Hooks{JWKSFetch: func(_ string, _ int, err error) { mu.Lock(); fetches = append(fetches, err); mu.Unlock() }},
	})
	g := mustGuard(t, a, Policy{Methods: []Method{MethodJWT}})
	first := mint(t, jwt.SigningMethodRS256, k.rsa, "k1", baseClaims(clock))
	if rule, ok := checkToken(t, g, first); !ok {
		t.Fatalf("token with the published key refused: %s", rule)
	}
	if n := idp.hits.Load(); n != 1 {
		t.Fatalf("%d JWKS fetches at start, want 1", n)
	}

	// The IdP rotates: k2 replaces k1.
	idp.publish(t, jwkJSON(t, "k2", &k.rsa2.PublicKey))
	clock.Advance(2 * time.Minute)
	fresh := mint(t, jwt.SigningMethodRS256, k.rsa2, "k2", baseClaims(clock))
	if rule, ok := checkToken(t, g, fresh); !ok {
		t.Fatalf("token with the rotated-in key refused: %s", rule)
	}
	if n := idp.hits.Load(); n != 2 {
		t.Fatalf("%d JWKS fetches after rotation, want 2", n)
	}
	// The token verified before the rotation (and cached) fails too.
	if rule, ok := checkToken(t, g, first); ok || rule != RuleJWTUnknownKID {
		t.Fatalf("cached token of the removed key: ok=%v rule %q, want %s", ok, rule, RuleJWTUnknownKID)
	}
	old := mint(t, jwt.SigningMethodRS256, k.rsa, "k1", baseClaims(clock))
	if rule, ok := checkToken(t, g, old); ok || rule != RuleJWTUnknownKID {
		t.Fatalf("token with the removed key: ok=%v rule %q, want %s", ok, rule, RuleJWTUnknownKID)
	}
	if n := idp.hits.Load(); n != 2 {
		t.Errorf("the removed kid re-fetched within the minimum interval: %d fetches", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(fetches) < 1 || fetches[0] != nil {
		t.Errorf("JWKSFetch hook calls %v", fetches)
	}
}

// TestJWKSUnknownKIDFlood sends 1,000 tokens with made-up kids at once:
// the identity provider sees at most one re-fetch per interval.
func TestJWKSUnknownKIDFlood(t *testing.T) {
	clock := newClock()
	k := sharedKeys()
	idp := newJWKSServer(t, jwkJSON(t, "k1", &k.ec.PublicKey))
	a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{jwksIssuer(idp, "ES256")}}}, Options{Now: clock.Now, HTTPClient: idp.srv.Client()})
	g := mustGuard(t, a, Policy{Methods: []Method{MethodJWT}})

	// The signature is never reached (the kid is unknown), so the tokens
	// need not be signed: that keeps the test fast under -race.
	claims := baseClaims(clock)
	flood := func(n int) {
		var wg sync.WaitGroup
		for i := range n {
			tok := rawToken(t, map[string]any{"alg": "ES256", "kid": fmt.Sprintf("made-up-%d", i)}, claims,
				func(string) []byte { return make([]byte, 64) })
			wg.Go(func() {
				if rule, ok := checkToken(t, g, tok); ok || rule != RuleJWTUnknownKID {
					t.Errorf("made-up kid: ok=%v rule %q", ok, rule)
				}
			})
		}
		wg.Wait()
	}
	flood(200) // within the minimum interval of the start-up fetch: no fetch
	if n := idp.hits.Load(); n != 1 {
		t.Fatalf("%d fetches after a flood within the interval, want 1 (start-up only)", n)
	}
	clock.Advance(61 * time.Second)
	flood(1000)
	if n := idp.hits.Load(); n != 2 {
		t.Fatalf("%d fetches after a flood in a new interval, want 2", n)
	}
	clock.Advance(61 * time.Second)
	flood(200)
	if n := idp.hits.Load(); n != 3 {
		t.Fatalf("%d fetches after a third flood, want 3", n)
	}
}

// TestJWKSUnreachable: last good keys stay in use; an issuer whose keys
// were never fetched refuses its tokens (and New fails when asked to).
func TestJWKSUnreachable(t *testing.T) {
	clock := newClock()
	k := sharedKeys()

	t.Run("keeps last good keys", func(t *testing.T) {
		idp := newJWKSServer(t, jwkJSON(t, "k1", k.ed.Public()))
		var failures atomic.Int64
		a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{jwksIssuer(idp, "EdDSA")}}}, Options{Now: clock.Now, HTTPClient: idp.srv.Client(),
			Hooks: Hooks{JWKSFetch: func(_ string, _ int, err error) {
				if err != nil {
					failures.Add(1)
				}
			}}})
		g := mustGuard(t, a, Policy{Methods: []Method{MethodJWT}})
		idp.fail(http.StatusServiceUnavailable)
		clock.Advance(2 * time.Minute)
		// An unknown kid forces a fetch, which fails.
		if rule, ok := checkToken(t, g, mint(t, jwt.SigningMethodEdDSA, k.ed, "k9", baseClaims(clock))); ok || rule != RuleJWTUnknownKID {
			t.Fatalf("unknown kid: ok=%v rule %q", ok, rule)
		}
		if idp.hits.Load() != 2 {
			t.Fatalf("%d fetches, want 2", idp.hits.Load())
		}
		if rule, ok := checkToken(t, g, mint(t, jwt.SigningMethodEdDSA, k.ed, "k1", baseClaims(clock))); !ok {
			t.Fatalf("token with the last good key refused: %s", rule)
		}
		// A set with no usable key is a failure too: the old set stays.
		idp.fail(http.StatusOK)
		idp.publish(t, map[string]any{"kty": "RSA", "kid": "weak", "use": "enc", "n": "AQAB", "e": "AQAB"})
		clock.Advance(2 * time.Minute)
		checkToken(t, g, mint(t, jwt.SigningMethodEdDSA, k.ed, "k9", baseClaims(clock)))
		if rule, ok := checkToken(t, g, mint(t, jwt.SigningMethodEdDSA, k.ed, "k1", baseClaims(clock))); !ok {
			t.Fatalf("token refused after an unusable JWKS: %s", rule)
		}
		if failures.Load() < 1 {
			t.Error("the failing fetch was not reported to the hook")
		}
	})

	t.Run("never fetched refuses", func(t *testing.T) {
		idp := newJWKSServer(t, jwkJSON(t, "k1", k.ed.Public()))
		idp.fail(http.StatusInternalServerError)
		iss := jwksIssuer(idp, "EdDSA")
		if a, err := New(Config{JWT: JWTConfig{Issuers: []Issuer{iss}}}, Options{Now: clock.Now, HTTPClient: idp.srv.Client()}); err == nil {
			_ = a.Close()
			t.Fatal("New succeeded with RequireKeysAtStart and an unreachable JWKS")
		}
		iss.RequireKeysAtStart = false
		a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{iss}}}, Options{Now: clock.Now, HTTPClient: idp.srv.Client()})
		g := mustGuard(t, a, Policy{Methods: []Method{MethodJWT}})
		tok := mint(t, jwt.SigningMethodEdDSA, k.ed, "k1", baseClaims(clock))
		if rule, ok := checkToken(t, g, tok); ok || rule != RuleJWTKeysUnavailable {
			t.Fatalf("ok=%v rule %q, want %s", ok, rule, RuleJWTKeysUnavailable)
		}
		// The IdP recovers; after the minimum interval a token fetches keys.
		idp.fail(http.StatusOK)
		clock.Advance(2 * time.Minute)
		if rule, ok := checkToken(t, g, tok); !ok {
			t.Fatalf("token refused after the IdP recovered: %s", rule)
		}
	})
}

func TestJWKSSkipsUnusableKeys(t *testing.T) {
	clock := newClock()
	k := sharedKeys()
	weak := loadRSA("testdata/rsa-weak-1024.pem")
	enc := jwkJSON(t, "enc", &k.rsa2.PublicKey)
	enc["use"] = "enc"
	idp := newJWKSServer(t,
		jwkJSON(t, "weak", &weak.PublicKey),
		enc,
		map[string]any{"kty": "oct", "kid": "secret", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"},
		map[string]any{"kty": "EC", "kid": "bad-curve", "crv": "P-192", "x": "AA", "y": "AA"},
		jwkJSON(t, "good", &k.rsa.PublicKey),
	)
	a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{jwksIssuer(idp, "RS256")}}}, Options{Now: clock.Now, HTTPClient: idp.srv.Client()})
	g := mustGuard(t, a, Policy{Methods: []Method{MethodJWT}})
	if rule, ok := checkToken(t, g, mint(t, jwt.SigningMethodRS256, k.rsa, "good", baseClaims(clock))); !ok {
		t.Fatalf("good key refused: %s", rule)
	}
	for kid, key := range map[string]any{"weak": weak, "enc": k.rsa2} {
		if _, ok := checkToken(t, g, mint(t, jwt.SigningMethodRS256, key, kid, baseClaims(clock))); ok {
			t.Errorf("token with unusable key %q accepted", kid)
		}
	}
}

func TestJWKSPlainHTTPOnLoopbackAndWaitBoundedByContext(t *testing.T) {
	clock := newClock()
	k := sharedKeys()
	release := make(chan struct{})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) > 1 {
			<-release // a slow identity provider on the second fetch
		}
		b, _ := json.Marshal(map[string]any{"keys": []any{jwkJSON(t, "k1", &k.ec.PublicKey)}})
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	defer close(release)
	iss := Issuer{Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: []string{"ES256"},
		JWKSURL: srv.URL, RequireKeysAtStart: true}
	a := mustNew(t, Config{JWT: JWTConfig{Issuers: []Issuer{iss}}}, Options{Now: clock.Now})
	g := mustGuard(t, a, Policy{Methods: []Method{MethodJWT}})
	clock.Advance(2 * time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client is gone: the request must not wait for the slow fetch
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+mint(t, jwt.SigningMethodES256, k.ec, "k2", baseClaims(clock)))
	if _, err := g.Check(r); asDenial(err) == nil || asDenial(err).Rule != RuleJWTUnknownKID {
		t.Fatalf("err %v, want %s", err, RuleJWTUnknownKID)
	}
}
