package authn

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxTokenLen bounds the tokens parsed: a JWT is a header value.
const maxTokenLen = 16 << 10

// jwtToken is a compact JWS split into its parts. headerSeg and payloadSeg
// are kept verbatim, so a forged token can reuse them byte for byte.
type jwtToken struct {
	headerSeg, payloadSeg, sigSeg string
	header                        map[string]any
	claims                        map[string]any
}

var errNotJWT = errors.New("not a compact JWT")

// parseJWT splits and decodes a compact JWS without verifying anything.
func parseJWT(raw string) (*jwtToken, error) {
	if len(raw) > maxTokenLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", errNotJWT, maxTokenLen)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errNotJWT
	}
	t := &jwtToken{headerSeg: parts[0], payloadSeg: parts[1], sigSeg: parts[2]}
	if err := decodeSegment(parts[0], &t.header); err != nil || t.header == nil {
		return nil, fmt.Errorf("%w: header", errNotJWT)
	}
	if err := decodeSegment(parts[1], &t.claims); err != nil || t.claims == nil {
		return nil, fmt.Errorf("%w: claims", errNotJWT)
	}
	return t, nil
}

func decodeSegment(seg string, dst *map[string]any) error {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // exp and iat stay exact when claims are re-encoded
	return dec.Decode(dst)
}

// encodeSegment is base64url(JSON(v)) without padding.
func encodeSegment(v any) string {
	raw, _ := json.Marshal(v) // maps of JSON values always marshal
	return base64.RawURLEncoding.EncodeToString(raw)
}

// alg is the header's algorithm.
func (t *jwtToken) alg() string { s, _ := t.header["alg"].(string); return s }

// signingInput is what the signature covers.
func (t *jwtToken) signingInput() string { return t.headerSeg + "." + t.payloadSeg }

// withHeader returns a copy of the header with changes applied.
func (t *jwtToken) withHeader(changes map[string]any) map[string]any {
	h := make(map[string]any, len(t.header)+len(changes))
	for k, v := range t.header {
		h[k] = v
	}
	for k, v := range changes {
		h[k] = v
	}
	return h
}

// withClaims returns a copy of the claims with changes applied.
func (t *jwtToken) withClaims(changes map[string]any) map[string]any {
	c := make(map[string]any, len(t.claims)+len(changes))
	for k, v := range t.claims {
		c[k] = v
	}
	for k, v := range changes {
		c[k] = v
	}
	return c
}

// numericClaim reads a NumericDate claim (exp, iat, nbf).
func (t *jwtToken) numericClaim(name string) (time.Time, bool) {
	switch v := t.claims[name].(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil || f < 0 || f > 1e11 {
			return time.Time{}, false
		}
		return time.Unix(int64(f), 0), true
	}
	return time.Time{}, false
}

// stringClaim reads a string claim.
func (t *jwtToken) stringClaim(name string) string { s, _ := t.claims[name].(string); return s }

// hmacAlg reports whether the token is HMAC-signed, whose key can be
// guessed offline.
func (t *jwtToken) hmacAlg() bool {
	switch t.alg() {
	case "HS256", "HS384", "HS512":
		return true
	}
	return false
}

// asymmetricAlg reports whether the token is signed with a key pair, whose
// public half an algorithm-confusion attack abuses.
func (t *jwtToken) asymmetricAlg() bool {
	a := t.alg()
	return strings.HasPrefix(a, "RS") || strings.HasPrefix(a, "PS") || strings.HasPrefix(a, "ES") || a == "EdDSA"
}
