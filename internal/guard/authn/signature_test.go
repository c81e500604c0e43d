package authn

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
	"github.com/rampartsec/rampart/internal/sign"
)

type signatureFixture struct {
	clock *pipelinetest.Clock
	keys  map[string]sign.Key
	gw    *gateway
}

func newSignatureFixture(t *testing.T, cfg SignatureConfig) *signatureFixture {
	t.Helper()
	k := sharedKeys()
	f := &signatureFixture{clock: newClock(), keys: map[string]sign.Key{
		"ed":   {ID: "ed", Algorithm: sign.Ed25519, Private: k.ed},
		"ec":   {ID: "ec", Algorithm: sign.ECDSAP256SHA256, Private: k.ec},
		"rsa":  {ID: "rsa", Algorithm: sign.RSAPSSSHA512, Private: k.rsa},
		"hmac": {ID: "hmac", Algorithm: sign.HMACSHA256, Secret: bytes.Repeat([]byte("s"), 32)},
	}}
	for id, key := range f.keys {
		pub := key.Public()
		cfg.Keys = append(cfg.Keys, SignatureKey{ID: id, Algorithm: string(pub.Algorithm), Public: pub.Public, Secret: pub.Secret,
			Subject: "partner-" + id, Grants: Grants{Tenant: "t-" + id}})
	}
	a := mustNew(t, Config{Signatures: cfg}, Options{Now: f.clock.Now, Nonces: newMemoryStore(t, f.clock)})
	f.gw = newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodSignature}}), nil)
	return f
}

// signed builds a request to the gateway and signs it with key id.
func (f *signatureFixture) signed(t *testing.T, id, method, path, body string, opts sign.Options) *http.Request {
	t.Helper()
	req := f.gw.request(t, method, path, body)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if opts.Now == nil {
		opts.Now = f.clock.Now
	}
	if err := sign.SignRequest(req, f.keys[id], opts); err != nil {
		t.Fatal(err)
	}
	return req
}

// resend clones req (headers and body) for a second attempt.
func resend(t *testing.T, req *http.Request, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	again, err := http.NewRequest(req.Method, req.URL.String(), r)
	if err != nil {
		t.Fatal(err)
	}
	again.Header = req.Header.Clone()
	return again
}

func TestSignatureValid(t *testing.T) {
	f := newSignatureFixture(t, SignatureConfig{})
	for _, id := range []string{"ed", "ec", "rsa", "hmac"} {
		t.Run(id, func(t *testing.T) {
			const body = `{"order":"42"}`
			res := f.gw.do(t, nil, f.signed(t, id, http.MethodPost, "/orders?x=1", body, sign.Options{}))
			got := wantAllowed(t, res, "partner-"+id)
			if got.Method != "signature" || got.KeyID != id || got.Tenant != "t-"+id {
				t.Errorf("identity %+v", got)
			}
			if res.body != body {
				t.Errorf("upstream got body %q, want %q (the verifier must restore it)", res.body, body)
			}
			wantAllowed(t, f.gw.do(t, nil, f.signed(t, id, http.MethodGet, "/orders", "", sign.Options{})), "partner-"+id)
		})
	}
	t.Run("path and query instead of target-uri", func(t *testing.T) {
		opts := sign.Options{Components: []string{"@method", "@path", "@query", "@authority"}}
		wantAllowed(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/orders?page=2", "", opts)), "partner-ed")
	})
}

func TestSignatureRefusals(t *testing.T) {
	f := newSignatureFixture(t, SignatureConfig{RequiredComponents: []string{"@authority"}})
	const body = `{"qty":1}`
	std := sign.Options{Components: []string{"@method", "@target-uri", "@authority", "content-type", "content-digest"}}
	get := sign.Options{Components: []string{"@method", "@target-uri", "@authority"}}

	t.Run("replay", func(t *testing.T) {
		req := f.signed(t, "ec", http.MethodPost, "/orders", body, std)
		wantAllowed(t, f.gw.do(t, nil, resend(t, req, body)), "partner-ec")
		wantDenied(t, f.gw.do(t, nil, resend(t, req, body)), RuleSignatureReplay)
	})
	t.Run("tampered body", func(t *testing.T) {
		req := f.signed(t, "ed", http.MethodPost, "/orders", body, std)
		wantDenied(t, f.gw.do(t, nil, resend(t, req, `{"qty":9}`)), RuleSignatureDigestMismatch)
	})
	t.Run("tampered body does not use up the nonce", func(t *testing.T) {
		req := f.signed(t, "ed", http.MethodPost, "/orders", body, std)
		wantDenied(t, f.gw.do(t, nil, resend(t, req, `{"qty":9}`)), RuleSignatureDigestMismatch)
		wantAllowed(t, f.gw.do(t, nil, resend(t, req, body)), "partner-ed")
	})
	t.Run("tampered digest header", func(t *testing.T) {
		req := f.signed(t, "ed", http.MethodPost, "/orders", body, std)
		forged, _ := sign.ContentDigest(sign.DigestSHA256, []byte(`{"qty":9}`))
		req2 := resend(t, req, `{"qty":9}`)
		req2.Header.Set("Content-Digest", forged)
		wantDenied(t, f.gw.do(t, nil, req2), RuleSignatureInvalid)
	})
	t.Run("tampered path", func(t *testing.T) {
		req := f.signed(t, "rsa", http.MethodGet, "/orders/1", "", get)
		req2 := resend(t, req, "")
		req2.URL.Path = "/orders/2"
		wantDenied(t, f.gw.do(t, nil, req2), RuleSignatureInvalid)
	})
	t.Run("created too old", func(t *testing.T) {
		opts := get
		opts.Created = f.clock.Now().Add(-6 * time.Minute)
		wantDenied(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/", "", opts)), RuleSignatureStale)
	})
	t.Run("created in the future", func(t *testing.T) {
		opts := get
		opts.Created = f.clock.Now().Add(2 * time.Minute)
		wantDenied(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/", "", opts)), RuleSignatureStale)
	})
	t.Run("expired", func(t *testing.T) {
		opts := get
		opts.Created = f.clock.Now().Add(-2 * time.Minute)
		opts.TTL = time.Minute
		wantDenied(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/", "", opts)), RuleSignatureExpired)
	})
	t.Run("no nonce", func(t *testing.T) {
		opts := get
		opts.NoNonce = true
		wantDenied(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/", "", opts)), RuleSignatureMissingParam)
	})
	t.Run("body without content-digest", func(t *testing.T) {
		opts := sign.Options{Components: []string{"@method", "@target-uri", "@authority"}}
		wantDenied(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodPost, "/orders", body, opts)), RuleSignatureMissingComponent)
	})
	t.Run("path without query", func(t *testing.T) {
		opts := sign.Options{Components: []string{"@method", "@path", "@authority"}}
		wantDenied(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/orders?admin=1", "", opts)), RuleSignatureMissingComponent)
	})
	t.Run("configured component missing", func(t *testing.T) {
		opts := sign.Options{Components: []string{"@method", "@target-uri"}}
		wantDenied(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/", "", opts)), RuleSignatureMissingComponent)
	})
	t.Run("alg parameter disagrees with the key", func(t *testing.T) {
		opts := get
		opts.IncludeAlg = true
		req := f.signed(t, "ed", http.MethodGet, "/", "", opts)
		req.Header.Set("Signature-Input", strings.Replace(req.Header.Get("Signature-Input"), `alg="ed25519"`, `alg="hmac-sha256"`, 1))
		wantDenied(t, f.gw.do(t, nil, req), RuleSignatureAlgMismatch)
	})
	t.Run("unknown keyid", func(t *testing.T) {
		k := f.keys["ed"]
		k.ID = "stranger"
		req := f.gw.request(t, http.MethodGet, "/", "")
		if err := sign.SignRequest(req, k, sign.Options{Now: f.clock.Now, Components: get.Components}); err != nil {
			t.Fatal(err)
		}
		wantDenied(t, f.gw.do(t, nil, req), RuleSignatureUnknownKey)
	})
	t.Run("signed with another key under a known keyid", func(t *testing.T) {
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		req := f.gw.request(t, http.MethodGet, "/", "")
		k := sign.Key{ID: "ec", Algorithm: sign.ECDSAP256SHA256, Private: other}
		if err := sign.SignRequest(req, k, sign.Options{Now: f.clock.Now, Components: get.Components}); err != nil {
			t.Fatal(err)
		}
		wantDenied(t, f.gw.do(t, nil, req), RuleSignatureInvalid)
	})
	t.Run("covered header missing", func(t *testing.T) {
		opts := get
		opts.Components = append(opts.Components, "x-partner")
		req := f.gw.request(t, http.MethodGet, "/", "")
		req.Header.Set("X-Partner", "a")
		if err := sign.SignRequest(req, f.keys["ed"], sign.Options{Now: f.clock.Now, Components: opts.Components}); err != nil {
			t.Fatal(err)
		}
		req.Header.Del("X-Partner")
		wantDenied(t, f.gw.do(t, nil, req), RuleSignatureMissingComponent)
	})
	t.Run("body too large", func(t *testing.T) {
		g := newSignatureFixture(t, SignatureConfig{MaxBodyBytes: 8})
		res := g.gw.do(t, nil, g.signed(t, "ed", http.MethodPost, "/", body, sign.Options{}))
		if res.status != http.StatusRequestEntityTooLarge || res.rule != RuleSignatureBodyTooLarge {
			t.Fatalf("status %d rule %q, want 413 %s", res.status, res.rule, RuleSignatureBodyTooLarge)
		}
	})
}

func TestSignatureLabelAndTag(t *testing.T) {
	f := newSignatureFixture(t, SignatureConfig{Label: "partner", Tag: "orders-v1"})
	opts := sign.Options{Label: "partner", Tag: "orders-v1"}
	wantAllowed(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/", "", opts)), "partner-ed")
	opts.Tag = "other"
	wantDenied(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/", "", opts)), RuleSignatureTagMismatch)
	wantDenied(t, f.gw.do(t, nil, f.signed(t, "ed", http.MethodGet, "/", "", sign.Options{Tag: "orders-v1"})), RuleSignatureUnknownKey)
}

func TestSignatureConfigErrors(t *testing.T) {
	k := sharedKeys()
	for _, tt := range []struct {
		name string
		cfg  SignatureConfig
		opts Options
	}{
		{"nonces required without a store", SignatureConfig{Keys: []SignatureKey{{ID: "a", Public: k.ed.Public()}}}, Options{}},
		{"short secret", SignatureConfig{AllowNoNonce: true, Keys: []SignatureKey{{ID: "a", Secret: []byte("short")}}}, Options{}},
		{"key does not fit algorithm", SignatureConfig{AllowNoNonce: true, Keys: []SignatureKey{{ID: "a", Algorithm: "ed25519", Public: &k.ec.PublicKey}}}, Options{}},
		{"unsupported algorithm", SignatureConfig{AllowNoNonce: true, Keys: []SignatureKey{{ID: "a", Algorithm: "rsa-v1_5-sha256", Public: &k.rsa.PublicKey}}}, Options{}},
		{"duplicate key", SignatureConfig{AllowNoNonce: true, Keys: []SignatureKey{{ID: "a", Public: k.ed.Public()}, {ID: "a", Public: k.ed.Public()}}}, Options{}},
		{"bad required component", SignatureConfig{AllowNoNonce: true, RequiredComponents: []string{"@status"}, Keys: []SignatureKey{{ID: "a", Public: k.ed.Public()}}}, Options{}},
		{"missing key file", SignatureConfig{AllowNoNonce: true, Keys: []SignatureKey{{ID: "a", KeyFile: "/nonexistent"}}}, Options{}},
	} {
		if _, err := New(Config{Signatures: tt.cfg}, tt.opts); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
}
