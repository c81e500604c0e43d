package inspect

import (
	"errors"
	"strings"
)

var errBadPercent = errors.New("invalid percent-encoding")

// forEachPair parses s, a query string or an
// application/x-www-form-urlencoded body, as '&'-separated name=value
// pairs and calls fn with each, percent-decoded once and '+' read as a
// space. It is strict where net/url is lenient in ways that hide input: a
// '%' not followed by two hex digits is an error (returned with the raw
// name for locating it), not a literal. It is lenient where net/url is
// strict in ways that would drop input: a ';' is part of a value (Go
// rejects it, other stacks split on it; either way the detector sees it).
// Empty pairs ("a=1&&b=2") are skipped; a pair without '=' is a name with
// an empty value.
func forEachPair(s string, fn func(name, value string) error) (badName string, err error) {
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, ok := percentDecode(rawName, true)
		if !ok {
			return rawName, errBadPercent
		}
		value, ok := percentDecode(rawValue, true)
		if !ok {
			return name, errBadPercent
		}
		if err := fn(name, value); err != nil {
			return "", err
		}
	}
	return "", nil
}

// percentDecode decodes %XX escapes in s, and '+' as a space when plus is
// set. ok is false when a '%' is not followed by two hex digits. s is
// returned as is, without allocating, when it has nothing to decode.
func percentDecode(s string, plus bool) (string, bool) {
	i := strings.IndexByte(s, '%')
	if plus {
		if j := strings.IndexByte(s, '+'); j >= 0 && (i < 0 || j < i) {
			i = j
		}
	}
	if i < 0 {
		return s, true
	}
	buf := make([]byte, 0, len(s))
	buf = append(buf, s[:i]...)
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			buf = append(buf, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '+' && plus:
			buf = append(buf, ' ')
		default:
			buf = append(buf, c)
		}
	}
	return string(buf), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// plainName reports whether a parameter, field, cookie or key name is too
// plain to carry an attack, so that Extract need not report it as an input
// of its own: letters, digits, '_', '.' and '-' only. Names that mention
// "proto" or "constructor" are never plain, whatever their characters:
// __proto__, constructor.prototype and friends are prototype pollution
// (CWE-1321) in the parameter parsers and mergers of JavaScript upstreams.
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return !containsFold(s, "proto") && !containsFold(s, "constructor")
}

// containsFold reports whether s contains the lower-case ASCII word sub,
// ignoring ASCII case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
