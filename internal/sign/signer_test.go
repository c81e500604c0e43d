package sign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestContentDigestRFC9530Example(t *testing.T) {
	body := []byte(`{"hello": "world"}`)
	for alg, want := range map[string]string{
		DigestSHA256: "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
		DigestSHA512: "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
	} {
		got, err := ContentDigest(alg, body)
		if err != nil || got != want {
			t.Errorf("ContentDigest(%s) = %q, %v; want %q", alg, got, err, want)
		}
		if err := VerifyContentDigest([]string{want}, body); err != nil {
			t.Errorf("VerifyContentDigest(%s): %v", alg, err)
		}
	}
	tests := []struct {
		name  string
		lines []string
		want  error
	}{
		{"tampered body", []string{"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"}, ErrDigestMismatch},
		{"one of two wrong", []string{"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", "sha-512=:AA==:"}, ErrDigestMismatch},
		{"only unknown algorithms", []string{"md5=:AA==:, unixsum=:AA==:"}, ErrNoDigest},
		{"absent", nil, ErrNoDigest},
	}
	for _, tt := range tests {
		if err := VerifyContentDigest(tt.lines, []byte(`{"hello": "world!"}`)); !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := VerifyContentDigest([]string{"sha-256=1"}, body); err == nil {
		t.Error("a non-byte-sequence digest verified")
	}
}

func testKeys(t testing.TB) []Key {
	t.Helper()
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return []Key{
		{ID: "ed", Algorithm: Ed25519, Private: edPriv},
		{ID: "ec", Algorithm: ECDSAP256SHA256, Private: ecPriv},
		{ID: "rsa", Algorithm: RSAPSSSHA512, Private: rsaPriv},
		{ID: "hmac", Algorithm: HMACSHA256, Secret: bytes.Repeat([]byte{7}, 32)},
	}
}

var (
	sharedKeysOnce sync.Once
	sharedKeys     []Key
)

func keysForTest(t testing.TB) []Key {
	sharedKeysOnce.Do(func() { sharedKeys = testKeys(t) })
	return sharedKeys
}

// TestSignVerifyRoundTrip signs client requests, sends them through a real
// HTTP server and verifies there: the server-side view of the request
// (Host, escaped path, query) must give the same base as the client's.
func TestSignVerifyRoundTrip(t *testing.T) {
	var (
		mu   sync.Mutex
		errs = map[string]error{}
	)
	keys := keysForTest(t)
	byID := map[string]PublicKey{}
	for _, k := range keys {
		byID[k.ID] = k.Public()
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := verifyForTest(r, body, byID)
		mu.Lock()
		errs[r.URL.Query().Get("k")] = err
		mu.Unlock()
	}))
	defer srv.Close()

	for _, k := range keys {
		t.Run(string(k.Algorithm), func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/orders/a%2Fb?k="+k.ID+"&q=%20x", strings.NewReader(`{"n":1}`))
			req.Header.Set("Content-Type", "application/json")
			if err := SignRequest(req, k, Options{TTL: time.Minute, IncludeAlg: true}); err != nil {
				t.Fatal(err)
			}
			if req.Header.Get(HeaderContentDigest) == "" {
				t.Fatal("no Content-Digest on a request with a body")
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			if err := errs[k.ID]; err != nil {
				t.Fatalf("server-side verification: %v", err)
			}
		})
	}
}

// verifyForTest is the minimal verification the authn guard builds on.
func verifyForTest(r *http.Request, body []byte, keys map[string]PublicKey) error {
	sigs, err := ParseSignatures(r.Header)
	if err != nil {
		return err
	}
	p := &sigs[0].Params
	k, ok := keys[p.KeyID]
	if !ok {
		return fmt.Errorf("unknown key %q", p.KeyID)
	}
	if p.Alg != k.Algorithm || p.Nonce == "" || p.Expires.Sub(p.Created) != time.Minute {
		return fmt.Errorf("unexpected params %+v", p)
	}
	for _, c := range []string{"@method", "@target-uri", "content-type", "content-digest"} {
		if !p.Covers(c) {
			return fmt.Errorf("%s not covered", c)
		}
	}
	base, err := Base(r, p)
	if err != nil {
		return err
	}
	if err := k.Verify(base, sigs[0].Value); err != nil {
		return err
	}
	return VerifyContentDigest(r.Header.Values(HeaderContentDigest), body)
}

func TestVerifyRejectsWrongKeyAndTampering(t *testing.T) {
	keys := keysForTest(t)
	for i, k := range keys {
		req := httptest.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
		if err := SignRequest(req, k, Options{}); err != nil {
			t.Fatal(err)
		}
		sigs, err := ParseSignatures(req.Header)
		if err != nil {
			t.Fatal(err)
		}
		base, _ := Base(req, &sigs[0].Params)
		other := keys[(i+1)%len(keys)].Public()
		other.Algorithm = k.Algorithm
		if err := other.Verify(base, sigs[0].Value); err == nil {
			t.Errorf("%s: verified with another key", k.Algorithm)
		}
		req.Method = http.MethodDelete
		base, _ = Base(req, &sigs[0].Params)
		if err := k.Public().Verify(base, sigs[0].Value); !errors.Is(err, ErrSignatureInvalid) {
			t.Errorf("%s: tampered method: err %v, want ErrSignatureInvalid", k.Algorithm, err)
		}
	}
}

func TestSignRequestRefusesDuplicateLabelAndBadKey(t *testing.T) {
	k := keysForTest(t)[0]
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if err := SignRequest(req, k, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := SignRequest(req, k, Options{}); err == nil {
		t.Error("signed twice under one label")
	}
	if err := SignRequest(req, k, Options{Label: "sig2"}); err != nil {
		t.Errorf("second label: %v", err)
	}
	if sigs, err := ParseSignatures(req.Header); err != nil || len(sigs) != 2 {
		t.Errorf("ParseSignatures: %d, %v; want 2 signatures", len(sigs), err)
	}
	if err := SignRequest(req, Key{ID: "x", Algorithm: Ed25519}, Options{Label: "sig3"}); err == nil {
		t.Error("signed with a key without material")
	}
	big := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0123456789"))
	if err := SignRequest(big, k, Options{MaxBodyBytes: 5}); err == nil {
		t.Error("signed a body over MaxBodyBytes")
	}
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunSign(t *testing.T) {
	dir := t.TempDir()
	ecPriv := keysForTest(t)[1].Private.(*ecdsa.PrivateKey)
	der, _ := x509.MarshalECPrivateKey(ecPriv)
	keyFile := writePEM(t, dir, "partner.pem", "EC PRIVATE KEY", der)
	pubDER, _ := x509.MarshalPKIXPublicKey(ecPriv.Public())
	pub, err := LoadPublicKey(writePEM(t, dir, "partner.pub", "PUBLIC KEY", pubDER), "partner-1", "")
	if err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	in := CommandInput{
		URL:     "https://api.example.com/orders?x=1",
		Headers: []string{"Content-Type: application/json"},
		Body:    []byte(`{"qty": 2}`),
		KeyFile: keyFile,
		KeyID:   "partner-1",
	}
	if err := RunSign(&out, in); err != nil {
		t.Fatal(err)
	}
	// Replay the printed headers onto the same request, as a partner would.
	req := httptest.NewRequest(http.MethodPost, in.URL, bytes.NewReader(in.Body))
	req.Header.Set("Content-Type", "application/json")
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		name, value, _ := strings.Cut(line, ": ")
		req.Header.Add(name, value)
	}
	if err := verifyForTestNoTTL(req, in.Body, pub); err != nil {
		t.Fatalf("printed headers do not verify: %v\n%s", err, out.String())
	}

	out.Reset()
	in.Format = FormatCurl
	if err := RunSign(&out, in); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"curl -X 'POST'", "-H 'Signature-Input: sig1=", "--data-binary '{\"qty\": 2}'", "'https://api.example.com/orders?x=1'"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("curl output lacks %q:\n%s", want, out.String())
		}
	}
	for _, bad := range []CommandInput{
		{URL: "/relative", KeyFile: keyFile, KeyID: "k"},
		{URL: in.URL, KeyFile: keyFile},
		{URL: in.URL, KeyFile: filepath.Join(dir, "missing"), KeyID: "k"},
		{URL: in.URL, KeyFile: keyFile, KeyID: "k", Headers: []string{"no colon"}},
		{URL: in.URL, KeyFile: keyFile, KeyID: "k", Format: "xml"},
	} {
		if err := RunSign(io.Discard, bad); err == nil {
			t.Errorf("RunSign(%+v) succeeded", bad)
		}
	}
}

func verifyForTestNoTTL(r *http.Request, body []byte, k PublicKey) error {
	sigs, err := ParseSignatures(r.Header)
	if err != nil {
		return err
	}
	base, err := Base(r, &sigs[0].Params)
	if err != nil {
		return err
	}
	if err := k.Verify(base, sigs[0].Value); err != nil {
		return err
	}
	return VerifyContentDigest(r.Header.Values(HeaderContentDigest), body)
}

func TestParseSecretAndKeys(t *testing.T) {
	if _, err := ParseSecret([]byte("not base64 !")); err == nil {
		t.Error("ParseSecret accepted garbage")
	}
	if b, err := ParseSecret([]byte(" " + rfcSharedSecret + "\n")); err != nil || len(b) != 64 {
		t.Errorf("ParseSecret(rfc secret) = %d bytes, %v", len(b), err)
	}
	if _, err := ParseKey([]byte(rfcSharedSecret), "s", HMACSHA256); err != nil {
		t.Errorf("ParseKey(hmac): %v", err)
	}
	for _, bad := range []string{"", "-----BEGIN FOO-----\nAA==\n-----END FOO-----\n", rfcEd25519Public} {
		if _, err := ParseKey([]byte(bad), "k", ""); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		}
	}
	if _, err := ParsePublicKey([]byte(rfcEd25519Private), "k", ""); err == nil {
		t.Error("ParsePublicKey accepted a private key")
	}
}
