package authn

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// secretBytes is the entropy of a generated key: 256 bits.
const secretBytes = 32

// GenerateKey mints an API key "rk_<id>_<secret>" with a 256-bit random
// secret and returns it with its hash for the configuration. The key is
// shown once; only the hash is ever stored.
func GenerateKey(id string) (key, hash string, err error) {
	if err := validKeyID(id); err != nil {
		return "", "", err
	}
	var b [secretBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("generating key secret: %w", err)
	}
	key = keyPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(b[:])
	return key, HashKey(key), nil
}

// HashKey returns the configuration hash of a key: "sha256:<64 hex>".
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hashPrefix + hex.EncodeToString(sum[:])
}

// RunKeysGenerate implements `rampart keys generate --id ID --scopes a,b
// [--subject S]`: it mints a key, prints it once and prints the YAML record
// to paste under the API key list of the configuration.
func RunKeysGenerate(w io.Writer, id string, scopes []string, subject string) error {
	key, hash, err := GenerateKey(id)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "API key for %q (shown once: store it in a secret manager; Rampart keeps only its hash):\n\n", id)
	fmt.Fprintf(&b, "    %s\n\n", key)
	b.WriteString("Add this record to the list of API keys in the configuration:\n\n")
	fmt.Fprintf(&b, "- id: %s\n", id)
	fmt.Fprintf(&b, "  hashes: [%s]\n", yamlString(hash))
	if subject != "" {
		fmt.Fprintf(&b, "  subject: %s\n", yamlString(subject))
	}
	if len(scopes) > 0 {
		quoted := make([]string, 0, len(scopes))
		for _, s := range scopes {
			if s = strings.TrimSpace(s); s != "" {
				quoted = append(quoted, yamlString(s))
			}
		}
		fmt.Fprintf(&b, "  scopes: [%s]\n", strings.Join(quoted, ", "))
	}
	b.WriteString("\nTo rotate: generate a new key with the same --id, add its hash as a second entry of\n" +
		"hashes, move clients to the new key, then delete the old hash.\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// yamlString quotes s as a YAML double-quoted scalar: a JSON string is one.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
