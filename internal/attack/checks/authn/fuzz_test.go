package authn

import (
	"testing"
)

// FuzzParseJWT: any token, no panic; a parsed token re-encodes and the
// crackers and claim readers take it.
func FuzzParseJWT(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMH0.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjFlMzAwfQ.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := parseJWT(raw)
		if err != nil {
			return
		}
		_, _ = tok.numericClaim("exp")
		_ = tok.stringClaim("sub")
		_ = encodeSegment(tok.withClaims(map[string]any{"x": 1}))
		_ = adminClaims(tok)
		_, _ = crackHMAC(tok, []string{"secret", "secret123"})
	})
}

// FuzzKeys: any key set or PEM, no panic, bounded keys.
func FuzzKeys(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"k"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		if keys, err := keysFromJWKS(doc); err == nil && len(keys) > maxJWKSKeys {
			t.Fatalf("%d keys", len(keys))
		}
		_, _ = keysFromPEM(doc)
	})
}
