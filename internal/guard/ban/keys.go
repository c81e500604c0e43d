package ban

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Namespace is the store.Marks namespace holding bans.
const Namespace = "ban"

// Key kinds a guard checks, and the prefixes of their ban keys.
const (
	// KindIP: one client address, key "ip:203.0.113.7" or "ip:2001:db8::1".
	KindIP = "ip"
	// KindNet: the client's network, key "net:203.0.113.0/24" or
	// "net:2001:db8:1:2::/64". IPv6 bans should be network bans: a host
	// owns a /64 and changes address within it at will.
	KindNet = "net"
	// KindSubject: an authenticated subject, key "sub:alice".
	KindSubject = "subject"
)

const (
	prefixIP      = "ip:"
	prefixNet     = "net:"
	prefixSubject = "sub:"
)

// Network sizes of net: bans. They are fixed so that a ban key maps to
// exactly one lookup per request: a guard checks the client's /24 (IPv4) or
// /64 (IPv6), and ParseKey refuses any other prefix length rather than store
// a ban that nothing would ever check.
const (
	NetBitsV4 = 24
	NetBitsV6 = 64
)

// maxSubjectLen bounds a subject in a ban key.
const maxSubjectLen = 256

// IPKey returns the ban key of one address.
func IPKey(a netip.Addr) string { return string(appendIPKey(nil, a.Unmap())) }

// NetKey returns the ban key of a's network (/24 or /64).
func NetKey(a netip.Addr) string { return string(appendNetKey(nil, a.Unmap())) }

// SubjectKey returns the ban key of an authenticated subject.
func SubjectKey(subject string) string { return prefixSubject + subject }

func appendIPKey(dst []byte, a netip.Addr) []byte {
	return a.AppendTo(append(dst, prefixIP...))
}

func appendNetKey(dst []byte, a netip.Addr) []byte {
	bits := NetBitsV6
	if a.Is4() {
		bits = NetBitsV4
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return nil
	}
	return p.AppendTo(append(dst, prefixNet...))
}

// ParseKey validates and normalises a ban key given by an operator or
// another component: "ip:ADDR", "net:CIDR", "sub:SUBJECT", or a bare
// address or CIDR. Addresses are unmapped (::ffff:192.0.2.1 is 192.0.2.1),
// CIDRs masked; a CIDR must be a /24 (IPv4) or /64 (IPv6), the networks the
// guard checks.
func ParseKey(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, prefixSubject):
		sub := s[len(prefixSubject):]
		if sub == "" || len(sub) > maxSubjectLen || strings.ContainsFunc(sub, isControl) {
			return "", fmt.Errorf("invalid subject in ban key %q", s)
		}
		return s, nil
	case strings.HasPrefix(s, prefixIP):
		return parseAddrKey(s[len(prefixIP):])
	case strings.HasPrefix(s, prefixNet):
		return parseNetKey(s[len(prefixNet):])
	case strings.Contains(s, "/"):
		return parseNetKey(s)
	case s == "":
		return "", errors.New("empty ban key")
	}
	return parseAddrKey(s)
}

func parseAddrKey(s string) (string, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return "", fmt.Errorf("invalid IP address %q in ban key", s)
	}
	return IPKey(a), nil
}

func parseNetKey(s string) (string, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Zone() != "" {
		return "", fmt.Errorf("invalid network %q in ban key", s)
	}
	a := p.Addr().Unmap()
	bits := p.Bits()
	if p.Addr().Is4In6() {
		bits -= 96
	}
	want := NetBitsV6
	if a.Is4() {
		want = NetBitsV4
	}
	if bits != want {
		return "", fmt.Errorf("network %q in ban key: only /%d (IPv4) and /%d (IPv6) networks are checked", s, NetBitsV4, NetBitsV6)
	}
	return NetKey(a), nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// KindOf returns the kind of a ban key ("ip", "net", "subject"), or "".
func KindOf(key string) string {
	switch {
	case strings.HasPrefix(key, prefixIP):
		return KindIP
	case strings.HasPrefix(key, prefixNet):
		return KindNet
	case strings.HasPrefix(key, prefixSubject):
		return KindSubject
	}
	return ""
}
