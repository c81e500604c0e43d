package jsonptr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Pointer is a parsed JSON pointer: its reference tokens, unescaped. The
// empty Pointer is the whole document.
type Pointer []string

var errEmptyField = errors.New("empty json pointer")

// Parse parses an RFC 6901 pointer: "" (the whole document) or
// "/a/b~1c/0", where "~1" stands for "/" and "~0" for "~".
func Parse(s string) (Pointer, error) {
	if s == "" {
		return nil, nil
	}
	if s[0] != '/' {
		return nil, fmt.Errorf("json pointer %q must be empty or start with /", s)
	}
	var p Pointer
	for tok := range strings.SplitSeq(s[1:], "/") {
		unescaped, err := unescape(tok)
		if err != nil {
			return nil, fmt.Errorf("json pointer %q: %w", s, err)
		}
		p = append(p, unescaped)
	}
	return p, nil
}

// ParseField parses a pointer as [Parse] does when s starts with "/", and
// otherwise takes s as the name of a top-level member: "owner_id" is
// "/owner_id", the shorthand configurations use for the common case. The
// empty string is an error: a field is never the whole document.
func ParseField(s string) (Pointer, error) {
	switch {
	case s == "":
		return nil, errEmptyField
	case s[0] != '/':
		return Pointer{s}, nil
	}
	return Parse(s)
}

// unescape decodes "~1" to "/" and "~0" to "~", left to right, so that
// "~01" is "~1" and not "/" (RFC 6901 §4: decoding "~1" first would be
// wrong). Any other "~" is an error.
func unescape(tok string) (string, error) {
	if strings.IndexByte(tok, '~') < 0 {
		return tok, nil
	}
	var b strings.Builder
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c != '~' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(tok) {
			return "", errors.New(`invalid escape "~" at the end of a token (RFC 6901: "~" must be followed by 0 or 1)`)
		}
		switch tok[i+1] {
		case '0':
			b.WriteByte('~')
		case '1':
			b.WriteByte('/')
		default:
			return "", fmt.Errorf(`invalid escape "~%c" (RFC 6901: "~" must be followed by 0 or 1)`, tok[i+1])
		}
		i++
	}
	return b.String(), nil
}

// ArrayIndex parses an RFC 6901 array index: "0" or a decimal without
// leading zeros. "-", "01", "+1" and "-1" are not indexes (RFC 6901 §4).
func ArrayIndex(tok string) (int, bool) {
	if tok == "" || len(tok) > 1 && tok[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(tok)
	if err != nil {
		return 0, false // out of int's range
	}
	return n, true
}
