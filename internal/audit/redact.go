package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Credentials appear in the audit log only as keyed hashes ("h:" and 32 hex
// digits). The hash key is derived from the HMAC key, not stored in the log:
// a plain salted hash with the salt beside it would let anyone who reads the
// log brute-force a short password offline, while an investigator who holds
// the HMAC key can still answer "was credential X used?" with HashSecret.
// Hashes are comparable between records under the same key id.

// redactDomain derives the hashing key from the HMAC key.
const redactDomain = "rampart-audit-redact-v1"

type secretHasher struct{ key []byte }

func newSecretHasher(hmacKey []byte) secretHasher {
	m := hmac.New(sha256.New, hmacKey)
	m.Write([]byte(redactDomain))
	return secretHasher{key: m.Sum(nil)}
}

func (s secretHasher) hash(v string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(v))
	var sum [sha256.Size]byte
	return "h:" + hex.EncodeToString(m.Sum(sum[:0])[:16])
}

// redact copies at most limit entries of fields, hashing the values of
// secret-looking names and credential-looking values and clipping the rest.
func (s secretHasher) redact(fields map[string]string, limit int) map[string]string {
	if len(fields) == 0 {
		return nil
	}
	out := make(map[string]string, min(len(fields), limit))
	for k, v := range fields {
		if len(out) == limit {
			out["_truncated"] = "true"
			break
		}
		k = clip(k, maxShortField)
		if IsSecretName(k) || looksLikeCredential(v) {
			out[k] = s.hash(v)
			continue
		}
		out[k] = clip(v, maxTextField)
	}
	return out
}

// HashSecret returns the "h:…" form a credential takes in records written
// under hmacKey, so an investigator can look for a known credential.
func HashSecret(hmacKey []byte, value string) string {
	return newSecretHasher(hmacKey).hash(value)
}

// secretNameParts are substrings of field names whose values are secrets.
var secretNameParts = []string{
	"password", "passwd", "passphrase", "pwd", "secret", "token", "authorization",
	"cookie", "credential", "apikey", "privatekey", "session", "bearer", "key",
}

// publicNameSuffixes name non-secret facts about a secret (its id, its
// public prefix, its hash) that investigators need in clear.
var publicNameSuffixes = []string{"id", "ids", "prefix", "fingerprint", "hash", "name", "type", "count"}

// IsSecretName reports whether a field called name holds a secret:
// passwords, tokens, keys, cookies, Authorization and the like ("api_key",
// "X-Auth-Token", "password"), but not their ids ("key_id", "token_name").
func IsSecretName(name string) bool {
	n := normalizeName(name)
	for _, s := range publicNameSuffixes {
		if strings.HasSuffix(n, s) && len(n) > len(s) {
			return false
		}
	}
	for _, p := range secretNameParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// normalizeName lower-cases name and drops everything but letters and
// digits, so "X-API-Key", "api_key" and "apiKey" compare alike.
func normalizeName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		}
	}
	return b.String()
}

// looksLikeCredential catches credentials under innocent names: HTTP auth
// header values and JWTs (RFC 7519: three base64url parts, the header
// starting with "eyJ", the encoding of `{"`).
func looksLikeCredential(v string) bool {
	lv := strings.ToLower(v)
	for _, p := range []string{"bearer ", "basic ", "digest ", "negotiate "} {
		if strings.HasPrefix(lv, p) {
			return true
		}
	}
	return strings.HasPrefix(v, "eyJ") && strings.Count(v, ".") == 2
}
