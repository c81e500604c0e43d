package injection

import (
	"net/netip"
	"strings"
)

// Host classification for the SSRF detector. Everything here is textual:
// the detector never resolves a name (a DNS lookup per request would be an
// amplification and timing side channel, and an attacker's name can resolve
// differently later anyway: DNS rebinding). Names are judged by what they
// are known to mean; addresses by their range.

// hostClass is what a host points to, from the point of view of a server
// making a request.
type hostClass uint8

const (
	hostPublic   hostClass = iota // nothing known: a public name or address
	hostCGNAT                     // 100.64.0.0/10, shared address space
	hostPrivate                   // RFC 1918, fc00::/7, fec0::/10, link-local, internal DNS names
	hostLoopback                  // 127.0.0.0/8, ::1, 0.0.0.0, ::, localhost names
	hostMetadata                  // cloud instance metadata endpoints
)

// hostInfo is a classified host.
type hostInfo struct {
	class hostClass
	// obfuscated: an address written in a form people do not use for
	// their own services (decimal, octal or hex IPv4, short forms,
	// IPv4-mapped IPv6, a wildcard-DNS name embedding an address).
	obfuscated bool
	// integer: the host was a bare decimal integer, which in a bare value
	// is far more often a number than an address.
	integer bool
}

// classifyHost classifies a lower-case host (no port, no brackets, no
// trailing dot).
func classifyHost(h string) hostInfo {
	if h == "" {
		return hostInfo{}
	}
	if isDigit(h[0]) {
		if ip, canonical, ok := parseIPv4Loose(h); ok {
			info := classifyIPv4(ip)
			info.obfuscated = !canonical
			info.integer = strings.IndexByte(h, '.') < 0 && !strings.HasPrefix(h, "0x") && !(len(h) > 1 && h[0] == '0')
			return info
		}
	}
	if strings.IndexByte(h, ':') >= 0 {
		return classifyIPv6(h)
	}
	return classifyName(h)
}

// parseIPv4Loose parses an IPv4 address the way inet_aton and most HTTP
// clients do: one to four dot-separated parts, each decimal, octal (leading
// 0) or hex (0x); the last part fills the remaining bytes ("127.1" is
// 127.0.0.1, "2130706433" and "0x7f000001" are too). canonical is true for
// the usual four decimal parts without leading zeros.
func parseIPv4Loose(h string) (ip uint32, canonical, ok bool) {
	var parts [4]uint64
	n := 0
	canonical = true
	for i := 0; i <= len(h); {
		if n == 4 {
			return 0, false, false
		}
		j := i
		for j < len(h) && h[j] != '.' {
			j++
		}
		v, plain, ok := parseIPv4Part(h[i:j])
		if !ok {
			return 0, false, false
		}
		canonical = canonical && plain
		parts[n] = v
		n++
		i = j + 1
		if j == len(h) {
			break
		}
	}
	if n != 4 {
		canonical = false
	}
	for k := 0; k < n-1; k++ {
		if parts[k] > 0xFF {
			return 0, false, false
		}
		ip |= uint32(parts[k]) << (24 - 8*k)
	}
	last := parts[n-1]
	if last >= 1<<(8*(5-n)) {
		return 0, false, false
	}
	ip |= uint32(last)
	return ip, canonical, true
}

// parseIPv4Part parses one part; plain is true for decimal without leading
// zeros.
func parseIPv4Part(p string) (uint64, bool, bool) {
	if p == "" || len(p) > 12 {
		return 0, false, false
	}
	base, digits := uint64(10), p
	switch {
	case len(p) > 2 && p[0] == '0' && p[1] == 'x':
		base, digits = 16, p[2:]
	case p == "0x":
		return 0, false, true
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var d uint64
		switch {
		case isDigit(c):
			d = uint64(c - '0')
		case base == 16 && isHex(c):
			d = uint64(hexVal(c))
		default:
			return 0, false, false
		}
		if d >= base {
			return 0, false, false
		}
		v = v*base + d
	}
	return v, base == 10, true
}

// classifyIPv4 classifies an address by range.
func classifyIPv4(ip uint32) hostInfo {
	switch {
	case ip == 0xA9FEA9FE, // 169.254.169.254: AWS, GCP, Azure, OpenStack, …
		ip == 0x646464C8, // 100.100.100.200: Alibaba Cloud
		ip == 0xA83F8110, // 168.63.129.16: Azure wire server
		ip == 0xA9FEAA02: // 169.254.170.2: ECS task metadata
		return hostInfo{class: hostMetadata}
	case ip>>24 == 127, ip>>24 == 0:
		return hostInfo{class: hostLoopback}
	case ip>>24 == 10, ip>>20 == 0xAC1, ip>>16 == 0xC0A8, ip>>16 == 0xA9FE:
		return hostInfo{class: hostPrivate}
	case ip>>22 == 0x191: // 100.64.0.0/10
		return hostInfo{class: hostCGNAT}
	}
	return hostInfo{}
}

// metadataIPv6 is AWS's IPv6 instance metadata endpoint.
var metadataIPv6 = netip.MustParseAddr("fd00:ec2::254")

// nat64 is the well-known NAT64 prefix 64:ff9b::/96, which embeds an IPv4
// address in its last 32 bits.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// classifyIPv6 classifies an IPv6 literal (a zone, "%…", is ignored).
func classifyIPv6(h string) hostInfo {
	if i := strings.IndexByte(h, '%'); i >= 0 {
		h = h[:i]
	}
	a, err := netip.ParseAddr(h)
	if err != nil || !a.Is6() {
		return hostInfo{}
	}
	b := a.As16()
	embedded := func() hostInfo {
		info := classifyIPv4(uint32(b[12])<<24 | uint32(b[13])<<16 | uint32(b[14])<<8 | uint32(b[15]))
		info.obfuscated = true
		return info
	}
	switch {
	case a == metadataIPv6:
		return hostInfo{class: hostMetadata}
	case a.IsLoopback(), a.IsUnspecified():
		return hostInfo{class: hostLoopback}
	case a.Is4In6(), nat64.Contains(a):
		return embedded()
	case isZero(b[:12]): // deprecated IPv4-compatible ::a.b.c.d
		return embedded()
	case a.IsPrivate(), a.IsLinkLocalUnicast(), b[0] == 0xFE && b[1]&0xC0 == 0xC0:
		return hostInfo{class: hostPrivate}
	}
	return hostInfo{}
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// Names with a fixed meaning.
var (
	loopbackNames = []string{"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback",
		"localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "127.0.0.1.nip.io"}
	metadataNames = []string{"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
		"instance-data.ec2.internal", "metadata.azure.internal", "metadata.tencentyun.com",
		"metadata.packet.net", "100-100-100-200.nip.io"}
	// Suffixes whose every name resolves to loopback, or that are
	// internal-only namespaces.
	loopbackSuffixes = []string{".localhost", ".localtest.me", ".lvh.me", ".vcap.me"}
	internalSuffixes = []string{".internal", ".local", ".localdomain", ".svc", ".cluster.local", ".intranet", ".corp", ".lan", ".home.arpa"}
	// Wildcard DNS services that answer a name with the address written in
	// it ("10.0.0.1.nip.io", "10-0-0-1.sslip.io").
	wildcardDNSSuffixes = []string{".nip.io", ".sslip.io", ".xip.io", ".nip.direct", ".traefik.me"}
)

// classifyName classifies a host name.
func classifyName(h string) hostInfo {
	for _, n := range metadataNames {
		if h == n {
			return hostInfo{class: hostMetadata}
		}
	}
	for _, n := range loopbackNames {
		if h == n {
			return hostInfo{class: hostLoopback}
		}
	}
	for _, suf := range loopbackSuffixes {
		if strings.HasSuffix(h, suf) {
			return hostInfo{class: hostLoopback}
		}
	}
	for _, suf := range wildcardDNSSuffixes {
		if strings.HasSuffix(h, suf) {
			info := embeddedAddress(h[:len(h)-len(suf)])
			info.obfuscated = info.class != hostPublic
			return info
		}
	}
	if strings.HasPrefix(h, "kubernetes.default") {
		return hostInfo{class: hostPrivate}
	}
	for _, suf := range internalSuffixes {
		if strings.HasSuffix(h, suf) {
			return hostInfo{class: hostPrivate}
		}
	}
	return hostInfo{}
}

// embeddedAddress finds the address in the labels of a wildcard-DNS name:
// the last four dotted labels, or a label of four dash-separated parts, or
// one hex label.
func embeddedAddress(labels string) hostInfo {
	dotted := labels
	for n, i := 0, len(labels)-1; i >= 0; i-- {
		if labels[i] == '.' {
			n++
			if n == 4 {
				dotted = labels[i+1:]
				break
			}
		}
	}
	if ip, _, ok := parseIPv4Loose(dotted); ok && strings.Count(dotted, ".") == 3 {
		return classifyIPv4(ip)
	}
	last := labels[strings.LastIndexByte(labels, '.')+1:]
	if strings.Count(last, "-") >= 3 {
		dashed := last[strings.Index(last, "-")+1:]
		if strings.Count(last, "-") == 3 {
			dashed = last
		}
		if ip, _, ok := parseIPv4Loose(strings.ReplaceAll(dashed, "-", ".")); ok {
			return classifyIPv4(ip)
		}
	}
	if len(last) == 8 {
		if ip, _, ok := parseIPv4Loose("0x" + last); ok {
			return classifyIPv4(ip)
		}
	}
	return hostInfo{}
}
