package authn

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/sign"
)

// BenchmarkJWT measures a whole bearer-token check with cached keys next
// to the bare signature verification of the same token, in the same run:
// "verify" is a token seen for the first time (parse, issuer and key
// lookup, signature, claims, identity; the verified-token cache is off),
// "repeat" the same token again (cache hit: re-validation, no signature),
// "primitive" what any verifier must do: hash the signing input and
// verify the signature (Ed25519 hashes inside Verify), on the decoded
// signature. Everything else (reading the header, splitting and decoding
// the token, the JSON, key lookup, claims checks, the Identity) is the
// guard's cost.
//
// "overhead" alternates one guard check and one primitive call per
// iteration and reports the guard's time over the primitive's (%over,
// from means; %over-median from per-iteration medians) besides each one's
// ns/op: on a shared machine the load then weighs on both alike, which
// separate sub-benchmarks, seconds apart, cannot promise.
func BenchmarkJWT(b *testing.B) {
	clock := newClock()
	k := sharedKeys()
	guard := func(cacheSize int) *Guard {
		a := mustNew(b, Config{JWT: JWTConfig{CacheSize: cacheSize, Issuers: []Issuer{{
			Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: []string{"RS256", "ES256", "EdDSA"},
			Keys: []StaticKey{{ID: "rsa1", Key: k.rsa}, {ID: "ec1", Key: k.ec}, {ID: "ed1", Key: k.ed}},
		}}}}, Options{Now: clock.Now})
		return mustGuard(b, a, Policy{Methods: []Method{MethodJWT}})
	}
	uncached, cached := guard(-1), guard(0)
	claims := with(baseClaims(clock), "scope", "orders:read orders:write", "jti", "abc")
	edPublic := k.ed.Public().(ed25519.PublicKey)

	for _, tt := range []struct {
		name   string
		method jwt.SigningMethod
		key    crypto.Signer
		kid    string
		verify func(signingInput, sig []byte) bool
	}{
		{"RS256", jwt.SigningMethodRS256, k.rsa, "rsa1", func(in, sig []byte) bool {
			h := sha256.Sum256(in)
			return rsa.VerifyPKCS1v15(&k.rsa.PublicKey, crypto.SHA256, h[:], sig) == nil
		}},
		{"ES256", jwt.SigningMethodES256, k.ec, "ec1", func(in, sig []byte) bool {
			h := sha256.Sum256(in)
			return ecdsa.Verify(&k.ec.PublicKey, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
		}},
		{"EdDSA", jwt.SigningMethodEdDSA, k.ed, "ed1", func(in, sig []byte) bool {
			return ed25519.Verify(edPublic, in, sig)
		}},
	} {
		token := mint(b, tt.method, tt.key, tt.kid, claims)
		dot := strings.LastIndexByte(token, '.')
		signingInput := []byte(token[:dot])
		sig, _ := base64.RawURLEncoding.DecodeString(token[dot+1:])
		for _, run := range []struct {
			name string
			g    *Guard
		}{{"verify", uncached}, {"repeat", cached}} {
			b.Run(tt.name+"/"+run.name, func(b *testing.B) {
				r := httptest.NewRequest(http.MethodGet, "/orders", nil)
				r.Header.Set("Authorization", "Bearer "+token)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := run.g.Check(r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(tt.name+"/primitive", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !tt.verify(signingInput, sig) {
					b.Fatal("does not verify")
				}
			}
		})
		b.Run(tt.name+"/overhead", func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/orders", nil)
			r.Header.Set("Authorization", "Bearer "+token)
			var guardTimes, primitiveTimes []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := uncached.Check(r); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if !tt.verify(signingInput, sig) {
					b.Fatal("does not verify")
				}
				t2 := time.Now()
				guardTimes, primitiveTimes = append(guardTimes, t1.Sub(t0)), append(primitiveTimes, t2.Sub(t1))
			}
			// Means count everything, garbage collection included, but
			// also the iterations the scheduler interrupted, so on a busy
			// machine they drift; medians do not, but leave out the
			// iterations that paid for a GC assist. Both are reported.
			b.ReportMetric(0, "ns/op") // the sum of both: shown per part below
			guardMean, primitiveMean := totalDuration(guardTimes)/time.Duration(b.N), totalDuration(primitiveTimes)/time.Duration(b.N)
			b.ReportMetric(float64(guardMean.Nanoseconds()), "guard-ns/op")
			b.ReportMetric(float64(primitiveMean.Nanoseconds()), "primitive-ns/op")
			b.ReportMetric(100*(float64(guardMean)/float64(primitiveMean)-1), "%over")
			b.ReportMetric(100*(float64(medianDuration(guardTimes))/float64(medianDuration(primitiveTimes))-1), "%over-median")
		})
	}
}

// BenchmarkAPIKey measures the API key check next to its primitive: one
// SHA-256 of the key's bytes and a constant-time compare. Everything else
// (reading the header, parsing the id, the record lookup, the second
// rotation slot, expiry, the Identity) is the guard's cost.
//
// "overhead" alternates blocks of guard checks and primitive calls (single
// calls are too short to time one by one: reading the clock would cost as
// much as the work) and reports the guard's time over the primitive's.
func BenchmarkAPIKey(b *testing.B) {
	key, hash, err := GenerateKey("bench")
	if err != nil {
		b.Fatal(err)
	}
	a := mustNew(b, Config{APIKeys: APIKeyConfig{Keys: []APIKey{{ID: "bench", Hashes: []string{hash}, Scopes: []string{"a"}}}}}, Options{})
	g := mustGuard(b, a, Policy{Methods: []Method{MethodAPIKey}})
	r := httptest.NewRequest(http.MethodGet, "/orders", nil)
	r.Header.Set("X-API-Key", key)
	want, _ := hex.DecodeString(strings.TrimPrefix(hash, "sha256:"))
	keyBytes := []byte(key)
	primitive := func() bool {
		sum := sha256.Sum256(keyBytes)
		return subtle.ConstantTimeCompare(sum[:], want) == 1
	}
	b.Run("guard", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := g.Check(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("primitive", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !primitive() {
				b.Fatal("mismatch")
			}
		}
	})
	b.Run("overhead", func(b *testing.B) {
		const block = 256
		var guardTimes, primitiveTimes []time.Duration
		for b.Loop() {
			t0 := time.Now()
			for range block {
				if _, err := g.Check(r); err != nil {
					b.Fatal(err)
				}
			}
			t1 := time.Now()
			for range block {
				if !primitive() {
					b.Fatal("mismatch")
				}
			}
			t2 := time.Now()
			guardTimes, primitiveTimes = append(guardTimes, t1.Sub(t0)), append(primitiveTimes, t2.Sub(t1))
		}
		b.ReportMetric(0, "ns/op")
		n := time.Duration(b.N * block)
		b.ReportMetric(float64((totalDuration(guardTimes) / n).Nanoseconds()), "guard-ns/op")
		b.ReportMetric(float64((totalDuration(primitiveTimes) / n).Nanoseconds()), "primitive-ns/op")
		b.ReportMetric(100*(float64(totalDuration(guardTimes))/float64(totalDuration(primitiveTimes))-1), "%over")
		b.ReportMetric(100*(float64(medianDuration(guardTimes))/float64(medianDuration(primitiveTimes))-1), "%over-median")
	})
}

// BenchmarkSignature measures an RFC 9421 Ed25519 check of a GET (parse,
// policy, base, verify; nonces off so one signed request can repeat) next
// to ed25519.Verify over the same base.
func BenchmarkSignature(b *testing.B) {
	clock := newClock()
	k := sharedKeys()
	a := mustNew(b, Config{Signatures: SignatureConfig{AllowNoNonce: true, Keys: []SignatureKey{{ID: "p", Public: k.ed.Public()}}}},
		Options{Now: clock.Now})
	g := mustGuard(b, a, Policy{Methods: []Method{MethodSignature}})
	r := httptest.NewRequest(http.MethodGet, "https://api.example/orders?page=2", nil)
	if err := sign.SignRequest(r, sign.Key{ID: "p", Algorithm: sign.Ed25519, Private: k.ed},
		sign.Options{NoNonce: true, Created: clock.Now().Add(-time.Second)}); err != nil {
		b.Fatal(err)
	}
	sigs, err := sign.ParseSignatures(r.Header)
	if err != nil {
		b.Fatal(err)
	}
	base, _ := sign.Base(r, &sigs[0].Params)
	b.Run("guard", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := g.Check(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("primitive", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ed25519.Verify(k.ed.Public().(ed25519.PublicKey), base, sigs[0].Value) {
				b.Fatal("does not verify")
			}
		}
	})
}

func totalDuration(d []time.Duration) time.Duration {
	var total time.Duration
	for _, x := range d {
		total += x
	}
	return total
}

func medianDuration(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}
