package report

import (
	"strings"
)

// artifactURI makes the SARIF artifact URI of an endpoint: its path
// template as a relative URI reference, e.g. "GET /api/items/{id}" →
// "api/items/%7Bid%7D".
//
// GitHub resolves a relative URI against the repository checkout and
// rejects the whole upload for any other scheme, so the result must never
// parse as having one: every byte outside RFC 3986's unreserved and
// sub-delims sets (":" included, which could otherwise make the first
// segment a scheme) is percent-encoded; dot segments, which would climb
// out of the checkout, are encoded too; and the URI is never empty (also
// rejected). A whole-target finding is "(target)", the root path "(root)".
func artifactURI(endpoint string) string {
	if endpoint == "" || endpoint == "*" {
		return wholeTarget
	}
	path := strings.TrimLeft(pathOf(endpoint), "/")
	if path == "" {
		return "(root)"
	}
	segments := strings.Split(path, "/")
	for i, s := range segments {
		switch s {
		case ".":
			segments[i] = "%2E"
		case "..":
			segments[i] = "%2E%2E"
		default:
			segments[i] = escapeSegment(s)
		}
	}
	return strings.Join(segments, "/")
}

// pathOf drops the method of a ledger endpoint name ("GET /a" → "/a").
func pathOf(endpoint string) string {
	if _, path, ok := strings.Cut(endpoint, " "); ok {
		return path
	}
	return endpoint
}

// escapeSegment percent-encodes every byte of s but the unreserved
// characters and sub-delims of RFC 3986 (plus "@"), the conservative
// subset that every URI-reference validator accepts in a path segment.
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if segmentSafe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func segmentSafe(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=@", c) >= 0
}
