package authn

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// checkFuzzResult: a guard answers a Denial with 401 (or 413), or admits;
// anything else (a panic, a 500-type error) fails.
func checkFuzzResult(t *testing.T, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	d := asDenial(err)
	if d == nil || (d.Status != http.StatusUnauthorized && d.Status != http.StatusRequestEntityTooLarge) {
		t.Fatalf("not a 401 denial: %v", err)
	}
	if d.PublicMessage != deniedMessage && d.Status == http.StatusUnauthorized {
		t.Fatalf("non-uniform message %q", d.PublicMessage)
	}
	return false
}

// FuzzJWTHeader fuzzes the JOSE header of a token whose claims are valid
// and whose signature is a real ES256 signature over the fuzzed header:
// whatever the header says, only alg ES256 with the configured kid (or no
// kid) may verify: the algorithm is pinned, never chosen by the token.
func FuzzJWTHeader(f *testing.F) {
	clock := newClock()
	k := sharedKeys()
	a := mustNew(f, Config{JWT: JWTConfig{Issuers: []Issuer{{Issuer: testIssuer, Audiences: []string{testAudience},
		Algorithms: []string{"ES256"}, Keys: []StaticKey{{ID: "ec1", Key: k.ec}}}}}}, Options{Now: clock.Now})
	g := mustGuard(f, a, Policy{Methods: []Method{MethodJWT}})
	claims, _ := json.Marshal(baseClaims(clock))
	for _, h := range []string{
		`{"alg":"ES256","kid":"ec1","typ":"JWT"}`, `{"alg":"none"}`, `{"alg":"HS256","kid":"ec1"}`,
		`{"alg":"ES256","kid":"ec1","crit":["b64"]}`, `{"alg":"ES256","jku":"https://evil/jwks"}`,
		`{"alg":"ES256","kid":["ec1"]}`, `{"alg":"ES256","kid":"ec1","alg":"none"}`, `{}`, `[]`, `{"alg":"EdDSA"}`,
		`{"alg":"ES256","Alg":""}`, `{"ALG":"ES256"}`,
	} {
		f.Add([]byte(h))
	}
	f.Fuzz(func(t *testing.T, header []byte) {
		in := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
		sum := sha256.Sum256([]byte(in))
		r, s, err := ecdsa.Sign(rand.Reader, k.ec, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Authorization", "Bearer "+in+"."+base64.RawURLEncoding.EncodeToString(sig))
		_, err = g.Check(req)
		if checkFuzzResult(t, err) {
			// Header member names are case-sensitive (RFC 7515 §4): a
			// struct tag would also match "Alg" (encoding/json folds
			// case), so the alg is read from a map.
			var h map[string]any
			if json.Unmarshal(header, &h) != nil || h["alg"] != "ES256" {
				t.Fatalf("admitted a token with header %q", header)
			}
		}
	})
}

// FuzzBearerToken fuzzes the whole token string.
func FuzzBearerToken(f *testing.F) {
	clock := newClock()
	k := sharedKeys()
	a := mustNew(f, Config{JWT: JWTConfig{Issuers: []Issuer{{Issuer: testIssuer, Audiences: []string{testAudience},
		Algorithms: []string{"ES256", "EdDSA"}, Keys: []StaticKey{{ID: "ec1", Key: k.ec}, {ID: "ed1", Key: k.ed}}}}}}, Options{Now: clock.Now})
	g := mustGuard(f, a, Policy{Methods: []Method{MethodJWT}})
	f.Add(mint(f, jwt.SigningMethodES256, k.ec, "ec1", baseClaims(clock)))
	f.Add(mint(f, jwt.SigningMethodEdDSA, k.ed, "ed1", baseClaims(clock)))
	f.Add("e30.e30.")
	f.Add("a.b.c.d")
	f.Add("....")
	f.Fuzz(func(t *testing.T, token string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header["Authorization"] = []string{"Bearer " + token}
		_, err := g.Check(req)
		checkFuzzResult(t, err)
	})
}

// FuzzSignatureHeaders fuzzes Signature-Input and Signature through the
// verifier: nothing may be admitted without the partner's key.
func FuzzSignatureHeaders(f *testing.F) {
	clock := newClock()
	k := sharedKeys()
	a := mustNew(f, Config{Signatures: SignatureConfig{Keys: []SignatureKey{{ID: "p", Public: k.ed.Public()}}}},
		Options{Now: clock.Now, Nonces: newMemoryStore(f, clock)})
	g := mustGuard(f, a, Policy{Methods: []Method{MethodSignature}})
	created := big.NewInt(clock.Now().Unix()).String()
	f.Add(`sig1=("@method" "@target-uri");created=`+created+`;nonce="n";keyid="p"`, `sig1=:AAAA:`, "")
	f.Add(`sig1=("@method" "@path" "@query" "content-digest");created=`+created+`;keyid="p";nonce="x"`, `sig1=:AA==:`, "sha-256=:AA==:")
	f.Add(`a=("@method");created=1, b=("@path")`, `a=:AA==:, b=:AA==:`, "")
	f.Add(`sig1=("@method" "@method")`, `sig1=:AA==:`, "")
	f.Fuzz(func(t *testing.T, input, sig, digest string) {
		req := httptest.NewRequest(http.MethodPost, "https://api.example/orders?x=1", nil)
		req.Header["Signature-Input"] = []string{input}
		req.Header["Signature"] = []string{sig}
		if digest != "" {
			req.Header["Content-Digest"] = []string{digest}
		}
		_, err := g.Check(req)
		if checkFuzzResult(t, err) {
			t.Fatalf("admitted a forged signature: %q / %q", input, sig)
		}
	})
}

// FuzzAPIKey fuzzes the API key header.
func FuzzAPIKey(f *testing.F) {
	key, hash, err := GenerateKey("k1")
	if err != nil {
		f.Fatal(err)
	}
	a := mustNew(f, Config{APIKeys: APIKeyConfig{Keys: []APIKey{{ID: "k1", Hashes: []string{hash}}}}}, Options{})
	g := mustGuard(f, a, Policy{Methods: []Method{MethodAPIKey}})
	f.Add(key)
	f.Add("rk_k1_")
	f.Add("rk__")
	f.Add("ApiKey")
	f.Fuzz(func(t *testing.T, v string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header["X-Api-Key"] = []string{v}
		_, err := g.Check(req)
		if checkFuzzResult(t, err) && v != key {
			t.Fatalf("admitted %q", v)
		}
	})
}
