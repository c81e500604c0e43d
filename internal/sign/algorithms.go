package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Algorithm is an RFC 9421 §6.2.2 signature algorithm name.
type Algorithm string

// The algorithms Rampart signs and verifies. rsa-v1_5-sha256 and
// ecdsa-p384-sha384 are left out on purpose: partners get one strong choice
// per key type.
const (
	// Ed25519 is EdDSA over Curve25519 (RFC 9421 §3.3.6).
	Ed25519 Algorithm = "ed25519"
	// ECDSAP256SHA256 is ECDSA over P-256 with SHA-256; the signature is the
	// raw 64-byte r||s, not ASN.1 (RFC 9421 §3.3.4).
	ECDSAP256SHA256 Algorithm = "ecdsa-p256-sha256"
	// RSAPSSSHA512 is RSASSA-PSS with SHA-512, MGF1-SHA-512 and a 64-byte
	// salt (RFC 9421 §3.3.1).
	RSAPSSSHA512 Algorithm = "rsa-pss-sha512"
	// HMACSHA256 is HMAC with SHA-256 over a shared secret (RFC 9421 §3.3.3).
	HMACSHA256 Algorithm = "hmac-sha256"
)

// Minimum key strengths accepted when a key is built.
const (
	// MinRSABits is the smallest RSA modulus accepted.
	MinRSABits = 2048
	// MinHMACSecret is the smallest HMAC secret accepted, in bytes.
	MinHMACSecret = 32
)

// pssOptions fixes the salt length instead of letting verification
// auto-detect it, as RFC 9421 §3.3.1 prescribes.
var pssOptions = &rsa.PSSOptions{SaltLength: 64, Hash: crypto.SHA512}

// ErrSignatureInvalid is returned when a signature does not verify.
var ErrSignatureInvalid = errors.New("signature does not verify")

// Key is a signing key: Private for the asymmetric algorithms
// (ed25519.PrivateKey, *ecdsa.PrivateKey on P-256, *rsa.PrivateKey) or
// Secret for hmac-sha256.
type Key struct {
	// ID is sent as the keyid parameter.
	ID        string
	Algorithm Algorithm
	Private   crypto.Signer
	Secret    []byte
}

// Validate checks that the key material fits the algorithm.
func (k Key) Validate() error {
	if k.ID == "" {
		return errors.New("key has no id")
	}
	if k.Algorithm == HMACSHA256 {
		return checkSecret(k.Secret)
	}
	if k.Private == nil {
		return fmt.Errorf("key %q has no private key", k.ID)
	}
	return checkPublic(k.Algorithm, k.Private.Public())
}

// Public returns the verifying half of k.
func (k Key) Public() PublicKey {
	pk := PublicKey{ID: k.ID, Algorithm: k.Algorithm, Secret: k.Secret}
	if k.Private != nil {
		pk.Public = k.Private.Public()
	}
	return pk
}

// Sign signs the signature base with k. rng supplies randomness for ECDSA
// and RSA-PSS; nil means crypto/rand.
func (k Key) Sign(rng io.Reader, base []byte) ([]byte, error) {
	if rng == nil {
		rng = rand.Reader
	}
	switch k.Algorithm {
	case Ed25519:
		priv, ok := k.Private.(ed25519.PrivateKey)
		if !ok {
			return nil, errKeyType(k.Algorithm, k.Private)
		}
		return ed25519.Sign(priv, base), nil
	case ECDSAP256SHA256:
		priv, ok := k.Private.(*ecdsa.PrivateKey)
		if !ok || priv.Curve != elliptic.P256() {
			return nil, errKeyType(k.Algorithm, k.Private)
		}
		h := sha256.Sum256(base)
		r, s, err := ecdsa.Sign(rng, priv, h[:])
		if err != nil {
			return nil, fmt.Errorf("ecdsa signing: %w", err)
		}
		// RFC 9421 §3.3.4: r and s as 32-byte big-endian integers, concatenated.
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, nil
	case RSAPSSSHA512:
		priv, ok := k.Private.(*rsa.PrivateKey)
		if !ok {
			return nil, errKeyType(k.Algorithm, k.Private)
		}
		h := sha512.Sum512(base)
		return rsa.SignPSS(rng, priv, crypto.SHA512, h[:], pssOptions)
	case HMACSHA256:
		if err := checkSecret(k.Secret); err != nil {
			return nil, err
		}
		m := hmac.New(sha256.New, k.Secret)
		m.Write(base)
		return m.Sum(nil), nil
	}
	return nil, fmt.Errorf("unsupported algorithm %q", k.Algorithm)
}

// PublicKey verifies signatures: Public for the asymmetric algorithms
// (ed25519.PublicKey, *ecdsa.PublicKey on P-256, *rsa.PublicKey) or
// Secret for hmac-sha256.
type PublicKey struct {
	ID        string
	Algorithm Algorithm
	Public    crypto.PublicKey
	Secret    []byte
}

// Validate checks that the key material fits the algorithm, so that a
// verifier built from it never meets a type mismatch on the request path.
func (k PublicKey) Validate() error {
	if k.ID == "" {
		return errors.New("key has no id")
	}
	if k.Algorithm == HMACSHA256 {
		return checkSecret(k.Secret)
	}
	return checkPublic(k.Algorithm, k.Public)
}

// Verify checks sig over base. The algorithm is the key's, never one named
// by the message (RFC 9421 §3.2 step 5: an attacker must not pick it).
func (k PublicKey) Verify(base, sig []byte) error {
	switch k.Algorithm {
	case Ed25519:
		pub, ok := k.Public.(ed25519.PublicKey)
		if !ok {
			return errKeyType(k.Algorithm, k.Public)
		}
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, base, sig) {
			return ErrSignatureInvalid
		}
		return nil
	case ECDSAP256SHA256:
		pub, ok := k.Public.(*ecdsa.PublicKey)
		if !ok {
			return errKeyType(k.Algorithm, k.Public)
		}
		if len(sig) != 64 {
			return ErrSignatureInvalid
		}
		h := sha256.Sum256(base)
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, h[:], r, s) {
			return ErrSignatureInvalid
		}
		return nil
	case RSAPSSSHA512:
		pub, ok := k.Public.(*rsa.PublicKey)
		if !ok {
			return errKeyType(k.Algorithm, k.Public)
		}
		h := sha512.Sum512(base)
		if rsa.VerifyPSS(pub, crypto.SHA512, h[:], sig, pssOptions) != nil {
			return ErrSignatureInvalid
		}
		return nil
	case HMACSHA256:
		if len(k.Secret) == 0 {
			return errKeyType(k.Algorithm, nil)
		}
		m := hmac.New(sha256.New, k.Secret)
		m.Write(base)
		if !hmac.Equal(m.Sum(nil), sig) {
			return ErrSignatureInvalid
		}
		return nil
	}
	return fmt.Errorf("unsupported algorithm %q", k.Algorithm)
}

func errKeyType(alg Algorithm, key any) error {
	return fmt.Errorf("key of type %T does not fit algorithm %s", key, alg)
}

func checkSecret(secret []byte) error {
	if len(secret) < MinHMACSecret {
		return fmt.Errorf("hmac secret has %d bytes, want at least %d", len(secret), MinHMACSecret)
	}
	return nil
}

func checkPublic(alg Algorithm, pub crypto.PublicKey) error {
	switch alg {
	case Ed25519:
		if k, ok := pub.(ed25519.PublicKey); ok && len(k) == ed25519.PublicKeySize {
			return nil
		}
	case ECDSAP256SHA256:
		if k, ok := pub.(*ecdsa.PublicKey); ok && k.Curve == elliptic.P256() {
			return nil
		}
	case RSAPSSSHA512:
		if k, ok := pub.(*rsa.PublicKey); ok {
			if k.N.BitLen() < MinRSABits {
				return fmt.Errorf("rsa key has %d bits, want at least %d", k.N.BitLen(), MinRSABits)
			}
			return nil
		}
	case HMACSHA256:
		return errors.New("hmac-sha256 takes a secret, not a public key")
	default:
		return fmt.Errorf("unsupported algorithm %q", alg)
	}
	return errKeyType(alg, pub)
}

// AlgorithmFor returns the algorithm Rampart uses for a key type:
// Ed25519 keys sign with ed25519, P-256 keys with ecdsa-p256-sha256 and RSA
// keys with rsa-pss-sha512.
func AlgorithmFor(key any) (Algorithm, error) {
	switch k := key.(type) {
	case ed25519.PublicKey, ed25519.PrivateKey:
		return Ed25519, nil
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return ECDSAP256SHA256, nil
		}
	case *ecdsa.PrivateKey:
		if k.Curve == elliptic.P256() {
			return ECDSAP256SHA256, nil
		}
	case *rsa.PublicKey, *rsa.PrivateKey:
		return RSAPSSSHA512, nil
	}
	return "", fmt.Errorf("no supported signature algorithm for a key of type %T", key)
}
