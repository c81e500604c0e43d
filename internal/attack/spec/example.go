package spec

import (
	"math"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Bounds on generation: a recursive schema (a tree of nodes) or a huge one
// still yields a small example quickly.
const (
	maxDepth      = 6
	maxProperties = 64
	maxNodes      = 2000
)

// Example values for string formats: valid, recognisable as test data, and
// pointing nowhere real (RFC 2606 example.com, RFC 5737 192.0.2.0/24).
var formatExamples = map[string]string{
	"uuid":      "00000000-0000-4000-8000-000000000001",
	"date-time": "2024-01-01T00:00:00Z",
	"date":      "2024-01-01",
	"time":      "00:00:00",
	"email":     "rampart@example.com",
	"uri":       "https://example.com/",
	"url":       "https://example.com/",
	"hostname":  "example.com",
	"ipv4":      "192.0.2.1",
	"ipv6":      "2001:db8::1",
	"byte":      "cmFtcGFydA==",
	"password":  "Rampart-test-1",
	"phone":     "+15555550100",
}

// generator makes example values; nodes counts down the work allowed.
type generator struct{ nodes int }

func newGenerator() *generator { return &generator{nodes: maxNodes} }

// value returns an example for the schema: the spec's own example, const,
// default or first enum value when it has one, else one generated from the
// type and format. name is the property or parameter name (ids get 1).
// writing leaves read-only properties out of objects.
func (g *generator) value(ref *openapi3.SchemaRef, name string, depth int, writing bool) any {
	if ref == nil || ref.Value == nil || depth > maxDepth || g.nodes <= 0 {
		return nil
	}
	g.nodes--
	s := ref.Value
	switch {
	case s.Example != nil:
		return s.Example
	case len(s.Examples) > 0 && s.Examples[0] != nil:
		return s.Examples[0]
	case s.Const != nil:
		return s.Const
	case s.Default != nil:
		return s.Default
	}
	for _, e := range s.Enum {
		if e != nil {
			return e
		}
	}
	if len(s.AllOf) > 0 {
		return g.object(s, depth, writing)
	}
	for _, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		for _, alt := range alts {
			if v := g.value(alt, name, depth+1, writing); v != nil {
				return v
			}
		}
	}
	switch typeOf(s) {
	case "integer":
		return integer(s, name)
	case "number":
		if s.Min != nil {
			return *s.Min
		}
		return 1.5
	case "boolean":
		return false
	case "string":
		return str(s, name)
	case "array":
		if item := g.value(s.Items, name, depth+1, writing); item != nil {
			return []any{item}
		}
		return []any{}
	case "object":
		return g.object(s, depth, writing)
	case "null":
		return nil
	}
	if len(s.Properties) > 0 {
		return g.object(s, depth, writing)
	}
	if isIDName(name) {
		return int64(1)
	}
	return "rampart"
}

// object builds an object from the schema's properties (with allOf's),
// sorted by name for stable output.
func (g *generator) object(s *openapi3.Schema, depth int, writing bool) map[string]any {
	props := properties(s, 0)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string]any{}
	for _, n := range names {
		if len(out) >= maxProperties {
			break
		}
		p := props[n]
		if writing && p.Value != nil && p.Value.ReadOnly {
			continue
		}
		if v := g.value(p, n, depth+1, writing); v != nil {
			out[n] = v
		}
	}
	return out
}

// properties merges a schema's properties with those of its allOf parts.
func properties(s *openapi3.Schema, depth int) map[string]*openapi3.SchemaRef {
	out := map[string]*openapi3.SchemaRef{}
	if s == nil || depth > maxDepth {
		return out
	}
	for _, part := range s.AllOf {
		if part != nil && part.Value != nil {
			for n, p := range properties(part.Value, depth+1) {
				out[n] = p
			}
		}
	}
	for n, p := range s.Properties {
		if p != nil {
			out[n] = p
		}
	}
	return out
}

// required merges a schema's required names with those of its allOf parts.
func required(s *openapi3.Schema, depth int) map[string]bool {
	out := map[string]bool{}
	if s == nil || depth > maxDepth {
		return out
	}
	for _, part := range s.AllOf {
		if part != nil && part.Value != nil {
			for n := range required(part.Value, depth+1) {
				out[n] = true
			}
		}
	}
	for _, n := range s.Required {
		out[n] = true
	}
	return out
}

// typeOf is the schema's first non-null type, "" when untyped.
func typeOf(s *openapi3.Schema) string {
	if s.Type == nil {
		if len(s.Properties) > 0 {
			return "object"
		}
		return ""
	}
	for _, t := range s.Type.Slice() {
		if t != "null" {
			return t
		}
	}
	return "null"
}

// isIDName: "id", "item_id", "userId", "ID", "uuid".
func isIDName(name string) bool {
	l := strings.ToLower(name)
	return l == "id" || l == "uuid" || strings.HasSuffix(l, "_id") || strings.HasSuffix(l, "-id") ||
		(strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "ID")) && len(name) > 2
}

// integer is 1 (an id that exists on most APIs), moved into the bounds.
func integer(s *openapi3.Schema, _ string) any {
	v := 1.0
	if s.Min != nil && *s.Min > v {
		v = math.Ceil(*s.Min)
		if s.ExclusiveMin.IsTrue() && v == *s.Min {
			v++
		}
	}
	if b := s.ExclusiveMin.Value; b != nil && v <= *b {
		v = math.Floor(*b) + 1
	}
	if s.Max != nil && *s.Max < v {
		v = math.Floor(*s.Max)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1<<53 {
		return int64(1)
	}
	return int64(v)
}

// str is a string for the schema's format, else "1" for ids and "rampart",
// stretched or cut to the length bounds.
func str(s *openapi3.Schema, name string) any {
	v, ok := formatExamples[strings.ToLower(s.Format)]
	if !ok {
		v = "rampart"
		if isIDName(name) {
			v = "1"
		}
	}
	if s.MinLength > uint64(len(v)) {
		n := min(s.MinLength, 4096)
		v += strings.Repeat("a", int(n)-len(v))
	}
	if s.MaxLength != nil && uint64(len(v)) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	return v
}
