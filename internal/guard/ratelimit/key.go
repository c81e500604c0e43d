package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// ipv6LimitBits is the IPv6 prefix one client is counted by. An IPv6 host
// usually owns a whole /64 (RFC 6177 assigns at least that to a site) and
// can rotate through 2^64 addresses at will, so a per-address limit would
// not limit anything.
const ipv6LimitBits = 64

// maxRawValue is the longest identity or claim value put in a store key as
// is; longer ones are hashed so that keys stay small.
const maxRawValue = 64

// hashMark starts a hashed value. It never starts a raw one, so a raw value
// cannot collide with a hash.
const hashMark = '#'

// unknownClient is the key of requests whose client address is unknown
// (a Unix-socket listener): they share one bucket rather than escaping the
// limit.
const unknownClient = "unknown"

// appendKeyValue appends the value requests are counted by for spec to dst,
// and reports false when the request has none (no identity, no such header
// or claim): the policy then does not apply to it. Anonymous traffic is
// covered by IP policies; falling back to the IP here would silently merge
// two policies' meaning.
func appendKeyValue(dst []byte, spec *KeySpec, r *http.Request) ([]byte, bool) {
	switch spec.Kind {
	case KindIP:
		return appendClientKey(dst, pipeline.ClientIP(r)), true
	case KindIdentity:
		id := pipeline.IdentityOf(r)
		switch {
		case id == nil:
			return dst, false
		case id.Subject != "":
			return appendSafeValue(append(dst, "s:"...), id.Subject), true
		case id.KeyID != "":
			return appendSafeValue(append(dst, "k:"...), id.KeyID), true
		}
		return dst, false
	case KindHeader:
		// Header values are always hashed: the header may carry a credential
		// (an API key, a session token) and the store must never hold one in
		// clear (a Redis dump or MONITOR would leak it).
		v := r.Header[spec.Name]
		if len(v) == 0 || v[0] == "" {
			return dst, false
		}
		return appendHash(dst, v[0]), true
	case KindClaim:
		return appendClaim(dst, pipeline.IdentityOf(r), spec.Name)
	}
	return dst, false
}

// appendClientKey appends a's counting key: an IPv4 address as is, an IPv6
// address as its /64 ("2001:db8:1:2::/64").
func appendClientKey(dst []byte, a netip.Addr) []byte {
	switch {
	case !a.IsValid():
		return append(dst, unknownClient...)
	case a.Is4():
		return a.AppendTo(dst)
	}
	p, err := a.Prefix(ipv6LimitBits)
	if err != nil {
		return append(dst, unknownClient...)
	}
	dst = p.Addr().AppendTo(dst)
	return append(dst, "/64"...)
}

// appendClaim appends a verified claim's value. "tenant" is the Identity's
// Tenant when set; other claims are read from Identity.Claims and must be a
// string, number or boolean.
func appendClaim(dst []byte, id *pipeline.Identity, name string) ([]byte, bool) {
	if id == nil {
		return dst, false
	}
	if name == "tenant" && id.Tenant != "" {
		return appendSafeValue(dst, id.Tenant), true
	}
	var num [32]byte
	switch v := id.Claims[name].(type) {
	case string:
		if v != "" {
			return appendSafeValue(dst, v), true
		}
	case json.Number:
		if v != "" {
			return appendSafeValue(dst, string(v)), true
		}
	case float64:
		return appendSafeValue(dst, strconv.AppendFloat(num[:0], v, 'g', -1, 64)), true
	case int64:
		return appendSafeValue(dst, strconv.AppendInt(num[:0], v, 10)), true
	case int:
		return appendSafeValue(dst, strconv.AppendInt(num[:0], int64(v), 10)), true
	case bool:
		return appendSafeValue(dst, strconv.AppendBool(num[:0], v)), true
	}
	return dst, false
}

// appendSafeValue appends v as is when it is short printable ASCII without
// the hash mark, and its hash otherwise: a store key never carries control
// characters, spaces or unbounded attacker-sized values.
func appendSafeValue[T ~string | ~[]byte](dst []byte, v T) []byte {
	if len(v) > maxRawValue {
		return appendHash(dst, v)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f || c == hashMark {
			return appendHash(dst, v)
		}
	}
	return append(dst, v...)
}

// hashBufSize is the largest value hashed without a heap copy.
const hashBufSize = 256

// appendHash appends '#' and the first 128 bits of v's SHA-256 in hex:
// enough to keep distinct values apart, short enough for a store key.
func appendHash[T ~string | ~[]byte](dst []byte, v T) []byte {
	var sum [sha256.Size]byte
	if len(v) <= hashBufSize {
		var buf [hashBufSize]byte
		n := copy(buf[:], v)
		sum = sha256.Sum256(buf[:n])
	} else {
		sum = sha256.Sum256([]byte(v))
	}
	dst = append(dst, hashMark)
	return hex.AppendEncode(dst, sum[:16])
}
