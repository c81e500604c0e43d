package probe

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// ConcretePath turns an operation's path template into a path a request
// can use: each {param} becomes its example (from the spec), else a
// plausible value for its type, and required query parameters are added
// with theirs. Values are escaped, so an example cannot add path segments.
func ConcretePath(op core.Operation) string {
	p := op.Path
	q := url.Values{}
	for _, prm := range op.Params {
		switch prm.In {
		case "path":
			p = strings.ReplaceAll(p, "{"+prm.Name+"}", url.PathEscape(ExampleValue(prm)))
		case "query":
			if prm.Required {
				q.Set(prm.Name, ExampleValue(prm))
			}
		}
	}
	// Template parameters the operation does not describe.
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			break
		}
		p = p[:i] + "1" + p[i+j+1:]
	}
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// ExampleValue is the value a request uses for a parameter: its example,
// else one that its type and format accept.
func ExampleValue(p core.Param) string {
	if p.Example != nil {
		if s := fmt.Sprint(p.Example); s != "" && len(s) <= 256 {
			return s
		}
	}
	switch p.Format {
	case "uuid":
		return "00000000-0000-4000-8000-000000000001"
	case "date":
		return "2024-01-01"
	case "date-time":
		return "2024-01-01T00:00:00Z"
	case "email":
		return "user@example.com"
	}
	switch p.Type {
	case "boolean":
		return "true"
	case "integer", "number":
		return "1"
	case "string":
		if p.In == "path" {
			return "1"
		}
		return "test"
	}
	return "1"
}

// HasPathParams reports whether the operation's path has template
// parameters.
func HasPathParams(op core.Operation) bool { return strings.Contains(op.Path, "{") }
