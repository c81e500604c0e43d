package authn

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// agreesWithGolangJWT fails t unless parseCompactJWT and golang-jwt's
// parser (as the guard used it before: default options, MapClaims) agree
// on raw: the same refusal class, or the same header fields, claims,
// method, signing input and signature.
func agreesWithGolangJWT(t *testing.T, raw string) {
	t.Helper()
	got, f := parseCompactJWT(raw)
	want, parts, err := jwt.NewParser(jwt.WithoutClaimsValidation()).ParseUnverified(raw, jwt.MapClaims{})
	if (f != nil) != (err != nil) {
		t.Fatalf("%q: failure %v, golang-jwt %v", raw, f, err)
	}
	if err != nil {
		wantRule := RuleJWTMalformed
		if errors.Is(err, jwt.ErrTokenUnverifiable) {
			wantRule = RuleJWTAlgNotAllowed
		}
		if f.rule != wantRule || !errors.Is(f.cause, jwt.ErrTokenMalformed) && !errors.Is(f.cause, jwt.ErrTokenUnverifiable) {
			t.Fatalf("%q: rule %s (%v), golang-jwt %v", raw, f.rule, f.cause, err)
		}
		return
	}
	var h joseHeader
	h.alg, h.algString = want.Header["alg"].(string)
	h.kid, h.kidString = want.Header["kid"].(string)
	_, h.kidPresent = want.Header["kid"]
	_, h.crit = want.Header["crit"]
	switch {
	case got.header != h:
		t.Fatalf("%q: header %+v, golang-jwt %+v", raw, got.header, h)
	case !identicalJSON(map[string]any(got.claims), map[string]any(want.Claims.(jwt.MapClaims))):
		t.Fatalf("%q: claims %#v, golang-jwt %#v", raw, got.claims, want.Claims)
	case got.method != want.Method:
		t.Fatalf("%q: method %v, golang-jwt %v", raw, got.method, want.Method)
	case got.signingInput != strings.Join(parts[:2], "."):
		t.Fatalf("%q: signing input %q", raw, got.signingInput)
	case !bytes.Equal(got.signature, want.Signature):
		t.Fatalf("%q: signature %x, golang-jwt %x", raw, got.signature, want.Signature)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

var tokenSeeds = []string{
	b64(`{"alg":"RS256","kid":"rsa1","typ":"JWT"}`) + "." + b64(`{"iss":"i","sub":"s","exp":1772367000}`) + "." + b64("sig"),
	b64(`{"alg":"none"}`) + "." + b64(`{}`) + ".",
	b64(`{"alg":"XS999"}`) + "." + b64(`{}`) + "." + b64("x"),
	b64(`{"kid":"k"}`) + "." + b64(`{}`) + "." + b64("x"),
	b64(`{"alg":7}`) + "." + b64(`{}`) + "." + b64("x"),
	b64(`null`) + "." + b64(`null`) + "." + b64("x"),
	b64(`[]`) + "." + b64(`{}`) + "." + b64("x"),
	b64(`{"alg":"ES256"}`) + "." + b64(`[]`) + "." + b64("x"),
	b64(`{"alg":"ES256"}`) + "." + b64(`{"a":1e999}`) + "." + b64("x"),
	b64(`{"alg":"ES256","crit":["b64"],"kid":{}}`) + "." + b64(`{"iss":"a","iss":"b"}`) + "." + b64("x"),
	b64(`{"alg":"HS256"}`) + "=." + b64(`{}`) + "." + b64("x"),
	b64(`{"alg":"HS256"}`) + "." + b64(`{}`) + "!." + b64("x"),
	b64(`{"alg":"HS256"}`) + "." + b64(`{}`) + ".!!",
	b64(`{"alg":"HS256"}`) + "." + b64(`{}`) + ".a",
	b64(`{"alg":"HS256"}`) + "\n." + b64(`{}`) + "." + b64("x") + "\r\n",
	b64(`{"alg":"HS256"}`) + "." + b64(`{}`) + "." + b64("x") + ".",
	"a.b", "a.b.c.d", "..", ".", "", "not-a-token", "e30.e30.e30", "eyJ.eyJ.",
}

func TestParseCompactJWTMatchesGolangJWT(t *testing.T) {
	for _, raw := range tokenSeeds {
		agreesWithGolangJWT(t, raw)
	}
}

// FuzzParseCompactJWT holds parseCompactJWT to golang-jwt's parser on
// whole token strings.
func FuzzParseCompactJWT(f *testing.F) {
	for _, raw := range tokenSeeds {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		agreesWithGolangJWT(t, raw)
	})
}

// FuzzParseCompactJWTParts does the same with the header and claims
// fuzzed before encoding, so that inputs reach the JSON of both.
func FuzzParseCompactJWTParts(f *testing.F) {
	for _, s := range [][3]string{
		{`{"alg":"RS256","kid":"rsa1"}`, `{"iss":"i","sub":"s","exp":1772367000,"aud":["a","b"]}`, "." + b64("sig")},
		{`{"alg":"none","crit":null}`, `null`, "."},
		{`{"alg":"EdDSA","alg":"ES256","kid":7}`, `{"a":{"b":[1,"\ud83d"]}}`, ".a.b"},
		{`{"alg":"ES256"}`, `{"s":"\u0000\"\\"}`, ".!!"},
		{` {"alg" : "PS256" } `, ` {"n":-0} `, ""},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), s[2])
	}
	f.Fuzz(func(t *testing.T, header, claims []byte, tail string) {
		agreesWithGolangJWT(t, base64.RawURLEncoding.EncodeToString(header)+"."+base64.RawURLEncoding.EncodeToString(claims)+tail)
	})
}
