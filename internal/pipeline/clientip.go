package pipeline

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIPResolver finds the real client address of a request. Forwarding
// headers are attacker-controlled, so they are believed only when the TCP peer
// is a trusted proxy, and then only back to the first untrusted hop: a client
// cannot spoof its address by sending its own X-Forwarded-For (CWE-348).
type ClientIPResolver struct {
	trusted []netip.Prefix
}

// NewClientIPResolver builds a resolver trusting the given CIDRs or addresses.
func NewClientIPResolver(trustedProxies []string) (*ClientIPResolver, error) {
	res := &ClientIPResolver{}
	for _, s := range trustedProxies {
		p, err := ParsePrefixOrAddr(s)
		if err != nil {
			return nil, err
		}
		res.trusted = append(res.trusted, p)
	}
	return res, nil
}

// ParsePrefixOrAddr parses "10.0.0.0/8" or a single address "10.0.0.1".
func ParsePrefixOrAddr(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid CIDR %q", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid IP address %q", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Trusted reports whether addr is a trusted proxy.
func (c *ClientIPResolver) Trusted(addr netip.Addr) bool {
	if c == nil {
		return false
	}
	for _, p := range c.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Resolve returns the client address of r. Without a trusted peer it is the
// TCP peer. With one, X-Forwarded-For (or RFC 7239 Forwarded when XFF is
// absent) is walked from the right, skipping trusted hops; the first
// untrusted hop is the client. A malformed hop stops the walk at the last
// address we could trust.
func (c *ClientIPResolver) Resolve(r *http.Request) netip.Addr {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() || !c.Trusted(peer) {
		return peer
	}
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		return c.walk(peer, xff, parseXFFHop)
	}
	if fwd := r.Header.Values("Forwarded"); len(fwd) > 0 {
		return c.walk(peer, fwd, parseForwardedHop)
	}
	return peer
}

// walk scans comma-separated hops right to left over all header lines.
func (c *ClientIPResolver) walk(peer netip.Addr, lines []string, parse func(string) (netip.Addr, bool)) netip.Addr {
	client := peer
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		for end := len(line); end >= 0; {
			start := strings.LastIndexByte(line[:end], ',') + 1
			hop, ok := parse(strings.TrimSpace(line[start:end]))
			if !ok {
				return client
			}
			client = hop
			if !c.Trusted(hop) {
				return hop
			}
			end = start - 1
		}
	}
	return client
}

// parseXFFHop parses "203.0.113.7", "203.0.113.7:4711", "2001:db8::1" or
// "[2001:db8::1]:4711".
func parseXFFHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// parseForwardedHop extracts for= from one RFC 7239 forwarded-element, e.g.
// `for=192.0.2.60;proto=http;by=203.0.113.43` or `for="[2001:db8::1]:80"`.
func parseForwardedHop(elem string) (netip.Addr, bool) {
	for elem != "" {
		pair := elem
		if i := strings.IndexByte(elem, ';'); i >= 0 {
			pair, elem = elem[:i], elem[i+1:]
		} else {
			elem = ""
		}
		pair = strings.TrimSpace(pair)
		if len(pair) < 4 || !strings.EqualFold(pair[:4], "for=") {
			continue
		}
		v := strings.Trim(pair[4:], `"`)
		if strings.HasPrefix(v, "[") {
			if end := strings.IndexByte(v, ']'); end > 0 {
				v = v[1:end]
			}
		}
		return parseXFFHop(v)
	}
	return netip.Addr{}, false
}

// peerAddr parses a net/http RemoteAddr ("ip:port").
func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}
