package redisstore

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/rampartsec/rampart/internal/store"
)

// maxRawKey is the longest client-chosen key part stored as is.
const maxRawKey = 128

// keyPart makes a client-chosen key safe to put inside a hash tag: kept as
// is when short and free of braces, else replaced by '#' and its SHA-256.
// A raw key starting with '#' is hashed too, so no client can name the
// hashed form of another client's key.
func keyPart(k string) string {
	if k != "" && len(k) <= maxRawKey && k[0] != '#' && !strings.ContainsAny(k, "{}") {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "#" + hex.EncodeToString(sum[:])
}

// key names one single-key structure: "<prefix>:<kind>:{<key>}".
func (s *Store) key(kind, k string) string {
	return s.prefix + ":" + kind + ":{" + keyPart(k) + "}"
}

// limitKeys names the state of each of key's limits:
// "<prefix>:gcra:{<key>}" for the unnamed one, with ":<name>" appended
// for the others. The name stays outside the hash tag, so all the limits
// of a key share its slot and one script decides them on Redis Cluster.
// Names are validated (at most 64 bytes, no braces) before this is called.
func (s *Store) limitKeys(key string, limits []store.NamedLimit) []string {
	base := s.key("gcra", key)
	keys := make([]string, len(limits))
	for i, l := range limits {
		keys[i] = base
		if l.Name != "" {
			keys[i] = base + ":" + l.Name
		}
	}
	return keys
}

// markKeys names a namespace's hash of marks and its sorted set of expiry
// times; the shared hash tag keeps them in one cluster slot. Namespaces
// are validated (non-empty, no braces) before this is called.
func (s *Store) markKeys(ns string) []string {
	base := s.prefix + ":mark:{" + ns + "}"
	return []string{base + ":data", base + ":until"}
}
