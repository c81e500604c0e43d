package sign

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// LoadKey reads a signing key file; see ParseKey.
func LoadKey(path, id string, alg Algorithm) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("reading signing key: %w", err)
	}
	k, err := ParseKey(data, id, alg)
	if err != nil {
		return Key{}, fmt.Errorf("signing key %s: %w", path, err)
	}
	return k, nil
}

// ParseKey parses a signing key: a PEM private key (PKCS #8, PKCS #1 RSA or
// SEC 1 EC), or for hmac-sha256 a base64 secret. An empty alg is inferred
// from the key type (AlgorithmFor); HMAC must be named.
func ParseKey(data []byte, id string, alg Algorithm) (Key, error) {
	k := Key{ID: id, Algorithm: alg}
	if alg == HMACSHA256 {
		secret, err := ParseSecret(data)
		if err != nil {
			return Key{}, err
		}
		k.Secret = secret
		return k, k.Validate()
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return Key{}, errors.New("no PEM block found")
	}
	var priv any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		priv, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return Key{}, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return Key{}, fmt.Errorf("parsing private key: %w", err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return Key{}, fmt.Errorf("unsupported private key type %T", priv)
	}
	k.Private = signer
	if k.Algorithm == "" {
		if k.Algorithm, err = AlgorithmFor(signer); err != nil {
			return Key{}, err
		}
	}
	return k, k.Validate()
}

// LoadPublicKey reads a verification key file; see ParsePublicKey.
func LoadPublicKey(path, id string, alg Algorithm) (PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return PublicKey{}, fmt.Errorf("reading verification key: %w", err)
	}
	k, err := ParsePublicKey(data, id, alg)
	if err != nil {
		return PublicKey{}, fmt.Errorf("verification key %s: %w", path, err)
	}
	return k, nil
}

// ParsePublicKey parses a verification key: a PEM public key (PKIX "PUBLIC
// KEY", PKCS #1 "RSA PUBLIC KEY") or certificate, or for hmac-sha256 a
// base64 secret. An empty alg is inferred from the key type.
func ParsePublicKey(data []byte, id string, alg Algorithm) (PublicKey, error) {
	k := PublicKey{ID: id, Algorithm: alg}
	if alg == HMACSHA256 {
		secret, err := ParseSecret(data)
		if err != nil {
			return PublicKey{}, err
		}
		k.Secret = secret
		return k, k.Validate()
	}
	pub, err := ParsePublicPEM(data)
	if err != nil {
		return PublicKey{}, err
	}
	k.Public = pub
	if k.Algorithm == "" {
		if k.Algorithm, err = AlgorithmFor(pub); err != nil {
			return PublicKey{}, err
		}
	}
	return k, k.Validate()
}

// ParsePublicPEM parses the first PEM block of data as a PKIX public key,
// a PKCS #1 RSA public key or a certificate (whose public key is returned).
func ParsePublicPEM(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing public key: %w", err)
		}
		return pub, nil
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing public key: %w", err)
		}
		return pub, nil
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing certificate: %w", err)
		}
		return cert.PublicKey, nil
	}
	return nil, fmt.Errorf("PEM block %q is not a public key or certificate", block.Type)
}

// ParseSecret decodes a base64 secret (standard or URL alphabet, padded or
// not), ignoring surrounding whitespace.
func ParseSecret(data []byte) ([]byte, error) {
	s := strings.TrimSpace(string(data))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("secret is not base64")
}
