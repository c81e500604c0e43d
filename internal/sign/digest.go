package sign

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// Content-Digest algorithms (RFC 9530 §5, the "active" ones).
const (
	DigestSHA256 = "sha-256"
	DigestSHA512 = "sha-512"
)

// Errors of VerifyContentDigest.
var (
	// ErrDigestMismatch: a digest does not match the body (tampering).
	ErrDigestMismatch = errors.New("content-digest does not match the body")
	// ErrNoDigest: Content-Digest is absent or names no supported algorithm.
	ErrNoDigest = errors.New("no supported content-digest")
)

func newDigestHash(alg string) (hash.Hash, bool) {
	switch alg {
	case DigestSHA256:
		return sha256.New(), true
	case DigestSHA512:
		return sha512.New(), true
	}
	return nil, false
}

// ContentDigest returns the Content-Digest field value of body for alg,
// e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`.
func ContentDigest(alg string, body []byte) (string, error) {
	h, ok := newDigestHash(alg)
	if !ok {
		return "", fmt.Errorf("unsupported content-digest algorithm %q", alg)
	}
	h.Write(body)
	return SerializeDictionary(Dictionary{{Key: alg, Item: Item{Value: h.Sum(nil)}}})
}

// VerifyContentDigest checks the Content-Digest field lines against body.
// At least one supported algorithm must be present and every supported one
// must match; unknown algorithms are ignored (RFC 9530 §2). Comparison is
// in constant time.
func VerifyContentDigest(lines []string, body []byte) error {
	if len(lines) == 0 {
		return ErrNoDigest
	}
	d, err := ParseDictionary(strings.Join(lines, ", "))
	if err != nil {
		return fmt.Errorf("parsing Content-Digest: %w", err)
	}
	checked := 0
	for _, m := range d {
		h, ok := newDigestHash(m.Key)
		if !ok {
			continue
		}
		want, ok := m.Item.Value.([]byte)
		if m.IsList || !ok {
			return fmt.Errorf("%w: Content-Digest member %q is not a byte sequence", errSyntax, m.Key)
		}
		h.Write(body)
		if subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
			return ErrDigestMismatch
		}
		checked++
	}
	if checked == 0 {
		return ErrNoDigest
	}
	return nil
}
