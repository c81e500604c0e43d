package openapi

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind classifies a request that does not match its operation.
type Kind uint8

const (
	// KindParameter: a path, query, header or cookie parameter is missing
	// or does not match its schema.
	KindParameter Kind = iota + 1
	// KindMediaType: the body's Content-Type is not one the operation
	// accepts (HTTP 415).
	KindMediaType
	// KindBody: the body is missing, not allowed, malformed or does not
	// match its schema.
	KindBody
	// KindMassAssignment: the body sets a property the API documents as
	// read-only (OWASP API3:2023, CWE-915).
	KindMassAssignment
)

// String returns "parameter", "media_type", "body" or "mass_assignment".
func (k Kind) String() string {
	switch k {
	case KindParameter:
		return "parameter"
	case KindMediaType:
		return "media_type"
	case KindBody:
		return "body"
	case KindMassAssignment:
		return "mass_assignment"
	}
	return "unknown"
}

// RequestError is why a request does not match its operation: what kind
// of failure, where, and a generic reason. Location and Reason are safe to
// show a client; Cause is for logs (it names schema keywords and
// locations, never values, which may be secrets).
type RequestError struct {
	Kind Kind
	// Location points at the failing input: "/query/limit",
	// "/body/items/3/qty", "/header/X-Tenant", "/path/orderId", "/body".
	// Names taken from the request are escaped (RFC 6901), stripped of
	// control characters and cut to a bounded length.
	Location string
	// Reason is generic: "must be an integer", "is required", "is not
	// allowed". It never quotes a schema's pattern or enum, nor a value.
	Reason string
	// Cause says which keyword failed where, for logs.
	Cause error
}

// Error returns the public text and the cause.
func (e *RequestError) Error() string {
	if e.Cause != nil {
		return e.Public() + " (" + e.Cause.Error() + ")"
	}
	return e.Public()
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Cause }

// Public returns "Location Reason", the client-facing sentence fragment.
func (e *RequestError) Public() string {
	if e.Location == "" {
		return e.Reason
	}
	return e.Location + " " + e.Reason
}

// maxLocationBytes bounds a Location: it may echo names an attacker chose.
const maxLocationBytes = 200

// location builds a pointer from a prefix chosen by this package
// ("/body", "/query/limit") and tokens, some of which come from the
// request.
func location(prefix string, tokens ...string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, t := range tokens {
		if b.Len() >= maxLocationBytes {
			break
		}
		b.WriteByte('/')
		writeToken(&b, t)
	}
	s := b.String()
	if len(s) > maxLocationBytes {
		cut := maxLocationBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// writeToken escapes a pointer token (RFC 6901) and replaces what must
// not reach a client or a log line unquoted: control characters, invalid
// UTF-8 and other non-printing runes.
func writeToken(b *strings.Builder, t string) {
	for i, r := range t {
		switch {
		case r == '~':
			b.WriteString("~0")
		case r == '/':
			b.WriteString("~1")
		case r == utf8.RuneError && isInvalidAt(t, i), !unicode.IsPrint(r) && r != ' ':
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
}

func isInvalidAt(s string, i int) bool {
	r, size := utf8.DecodeRuneInString(s[i:])
	return r == utf8.RuneError && size <= 1
}

// schemaCause is the log text of a schema failure: where and which
// keyword, never the value.
func schemaCause(loc, keyword string) error {
	return fmt.Errorf("%s fails schema keyword %q", loc, keyword)
}

var (
	errMissing     = errors.New("required input missing")
	errNotAllowed  = errors.New("input not allowed")
	errNotJSON     = errors.New("body is not valid JSON")
	errUndecodable = errors.New("value cannot be decoded")
	errRepeated    = errors.New("single-valued input repeated")
	errMediaType   = errors.New("content type not accepted")
)
