package openapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/inspect"
)

// ScanPlan says which inputs of a request the injection detector may skip
// because the operation's schema has already constrained them to values
// that cannot carry an injection. A value is constrained when its schema
// (with allOf merged in, and anyOf/oneOf only where every branch agrees)
//
//   - admits only integers, numbers, booleans or null (a parameter's
//     text must then be a JSON number or true/false);
//   - has an enum or a const: the value is one the API author wrote;
//   - is a string of format uuid, date, date-time, ipv4 or ipv6, which
//     are asserted;
//   - is a string with a strict pattern: anchored at both ends and
//     accepting only [A-Za-z0-9_-] (see the rule on strictPattern: yes
//     for ^[A-Za-z0-9_-]{1,64}$, no for ^.*$ or ^[a-z ]+$).
//
// Free-text strings are never skipped, nor values under
// additionalProperties or patternProperties, nor anything of a parameter
// or body this package does not validate. Object keys (SkipKey) are
// skipped only where the object is closed (additionalProperties: false)
// and declares the key. Path literals (and a stripped prefix) are fixed
// text and skipped.
//
// A plan is valid only for a request that passed ValidateRequest in full:
// in monitor or off mode nothing was enforced, so a caller must not use
// the plan then (the schema guard hands it out only for requests it
// validated and admitted in enforce mode). A nil *ScanPlan skips nothing.
type ScanPlan struct {
	// offset is the number of path segments before the template (a
	// prefix the API is mounted under).
	offset   int
	segments []bool
	query    map[string]bool
	header   map[string]bool
	cookie   map[string]bool
	// form holds a form body's declared fields, true when the value is
	// constrained; formClosed when no other field is allowed.
	form       map[string]bool
	formClosed bool
	json       *planNode
}

// planNode is the plan for one place in a JSON body.
type planNode struct {
	skip bool
	// closed: the object admits no member but props.
	closed bool
	props  map[string]*planNode
	items  *planNode
	prefix []*planNode
}

// WithPathOffset returns a copy of p for requests whose path has n more
// segments in front of the template (a prefix stripped before Find):
// Path inputs are numbered from the start of the request's path.
func (p *ScanPlan) WithPathOffset(n int) *ScanPlan {
	if p == nil {
		return nil
	}
	q := *p
	q.offset = n
	return &q
}

// Skip reports whether the value of the input named name in src may be
// skipped. Names are those inspect.Input uses: the 1-based segment index
// for Path, the parameter, header or cookie name, the form field, the
// JSON pointer ("/items/3/qty"; indices match the items schema).
func (p *ScanPlan) Skip(src inspect.Source, name string) bool {
	if p == nil {
		return false
	}
	switch src {
	case inspect.Path:
		i, err := strconv.Atoi(name)
		if err != nil || i < 1 {
			return false
		}
		i--
		if i < p.offset {
			return true // the prefix, matched literally
		}
		i -= p.offset
		return i < len(p.segments) && p.segments[i]
	case inspect.Query:
		return p.query[name]
	case inspect.Header:
		return p.header[http.CanonicalHeaderKey(name)]
	case inspect.Cookie:
		return p.cookie[name]
	case inspect.Form:
		return p.form[name]
	case inspect.JSON:
		n := p.json.lookup(name)
		return n != nil && n.skip
	}
	return false
}

// SkipKey reports whether an object key or field name may be skipped:
// for JSON (name is the member's pointer) when the enclosing object is
// closed and declares the member, for a form body when the form's schema
// is closed and declares the field. Parameter names are never skipped:
// undeclared query parameters are not refused.
func (p *ScanPlan) SkipKey(src inspect.Source, name string) bool {
	if p == nil {
		return false
	}
	switch src {
	case inspect.Form:
		_, declared := p.form[name]
		return p.formClosed && declared
	case inspect.JSON:
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return false
		}
		parent := p.json.lookup(name[:i])
		if parent == nil || !parent.closed {
			return false
		}
		key, ok := unescapeToken(name[i+1:])
		return ok && parent.props[key] != nil
	}
	return false
}

// lookup walks a JSON pointer through the plan; nil when the pointer
// leaves what the schema declares.
func (n *planNode) lookup(ptr string) *planNode {
	if ptr == "" {
		return n
	}
	if ptr[0] != '/' {
		return nil
	}
	rest := ptr[1:]
	for n != nil {
		raw, tail, more := strings.Cut(rest, "/")
		tok, ok := unescapeToken(raw)
		if !ok {
			return nil
		}
		n = n.child(tok)
		if !more {
			return n
		}
		rest = tail
	}
	return nil
}

// child returns the plan of a member or an array element.
func (n *planNode) child(tok string) *planNode {
	if c := n.props[tok]; c != nil {
		return c
	}
	if !isIndex(tok) || (n.items == nil && len(n.prefix) == 0) {
		return nil
	}
	i, err := strconv.Atoi(tok)
	if err != nil {
		return nil
	}
	if i < len(n.prefix) {
		return n.prefix[i]
	}
	return n.items
}

// unescapeToken decodes "~1" and "~0" (RFC 6901); any other "~" is
// invalid.
func unescapeToken(t string) (string, bool) {
	if strings.IndexByte(t, '~') < 0 {
		return t, true
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '~' {
			b.WriteByte(t[i])
			continue
		}
		if i+1 == len(t) {
			return "", false
		}
		switch t[i+1] {
		case '0':
			b.WriteByte('~')
		case '1':
			b.WriteByte('/')
		default:
			return "", false
		}
		i++
	}
	return b.String(), true
}
