package objects

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Bounds on the parts of a mark key kept verbatim; longer or odd values
// are stored as a hash. Keys stay readable for operators listing marks in
// the common case and bounded (store.MaxMarkKeyLen) in every case.
const (
	maxVerbatimPrincipal = 96
	maxVerbatimID        = 128
	// hashPrefix starts a hashed part. It is outside the verbatim
	// alphabet of principals and never starts a verbatim id, so a hash
	// never equals a verbatim value.
	hashPrefix = '#'
	// hashHexLen keeps 128 bits of SHA-256: collisions are out of reach.
	hashHexLen = 32
)

// markKey builds "<namespace>:<principal>:<id>", the key of the mark that
// says id was served to the identity. The principal is the subject, or
// "tenant/subject" when the identity has a tenant (one IdP may issue the
// same subject in two tenants). The principal contains no ":", so the key
// splits unambiguously however the id is spelt: subject "a:b" with id "c"
// and subject "a" with id "b:c" cannot share a key.
func markKey(namespace string, id *pipeline.Identity, objectID string) string {
	var buf [16 + maxVerbatimPrincipal + maxVerbatimID + 4]byte
	k := append(buf[:0], namespace...)
	k = append(k, ':')
	k = appendPrincipal(k, id.Tenant, id.Subject)
	k = append(k, ':')
	if len(objectID) <= maxVerbatimID && objectID != "" && objectID[0] != hashPrefix && printable(objectID) {
		k = append(k, objectID...)
	} else {
		sum := sha256.Sum256([]byte(objectID))
		k = appendHash(k, sum)
	}
	return string(k)
}

// appendPrincipal appends the subject (or tenant/subject) verbatim when it
// is short and plain, and its hash otherwise.
func appendPrincipal(k []byte, tenant, subject string) []byte {
	n := len(subject)
	if tenant != "" {
		n += 1 + len(tenant)
	}
	if n <= maxVerbatimPrincipal && plainPrincipal(subject) && (tenant == "" || plainPrincipal(tenant)) {
		if tenant != "" {
			k = append(append(k, tenant...), '/')
		}
		return append(k, subject...)
	}
	// Length-prefix the tenant, so ("a", "bc") and ("ab", "c") differ.
	h := sha256.New()
	var n8 [8]byte
	binary.BigEndian.PutUint64(n8[:], uint64(len(tenant)))
	h.Write(n8[:])
	h.Write([]byte(tenant))
	h.Write([]byte(subject))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return appendHash(k, sum)
}

func appendHash(k []byte, sum [sha256.Size]byte) []byte {
	k = append(k, hashPrefix)
	return hex.AppendEncode(k, sum[:hashHexLen/2])
}

// plainPrincipal accepts a non-empty [A-Za-z0-9._@+=|-]*: user names,
// emails, UUIDs, "auth0|123". Not ":", "/" or "#", which structure keys.
func plainPrincipal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '@' || c == '+' || c == '=' || c == '|' || c == '-') {
			return false
		}
	}
	return true
}

// printable reports whether s is printable ASCII: other ids are hashed so
// that no key carries control characters into logs or the admin API.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
