package sign

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Test material of RFC 9421 Appendix B.
const (
	rfcEd25519Private = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`
	rfcEd25519Public = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----`
	rfcSharedSecret = "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ=="
	rfcCreated      = 1618884473
)

// newTestRequest is the RFC 9421 Appendix B.2 test-request, as a server
// receives it.
func newTestRequest(t testing.TB) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/foo?param=Value&Pet=dog", strings.NewReader(`{"hello": "world"}`))
	r.Host = "example.com"
	r.Header.Set("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:")
	r.Header.Set("Content-Length", "18")
	return r
}

// TestRFC9421Ed25519Vector reproduces Appendix B.2.6 byte for byte: the
// base, the Signature-Input member and the (deterministic) signature, and
// verifies the published signature through ParseSignatures.
func TestRFC9421Ed25519Vector(t *testing.T) {
	const wantBase = `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@authority": example.com
"content-type": application/json
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`
	const wantSig = "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw=="

	key, err := ParseKey([]byte(rfcEd25519Private), "test-key-ed25519", "")
	if err != nil {
		t.Fatal(err)
	}
	if key.Algorithm != Ed25519 {
		t.Fatalf("inferred algorithm %q, want ed25519", key.Algorithm)
	}
	r := newTestRequest(t)
	err = SignRequest(r, key, Options{
		Label:      "sig-b26",
		Components: []string{"date", "@method", "@path", "@authority", "content-type", "content-length"},
		Created:    time.Unix(rfcCreated, 0),
		NoNonce:    true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Header.Get(HeaderSignature), "sig-b26=:"+wantSig+":"; got != want {
		t.Errorf("Signature = %q, want %q", got, want)
	}
	sigs, err := ParseSignatures(r.Header)
	if err != nil || len(sigs) != 1 {
		t.Fatalf("ParseSignatures: %v, %d signatures", err, len(sigs))
	}
	base, err := Base(r, &sigs[0].Params)
	if err != nil {
		t.Fatal(err)
	}
	if string(base) != wantBase {
		t.Errorf("base:\n%s\nwant:\n%s", base, wantBase)
	}
	pub, err := ParsePublicKey([]byte(rfcEd25519Public), "test-key-ed25519", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Verify(base, sigs[0].Value); err != nil {
		t.Errorf("published signature does not verify: %v", err)
	}
}

// TestRFC9421HMACVector verifies Appendix B.2.5 from the published fields.
func TestRFC9421HMACVector(t *testing.T) {
	r := newTestRequest(t)
	r.Header.Set(HeaderSignatureInput, `sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"`)
	r.Header.Set(HeaderSignature, `sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:`)
	sigs, err := ParseSignatures(r.Header)
	if err != nil {
		t.Fatal(err)
	}
	p := sigs[0].Params
	if p.KeyID != "test-shared-secret" || p.Created.Unix() != rfcCreated || !p.Covers("@authority") {
		t.Fatalf("parsed params %+v", p)
	}
	base, err := Base(r, &p)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := base64.StdEncoding.DecodeString(rfcSharedSecret)
	key := PublicKey{ID: "test-shared-secret", Algorithm: HMACSHA256, Secret: secret}
	if err := key.Verify(base, sigs[0].Value); err != nil {
		t.Fatalf("published HMAC signature does not verify: %v", err)
	}
	base[0] ^= 1
	if err := key.Verify(base, sigs[0].Value); err == nil {
		t.Fatal("a changed base verified")
	}
}

func TestDerivedComponents(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "https://Example.COM:443/a%2Fb/c?x=1&y=%20", nil)
	tests := []struct{ name, want string }{
		{"@method", "GET"},
		{"@target-uri", "https://example.com/a%2Fb/c?x=1&y=%20"},
		{"@authority", "example.com"},
		{"@scheme", "https"},
		{"@request-target", "/a%2Fb/c?x=1&y=%20"},
		{"@path", "/a%2Fb/c"},
		{"@query", "?x=1&y=%20"},
	}
	for _, tt := range tests {
		got, err := appendValue(nil, Component{Name: tt.name}, r)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	noQuery := httptest.NewRequest(http.MethodGet, "http://h:8080", nil)
	for name, want := range map[string]string{"@query": "?", "@path": "/", "@authority": "h:8080", "@target-uri": "http://h:8080/"} {
		if got, _ := appendValue(nil, Component{Name: name}, noQuery); string(got) != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestFieldValuesAreTrimmedAndJoined(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header["X-Multi"] = []string{" a ", "b,c"}
	got, err := appendValue(nil, Component{Name: "x-multi"}, r)
	if err != nil || string(got) != "a, b,c" {
		t.Fatalf("x-multi = %q, %v", got, err)
	}
	if _, err := appendValue(nil, Component{Name: "x-absent"}, r); err == nil {
		t.Fatal("an absent field was derived")
	}
}

func TestBaseRefusesUnsafeParams(t *testing.T) {
	r := newTestRequest(t)
	for _, input := range []string{
		`s=("@method" "@method");created=1`,            // repeated component
		`s=("@query-param";name="x");created=1`,        // unsupported derived component
		`s=("content-type";sf);created=1`,              // unsupported field parameter
		`s=("Content-Type");created=1`,                 // uppercase field name
		`s=("@signature-params");created=1`,            // the params line itself
		`s=(@method);created=1`,                        // token, not string
		`s=("@method");created="1"`,                    // created as a string
		`s=("@method");keyid=k`,                        // keyid as a token
		`s=("@method" "x-missing");created=1`,          // absent field
		`s=("@method" "@status");created=1`,            // response-only component
		`s=("@method");created=1, t=("@path");nonce=1`, // one bad member spoils all
	} {
		r.Header.Set(HeaderSignatureInput, input)
		r.Header.Set(HeaderSignature, `s=:AA==:, t=:AA==:`)
		sigs, err := ParseSignatures(r.Header)
		if err != nil {
			continue
		}
		if _, err := Base(r, &sigs[0].Params); err == nil {
			t.Errorf("signature input %q produced a base", input)
		}
	}
	r.Header.Set(HeaderSignatureInput, `s=("@method");created=1`)
	r.Header.Set(HeaderSignature, `other=:AA==:`)
	if _, err := ParseSignatures(r.Header); err == nil {
		t.Error("a label without a Signature member parsed")
	}
	r.Header.Del(HeaderSignatureInput)
	if _, err := ParseSignatures(r.Header); err != ErrNoSignature {
		t.Errorf("no Signature-Input: err %v, want ErrNoSignature", err)
	}
}

func TestKeyValidation(t *testing.T) {
	block, _ := pem.Decode([]byte(rfcEd25519Public))
	pub, _ := x509.ParsePKIXPublicKey(block.Bytes)
	for _, k := range []PublicKey{
		{ID: "k", Algorithm: HMACSHA256, Secret: []byte("short")},
		{ID: "k", Algorithm: ECDSAP256SHA256, Public: pub},
		{ID: "", Algorithm: Ed25519, Public: pub},
		{ID: "k", Algorithm: "rsa-v1_5-sha256", Public: pub},
		{ID: "k", Algorithm: Ed25519, Public: ed25519.PublicKey{1, 2}},
	} {
		if err := k.Validate(); err == nil {
			t.Errorf("key %+v validated", k)
		}
	}
}
