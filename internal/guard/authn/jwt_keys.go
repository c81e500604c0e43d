package authn

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/MicahParks/jwkset"

	"github.com/rampartsec/rampart/internal/sign"
)

// verificationKey is one key of an issuer. alg, when set (a JWK "alg" or
// a configured pin), is the only algorithm the key verifies.
type verificationKey struct {
	kid string
	alg string
	key any
}

// keySet is an immutable set of keys, replaced whole on refresh.
type keySet struct {
	byKID map[string][]verificationKey
	all   []verificationKey
}

func newKeySet(keys []verificationKey) *keySet {
	ks := &keySet{byKID: make(map[string][]verificationKey, len(keys)), all: keys}
	for _, k := range keys {
		if k.kid != "" {
			ks.byKID[k.kid] = append(ks.byKID[k.kid], k)
		}
	}
	return ks
}

// lookup returns the keys a token may be verified with: those with its kid,
// or every key when the token names none.
func (ks *keySet) lookup(kid string, hasKID bool) []verificationKey {
	if ks == nil {
		return nil
	}
	if !hasKID {
		return ks.all
	}
	return ks.byKID[kid]
}

// Algorithm families accepted for JWTs (RFC 7518 §3.1, RFC 8037).
var errUnsupportedAlg = errors.New("unsupported JWT algorithm")

func isHMACAlg(alg string) bool { return alg == "HS256" || alg == "HS384" || alg == "HS512" }

func checkAlg(alg string) error {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512":
		return nil
	}
	return fmt.Errorf("%w %q", errUnsupportedAlg, alg)
}

// keyFits reports whether key can verify alg: RSA keys only RS/PS, each
// ECDSA curve only its own ES, Ed25519 only EdDSA, secrets only HS. This is
// what defeats algorithm confusion (CVE-2015-9235 style: an HS256 token
// "signed" with the RSA public key as HMAC secret).
func keyFits(alg string, key any) bool {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		_, ok := key.(*rsa.PublicKey)
		return ok
	case "ES256":
		k, ok := key.(*ecdsa.PublicKey)
		return ok && k.Curve == elliptic.P256()
	case "ES384":
		k, ok := key.(*ecdsa.PublicKey)
		return ok && k.Curve == elliptic.P384()
	case "ES512":
		k, ok := key.(*ecdsa.PublicKey)
		return ok && k.Curve == elliptic.P521()
	case "EdDSA":
		k, ok := key.(ed25519.PublicKey)
		return ok && len(k) == ed25519.PublicKeySize
	case "HS256", "HS384", "HS512":
		_, ok := key.([]byte)
		return ok
	}
	return false
}

// publicHalf reduces a private key to its public key and checks strength.
func publicHalf(key any) (any, error) {
	if s, ok := key.(crypto.Signer); ok {
		key = s.Public()
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < sign.MinRSABits {
			return nil, fmt.Errorf("rsa key has %d bits, want at least %d", k.N.BitLen(), sign.MinRSABits)
		}
	case []byte:
		if len(k) < sign.MinHMACSecret {
			return nil, fmt.Errorf("hmac secret has %d bytes, want at least %d", len(k), sign.MinHMACSecret)
		}
	case *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
	return key, nil
}

// staticKeys loads an issuer's configured keys and checks each fits one of
// the issuer's algorithms.
func staticKeys(iss Issuer, algs []string) ([]verificationKey, error) {
	var keys []verificationKey
	for _, sk := range iss.Keys {
		k, err := publicHalf(sk.Key)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", sk.ID, err)
		}
		keys = append(keys, verificationKey{kid: sk.ID, alg: sk.Algorithm, key: k})
	}
	for _, kf := range iss.KeyFiles {
		loaded, err := loadKeyFile(kf, algs)
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", kf.Path, err)
		}
		keys = append(keys, loaded...)
	}
	for _, k := range keys {
		if err := keyUsable(k, algs); err != nil {
			return nil, fmt.Errorf("key %q: %w", k.kid, err)
		}
	}
	return keys, nil
}

// keyUsable checks a key can verify at least one of algs (and its pin,
// when set, is one of them).
func keyUsable(k verificationKey, algs []string) error {
	for _, a := range algs {
		if (k.alg == "" || k.alg == a) && keyFits(a, k.key) {
			return nil
		}
	}
	return fmt.Errorf("a %T key (alg %q) verifies none of the issuer's algorithms %v", k.key, k.alg, algs)
}

// loadKeyFile reads a PEM public key or certificate, a JWK or JWK Set, or
// (for an HMAC issuer) a base64 secret.
func loadKeyFile(kf KeyFile, algs []string) ([]verificationKey, error) {
	data, err := os.ReadFile(kf.Path)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		keys, err := parseJWKFile(trimmed)
		for i := range keys {
			if keys[i].kid == "" {
				keys[i].kid = kf.ID
			}
			if kf.Algorithm != "" {
				keys[i].alg = kf.Algorithm
			}
		}
		return keys, err
	case bytes.Contains(trimmed, []byte("-----BEGIN")):
		pub, err := sign.ParsePublicPEM(trimmed)
		if err != nil {
			return nil, err
		}
		k, err := publicHalf(pub)
		return []verificationKey{{kid: kf.ID, alg: kf.Algorithm, key: k}}, err
	}
	if !isHMACAlg(algs[0]) {
		return nil, errors.New("not a PEM key, certificate or JWK (a base64 secret needs an HMAC issuer)")
	}
	secret, err := sign.ParseSecret(trimmed)
	if err != nil {
		return nil, err
	}
	k, err := publicHalf(secret)
	return []verificationKey{{kid: kf.ID, alg: kf.Algorithm, key: k}}, err
}

// parseJWKFile parses a JWK or a JWK Set; symmetric ("oct") keys are
// allowed in files (never from a JWKS URL).
func parseJWKFile(data []byte) ([]verificationKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("parsing JSON: %w", err)
	}
	raws := set.Keys
	if raws == nil {
		raws = []json.RawMessage{data}
	}
	var keys []verificationKey
	for i, raw := range raws {
		k, err := parseJWK(raw, true)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// parseJWK turns one JWK into a verification key with the jwkset library.
// Keys meant for encryption ("use":"enc") are refused.
func parseJWK(raw json.RawMessage, allowSecret bool) (verificationKey, error) {
	var m jwkset.JWKMarshal
	if err := json.Unmarshal(raw, &m); err != nil {
		return verificationKey{}, fmt.Errorf("parsing JWK: %w", err)
	}
	if m.USE != "" && m.USE != jwkset.UseSig {
		return verificationKey{}, fmt.Errorf("JWK %q has use %q, not sig", m.KID, m.USE)
	}
	if m.KTY == jwkset.KtyOct && !allowSecret {
		return verificationKey{}, fmt.Errorf("JWK %q is a symmetric key; only static key files may hold secrets", m.KID)
	}
	// A JWK's "x5u" names a URL to fetch certificates from: never followed
	// (it would let a JWKS make the gateway fetch arbitrary URLs), so it is
	// dropped before the library sees it.
	m.X5U = ""
	// Private material (for "oct") is read only where secrets are allowed.
	jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{Private: allowSecret}, jwkset.JWKValidateOptions{})
	if err != nil {
		return verificationKey{}, fmt.Errorf("JWK %q: %w", m.KID, err)
	}
	key, err := publicHalf(jwk.Key())
	if err != nil {
		return verificationKey{}, fmt.Errorf("JWK %q: %w", m.KID, err)
	}
	return verificationKey{kid: m.KID, alg: strings.TrimSpace(string(m.ALG)), key: key}, nil
}
