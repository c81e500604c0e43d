package authn

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// strongKey is a random HMAC key no wordlist holds.
var strongKey = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

// verifier returns the subject of a valid token.
type verifier func(tok string) (string, bool)

func strictHS(key []byte) verifier {
	return func(tok string) (string, bool) {
		var c jwt.RegisteredClaims
		_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return key, nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
		return c.Subject, err == nil
	}
}

// acceptsNone accepts unsigned tokens whatever the case of "none" — the
// CVE-2015-9235 family — and verifies the rest properly.
func acceptsNone(key []byte) verifier {
	strict := strictHS(key)
	return func(tok string) (string, bool) {
		parts := strings.Split(tok, ".")
		if len(parts) == 3 && parts[2] == "" {
			var h struct{ Alg string }
			raw, _ := jwtSegment(parts[0])
			if json.Unmarshal(raw, &h) == nil && strings.EqualFold(h.Alg, "none") {
				return subjectOf(parts[1])
			}
		}
		return strict(tok)
	}
}

// neverVerifies reads the claims and trusts them.
func neverVerifies(tok string) (string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", false
	}
	return subjectOf(parts[1])
}

// ignoresExpiry checks the signature but not exp.
func ignoresExpiry(key []byte) verifier {
	return func(tok string) (string, bool) {
		var c jwt.RegisteredClaims
		_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return key, nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
		return c.Subject, err == nil
	}
}

// confusedRS is the classic algorithm-confusion bug: the key handed to the
// library is "the issuer's key", as PEM bytes for HMAC.
func confusedRS(pub *rsa.PublicKey, pemBytes []byte) verifier {
	return func(tok string) (string, bool) {
		var c jwt.RegisteredClaims
		_, err := jwt.ParseWithClaims(tok, &c, func(t *jwt.Token) (any, error) {
			if _, ok := t.Method.(*jwt.SigningMethodHMAC); ok {
				return pemBytes, nil
			}
			return pub, nil
		})
		return c.Subject, err == nil
	}
}

func strictRS(pub *rsa.PublicKey) verifier {
	return func(tok string) (string, bool) {
		var c jwt.RegisteredClaims
		_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return pub, nil }, jwt.WithValidMethods([]string{"RS256"}))
		return c.Subject, err == nil
	}
}

func jwtSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func subjectOf(payload string) (string, bool) {
	raw, err := jwtSegment(payload)
	if err != nil {
		return "", false
	}
	var c struct{ Sub string }
	if json.Unmarshal(raw, &c) != nil || c.Sub == "" {
		return "", false
	}
	return c.Sub, true
}

// apiServer serves GET /api/me (each user's own profile) behind the
// verifier, plus extra routes.
func apiServer(t *testing.T, v verifier, extra map[string]http.HandlerFunc) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sub, valid := "", false
		if ok {
			sub, valid = v(tok)
		}
		if !valid || (sub != "alice" && sub != "bob") {
			w.Header().Set("WWW-Authenticate", "Bearer")
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"username":%q,"email":"%s@example.com","role":"user"}`, sub, sub)
	})
	for p, h := range extra {
		mux.HandleFunc(p, h)
	}
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func hsToken(t *testing.T, key []byte, sub string, exp time.Time) string {
	t.Helper()
	claims := jwt.MapClaims{"sub": sub, "role": "user", "iat": time.Now().Unix()}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// rsIssuer is an RS256 issuer with its key set.
type rsIssuer struct {
	key  *rsa.PrivateKey
	pem  []byte
	jwks []byte
}

func newRSIssuer(t *testing.T) rsIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	jwk, err := jwkset.NewJWKFromKey(&key.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "k1", ALG: jwkset.AlgRS256, USE: jwkset.UseSig}})
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}})
	return rsIssuer{key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), jwks: set}
}

func (i rsIssuer) token(t *testing.T, sub string) string {
	t.Helper()
	tk := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": sub, "exp": time.Now().Add(time.Hour).Unix()})
	tk.Header["kid"] = "k1"
	s, err := tk.SignedString(i.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
