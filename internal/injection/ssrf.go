package injection

import "strings"

// Server-side request forgery (CWE-918, OWASP API7:2023).
//
// What it catches: URLs and host names that make a server fetch from
// places only it can reach: loopback (127.0.0.0/8, ::1, localhost and
// names that resolve to it such as *.localtest.me), private ranges (RFC
// 1918, fc00::/7, link-local), 0.0.0.0, and cloud metadata endpoints
// (169.254.169.254, fd00:ec2::254, metadata.google.internal, Alibaba's
// 100.100.100.200). Addresses are recognised in the forms HTTP clients
// accept: decimal (2130706433), octal (0177.0.0.1), hex (0x7f.1,
// 0x7f000001), short (127.1), IPv6 ([::1]), IPv4-mapped ([::ffff:127.0.0.1],
// [::ffff:7f00:1]), NAT64, and wildcard DNS (10.0.0.1.nip.io). Parser
// confusion is handled by checking every host a parser might pick:
// "http://a@127.0.0.1", "http://evil.com\@127.0.0.1", "http://x#@127.0.0.1".
// gopher://, dict://, tftp:// and file:// URLs are flagged whatever the host
// (they turn a fetch into a protocol smuggler or a file read).
//
// How: textual only. No DNS lookup is ever made (it would be slow, an
// amplification vector, and a rebinding attacker's answer changes anyway).
//
// False-positive care: URLs to public hosts pass. A URL to an internal host
// inside prose counts one tier lower than a value that is the URL. In
// headers, where Referer, Origin and forwarding headers name internal hosts
// all day, only metadata endpoints, obfuscated addresses and dangerous
// schemes count (loopback and private URLs are High-only). A bare value
// that is just an address counts (loopback likely, metadata strong) but a
// bare private address is a High-only hint, a bare integer is never an
// address, and headers and paths are not read for bare hosts.
//
// Tuning: disable "ssrf" on routes that legitimately take internal URLs
// (an admin API registering backends).
var ssrfDetector = detector{rule: ruleSSRF, contexts: valueContexts &^ setOf(JSONKey), detect: detectSSRF}

func detectSSRF(in *input, v *variant) hit {
	var best hit
	s := v.fold
	if v.mask.any(cColon) && strings.Contains(s, "://") {
		ssrfURLs(in, s, &best)
	}
	if best.score < scoreStrong && (strings.HasPrefix(s, "//") || strings.HasPrefix(s, `\\`)) {
		// Protocol-relative URL or UNC path: the host follows.
		ssrfAuthority(in, s, 2, true, "", &best)
	}
	if best.score < scoreStrong && v.mask.any(cDigit|cDot|cColon) && bareHostContext(in.ctx) {
		ssrfBareHost(in, s, &best)
	}
	return best
}

// dangerousSchemes are URL schemes a server-side fetcher should never
// follow: they write raw bytes to any TCP port (gopher, dict, tftp) or read
// local files (file, netdoc, jar). ldap:// is the JNDI detector's business.
var dangerousSchemes = []string{"gopher", "dict", "tftp", "file", "netdoc", "jar"}

// maxAuthority bounds how far an authority is read.
const maxAuthority = 256

// ssrfURLs checks every "scheme://authority" in s.
func ssrfURLs(in *input, s string, best *hit) {
	for i := strings.Index(s, "://"); i >= 0; {
		start := i
		for start > 0 && i-start < 16 && (isAlpha(s[start-1]) || isDigit(s[start-1]) || s[start-1] == '+' || s[start-1] == '-' || s[start-1] == '.') {
			start--
		}
		scheme := s[start:i]
		if scheme != "" {
			for _, d := range dangerousSchemes {
				if scheme == d {
					best.offer(hit{score: scoreStrong, start: start, end: i + 3, inFold: true, reason: "dangerous scheme"})
					return
				}
			}
			ssrfAuthority(in, s, i+3, standalone(s, start), scheme, best)
			if best.score >= scoreStrong {
				return
			}
		}
		next := strings.Index(s[i+3:], "://")
		if next < 0 {
			return
		}
		i += 3 + next
	}
}

// standalone reports whether the URL starting at i is the value itself (or
// a quoted or assigned part of it) rather than a URL mentioned in prose.
func standalone(s string, i int) bool {
	j := skipSpaceBack(s, i-1)
	if j < 0 {
		return true
	}
	return strings.IndexByte("=:'\"(<[{,@", s[j]) >= 0
}

// ssrfAuthority classifies the hosts a parser might take from the
// authority starting at i, and offers the worst.
func ssrfAuthority(in *input, s string, i int, standalone bool, scheme string, best *hit) {
	// The strict authority ends at the first / ? # \ (WHATWG); the loose
	// one only at whitespace or quotes, for parsers that take the last '@'
	// wherever it is.
	loose := i
	for loose < len(s) && loose-i < maxAuthority && !isSpace(s[loose]) && strings.IndexByte("'\"<>`", s[loose]) < 0 {
		loose++
	}
	strict := i
	for strict < loose && strings.IndexByte("/?#\\", s[strict]) < 0 {
		strict++
	}
	worst := hostInfo{}
	consider := func(h string) {
		if info := classifyHost(hostOf(h)); info.class > worst.class || (info.class == worst.class && info.obfuscated) {
			worst = info
		}
	}
	auth := s[i:strict]
	consider(afterLast(auth, '@'))
	if at := strings.IndexByte(auth, '@'); at >= 0 {
		consider(auth[:at]) // "http://127.0.0.1:80@evil.com" for parsers that stop at ':'
	}
	if at := strings.LastIndexByte(s[i:loose], '@'); at >= 0 {
		rest := s[i+at+1 : loose]
		end := 0
		for end < len(rest) && strings.IndexByte("/?#\\", rest[end]) < 0 {
			end++
		}
		consider(rest[:end])
	}
	if worst.class == hostPublic {
		return
	}
	ssrfRate(in, worst, standalone, hit{start: i, end: strict, inFold: true}, best)
}

// afterLast returns s after the last sep, or s.
func afterLast(s string, sep byte) string {
	return s[strings.LastIndexByte(s, sep)+1:]
}

// hostOf strips the port, IPv6 brackets and a trailing dot from an
// authority's host part.
func hostOf(a string) string {
	if strings.HasPrefix(a, "[") {
		if end := strings.IndexByte(a, ']'); end > 0 {
			return a[1:end]
		}
		return a[1:]
	}
	if c := strings.IndexByte(a, ':'); c >= 0 {
		if strings.Count(a, ":") > 1 {
			return a // an unbracketed IPv6 literal
		}
		a = a[:c]
	}
	return strings.TrimSuffix(a, ".")
}

// ssrfRate scores a URL's host.
func ssrfRate(in *input, info hostInfo, standalone bool, h hit, best *hit) {
	switch {
	case info.class == hostMetadata:
		h.score, h.reason = scoreStrong, "metadata address"
	case info.class == hostCGNAT:
		if in.high() {
			h.score, h.reason = scoreWeak, "shared address"
		}
	case info.obfuscated:
		h.score, h.reason = scoreStrong, "obfuscated address"
	case in.ctx == Header:
		if in.high() {
			h.score, h.reason = scoreWeak, "internal address"
		}
	case info.class == hostLoopback:
		h.score, h.reason = scoreStrong, "loopback address"
	case info.class == hostPrivate:
		h.score, h.reason = scoreLikely, "private address"
	}
	if !standalone && h.score > 0 && info.class != hostMetadata && !info.obfuscated {
		switch h.score {
		case scoreStrong:
			h.score = scoreLikely
		case scoreLikely:
			h.score = 0
			if in.high() {
				h.score = scoreWeak
			}
		}
	}
	best.offer(h)
}

// bareHostContext reports whether a value in ctx may be a bare host name
// handed to a fetcher (a "host" or "target" field).
func bareHostContext(ctx Context) bool {
	switch ctx {
	case Query, Form, JSONValue, XMLText, XMLAttr, Text, Cookie:
		return true
	}
	return false
}

// ssrfBareHost classifies a value that is only a host, host:port or
// [IPv6]:port.
func ssrfBareHost(in *input, s string, best *hit) {
	t := strings.TrimSpace(s)
	if t == "" || len(t) > 255 {
		return
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(isIdent(c) || c == '.' || c == ':' || c == '-' || c == '[' || c == ']' || c == '%') {
			return
		}
	}
	host := hostOf(t)
	if host == "" {
		return
	}
	// A bare value is a host only in the forms people write hosts in:
	// four dotted parts, hex, IPv6, or a name with a dot (or localhost).
	// "10.5" and "127.1" are numbers; "metadata" is a word.
	if isDigit(host[0]) && strings.Count(host, ".") != 3 && !strings.Contains(host, "0x") {
		return
	}
	if !isDigit(host[0]) && strings.IndexByte(host, ':') < 0 && strings.IndexByte(host, '.') < 0 && host != "localhost" {
		return
	}
	info := classifyHost(host)
	h := hit{start: 0, end: len(t), inFold: true}
	switch {
	case info.class == hostPublic, info.integer:
		return
	case info.class == hostMetadata:
		h.score, h.reason = scoreStrong, "metadata address"
	case info.class == hostLoopback && t != "0.0.0.0" && t != "0":
		h.score, h.reason = scoreLikely, "loopback address"
	case info.obfuscated && info.class >= hostPrivate:
		h.score, h.reason = scoreLikely, "obfuscated address"
	case in.high():
		h.score, h.reason = scoreWeak, "internal address"
	}
	best.offer(h)
}
