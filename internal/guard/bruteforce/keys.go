package bruteforce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
)

// Mark namespaces this package writes. The ban guard reads NamespaceBan with
// keys "ip:<addr>" and "net:<prefix>"; this guard reads NamespaceLockout,
// NamespaceMonitorLockout (the lockouts of monitored endpoints, which bind
// nobody) and NamespaceTrusted itself.
const (
	NamespaceLockout        = "lockout"
	NamespaceMonitorLockout = "lockout-monitor"
	NamespaceBan            = "ban"
	NamespaceTrusted        = "trusted"
)

// markSource is the Source of every mark this package writes.
const markSource = "bruteforce"

// Key prefixes. Mark keys: "acct:<hash>", "ip:<addr>", "net:<prefix>",
// "key:<hash>". Counter and distinct keys carry counterPrefix, and a level
// ("src:", "net:", ...), so that they never collide with each other or with
// another guard's keys in a shared store.
const (
	prefixAccount = "acct:"
	prefixIP      = "ip:"
	prefixNet     = "net:"
	prefixKey     = "key:"
	counterPrefix = "bf:"
	levelSource   = "src:"
	stuffPrefix   = "bf:stuff:"
)

// The ban guard checks exactly these networks ("net:" keys of a /24 or a
// /64), so network bans use them whatever Config.Network says.
const (
	banNetBitsV4 = 24
	banNetBitsV6 = 64
)

// hashedLen is how many bytes of the HMAC name a key: 128 bits make
// collisions irrelevant and keep store keys short.
const hashedLen = 16

// hasher names secrets (usernames, API-key prefixes) by their keyed hash, so
// that a store dump or an event never holds them in clear. HMAC rather than
// a bare hash: usernames are guessable, and a salted-only hash of a known
// user list is reversed by hashing the list.
type hasher struct {
	key []byte
}

// hash returns the hex HMAC-SHA256 of domain and value. The domain keeps an
// account named "x" and an API key "x" apart.
func (h hasher) hash(domain, value string) string {
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte(domain))
	mac.Write([]byte{0})
	mac.Write([]byte(value))
	var sum [sha256.Size]byte
	return hex.EncodeToString(mac.Sum(sum[:0])[:hashedLen])
}

// networkOf returns the client's network: its /24 (IPv4) or /64 (IPv6) by
// default.
func networkOf(a netip.Addr, v4Bits, v6Bits int) netip.Prefix {
	bits := v6Bits
	if a.Is4() {
		bits = v4Bits
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.Prefix{}
	}
	return p
}

// sourceKey names the source an attempt comes from, in the ban guard's
// key format: "ip:<addr>" for IPv4, "net:<prefix>" of the /64 for IPv6.
// An IPv6 host owns its /64 and picks addresses in it at will (RFC 8981
// privacy addresses rotate on their own), so counting, locking, banning or
// trusting a single IPv6 address would be counting nothing. "" for an
// invalid address.
func sourceKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return ""
	case a.Is4():
		return prefixIP + a.String()
	}
	p, err := a.Prefix(banNetBitsV6)
	if err != nil {
		return ""
	}
	return prefixNet + p.String()
}

// banNetKey is the "net:<prefix>" ban key of an IPv4 source's /24; "" for
// IPv6, whose source already is its /64.
func banNetKey(a netip.Addr) string {
	if !a.Is4() {
		return ""
	}
	p, err := a.Prefix(banNetBitsV4)
	if err != nil {
		return ""
	}
	return prefixNet + p.String()
}
