package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// kidDomain separates key-id derivation from other uses of the key.
const kidDomain = "rampart-audit-kid-v1\n"

// DeriveKeyID names an HMAC key by the first 8 bytes of a domain-separated
// SHA-256 of it: stable, so the writer and the verifier agree without
// configuration, and useless for recovering a 256-bit key.
func DeriveKeyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte(kidDomain))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// SignerID names an Ed25519 public key: the first 8 bytes of its SHA-256, in
// hex. Checkpoints carry it so a verifier holding the wrong public key says
// so instead of reporting forged signatures.
func SignerID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// ParseHMACKey decodes key text: hex (64 or more digits) or standard or URL
// base64 of at least 32 bytes, surrounding whitespace ignored. Raw text is
// refused: a password typed by a human is not a 256-bit key.
func ParseHMACKey(text []byte) ([]byte, error) {
	s := strings.TrimSpace(string(text))
	if s == "" {
		return nil, errors.New("audit: hmac key is empty")
	}
	decoded := false
	if k, err := hex.DecodeString(s); err == nil {
		if len(k) >= minHMACKeyBytes {
			return k, nil
		}
		decoded = true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) >= minHMACKeyBytes {
				return k, nil
			}
			decoded = true
		}
	}
	if decoded {
		return nil, fmt.Errorf("audit: hmac key is shorter than %d bytes", minHMACKeyBytes)
	}
	return nil, errors.New("audit: hmac key is neither hex nor base64")
}

// LoadHMACKey reads the HMAC key from the environment variable envVar when
// it is set and not empty, else from file; kid names it, or is derived with
// DeriveKeyID when empty. It never puts key material in an error.
func LoadHMACKey(envVar, file, kid string) (string, []byte, error) {
	var text []byte
	switch {
	case envVar != "" && os.Getenv(envVar) != "":
		text = []byte(os.Getenv(envVar))
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", nil, fmt.Errorf("audit: reading hmac key file: %w", err)
		}
		text = b
	case envVar != "":
		return "", nil, fmt.Errorf("audit: hmac key environment variable %s is not set", envVar)
	default:
		return "", nil, errors.New("audit: no hmac key configured (hmac_key_env or hmac_key_file)")
	}
	key, err := ParseHMACKey(text)
	if err != nil {
		return "", nil, err
	}
	if kid == "" {
		kid = DeriveKeyID(key)
	}
	if !validKeyID(kid) {
		return "", nil, fmt.Errorf("audit: key id %q: want 1-64 of A-Z a-z 0-9 . _ : -", kid)
	}
	return kid, key, nil
}

// LoadKeySpec loads a verification key named on the command line: "VAR" or
// "KID=VAR" for an environment variable (fromEnv), "PATH" or "KID=PATH" for
// a file. Without KID the key id is derived, which matches a writer that
// was not given key_id.
func LoadKeySpec(spec string, fromEnv bool) (string, []byte, error) {
	kid, src, ok := strings.Cut(spec, "=")
	if !ok {
		kid, src = "", spec
	}
	if src == "" {
		return "", nil, fmt.Errorf("audit: key spec %q names no source", spec)
	}
	if fromEnv {
		return LoadHMACKey(src, "", kid)
	}
	return LoadHMACKey("", src, kid)
}

// GenerateHMACKey returns 32 random bytes in hex, the form ParseHMACKey reads.
func GenerateHMACKey() (string, error) {
	k := make([]byte, minHMACKeyBytes)
	if _, err := rand.Read(k); err != nil {
		return "", fmt.Errorf("audit: generating hmac key: %w", err)
	}
	return hex.EncodeToString(k), nil
}

// Private key files are written 0600: whoever reads the signing key can
// forge checkpoints. Public keys are meant to be copied anywhere.
const (
	privateKeyMode = 0o600
	publicKeyMode  = 0o644
)

// WriteKeyPair writes a new Ed25519 key pair as PEM (PKCS #8 private key,
// PKIX public key). It refuses to overwrite existing files, so a slip cannot
// destroy the key that signed an existing log.
func WriteKeyPair(privPath, pubPath string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("audit: generating signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("audit: encoding signing key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("audit: encoding public key: %w", err)
	}
	if err := writeNewFile(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), privateKeyMode); err != nil {
		return nil, err
	}
	if err := writeNewFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), publicKeyMode); err != nil {
		return nil, err
	}
	return pub, nil
}

// writeNewFile creates path (failing if it exists), writes b and syncs.
func writeNewFile(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("audit: creating key file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("audit: writing key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("audit: syncing key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("audit: closing key file: %w", err)
	}
	return nil
}

// LoadSigningKey reads an Ed25519 private key from a PEM file (PKCS #8).
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	block, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit: parsing signing key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit: signing key %s is not Ed25519", path)
	}
	return priv, nil
}

// LoadPublicKey reads an Ed25519 public key from a PEM file (PKIX).
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	block, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit: parsing public key %s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("audit: public key %s is not Ed25519", path)
	}
	return pub, nil
}

func readPEM(path, typ string) (*pem.Block, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: reading key file: %w", err)
	}
	for rest := b; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("audit: %s holds no %q PEM block", path, typ)
		}
		if block.Type == typ {
			return block, nil
		}
		if len(bytes.TrimSpace(rest)) == 0 {
			return nil, fmt.Errorf("audit: %s holds no %q PEM block", path, typ)
		}
	}
}
