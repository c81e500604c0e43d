package openapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// parameter is a compiled Parameter Object.
type parameter struct {
	name     string
	in       string // "path", "query", "header", "cookie"
	loc      string // "/query/limit"
	required bool
	// allowEmpty skips validation of an empty value (allowEmptyValue).
	allowEmpty bool
	// style and explode say how the raw text holds an array.
	style   string
	explode bool
	// jsonContent: the parameter is described by content: application/json
	// and its value is a JSON text.
	jsonContent bool
	typ         *paramType
	schema      *jsonschema.Schema
	kin         *openapi3.Schema
}

// paramType says how raw text is turned into the JSON value its schema
// validates: text is untyped, and "7" must become the integer 7 before
// "type: integer" can accept it.
type paramType struct {
	// scalar lists the JSON types to try, in order; empty keeps the text
	// as a string.
	scalar []string
	// array: the value is a list, its items typed by items.
	array bool
	items []string
}

// headers a Parameter Object may not describe (OpenAPI: "If in is
// "header" and the name field is "Accept", "Content-Type" or
// "Authorization", the parameter definition SHALL be ignored").
var ignoredHeaders = []string{"Accept", "Content-Type", "Authorization"}

// typeOf derives how a parameter's text is decoded from its schema, and
// false when the schema describes an object, which this package does not
// decode from text.
func typeOf(s *openapi3.Schema) (*paramType, bool) {
	types := schemaTypes(s, 0)
	if slices.Contains(types, openapi3.TypeObject) {
		return nil, false
	}
	if slices.Contains(types, openapi3.TypeArray) {
		var items []string
		if s.Items != nil && s.Items.Value != nil {
			items = schemaTypes(s.Items.Value, 0)
			if slices.Contains(items, openapi3.TypeObject) || slices.Contains(items, openapi3.TypeArray) {
				return nil, false
			}
		}
		return &paramType{array: true, items: items}, true
	}
	return &paramType{scalar: types}, true
}

// schemaTypes returns the types a schema names, looking through allOf
// when it names none itself (allOf: [$ref: Id] is a common way to
// annotate a referenced type).
func schemaTypes(s *openapi3.Schema, depth int) []string {
	if t := s.Type.Slice(); len(t) > 0 || depth > 8 {
		return t
	}
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			if t := schemaTypes(sub.Value, depth+1); len(t) > 0 {
				return t
			}
		}
	}
	return nil
}

// queryValues is the request's query, parsed once for all parameters.
type queryValues struct {
	values url.Values
	err    error
	parsed bool
}

func (q *queryValues) get(r *http.Request) (url.Values, error) {
	if !q.parsed {
		q.values, q.err = url.ParseQuery(r.URL.RawQuery)
		q.parsed = true
	}
	return q.values, q.err
}

// validateParams checks every parameter of the operation, in document
// order, and returns the first failure.
func (op *Operation) validateParams(r *http.Request, pathParams map[string]string) *RequestError {
	var q queryValues
	for _, p := range op.params {
		raw, found, err := p.raw(r, pathParams, &q)
		if err != nil {
			return err
		}
		if !found {
			if p.required {
				return &RequestError{Kind: KindParameter, Location: p.loc, Reason: "is required", Cause: errMissing}
			}
			continue
		}
		if p.schema == nil || (p.allowEmpty && len(raw) == 1 && raw[0] == "") {
			continue
		}
		value, ok := p.decode(raw)
		if !ok {
			return &RequestError{Kind: KindParameter, Location: p.loc, Reason: "cannot be decoded", Cause: errUndecodable}
		}
		if err := p.schema.Validate(value); err != nil {
			f := firstFailure(err)
			loc := location(p.loc, f.tokens...)
			return &RequestError{Kind: KindParameter, Location: loc, Reason: f.reason, Cause: schemaCause(loc, f.keyword)}
		}
	}
	return nil
}

// raw returns the parameter's text values and whether it was sent. A
// scalar parameter sent twice is refused: frameworks disagree on which
// copy wins (HTTP parameter pollution), so the one validated might not be
// the one the upstream reads.
func (p *parameter) raw(r *http.Request, pathParams map[string]string, q *queryValues) ([]string, bool, *RequestError) {
	var vals []string
	switch p.in {
	case openapi3.ParameterInPath:
		v, ok := pathParams[p.name]
		if !ok {
			return nil, false, nil
		}
		vals = []string{v}
	case openapi3.ParameterInQuery:
		values, err := q.get(r)
		if err != nil {
			return nil, false, &RequestError{Kind: KindParameter, Location: "/query", Reason: "is malformed", Cause: err}
		}
		vals = values[p.name]
	case openapi3.ParameterInHeader:
		vals = r.Header.Values(p.name)
	case openapi3.ParameterInCookie:
		vals = cookieValues(r.Header["Cookie"], p.name)
	}
	if len(vals) == 0 {
		return nil, false, nil
	}
	if len(vals) > 1 {
		switch {
		case p.typ != nil && p.typ.array && p.in == openapi3.ParameterInQuery && p.explode:
			// ?id=1&id=2: each copy is an item.
		case p.typ != nil && p.typ.array && p.in == openapi3.ParameterInHeader:
			// Header lines of a list are one comma-separated value (RFC 9110).
			vals = []string{strings.Join(vals, ",")}
		default:
			return nil, false, &RequestError{Kind: KindParameter, Location: p.loc, Reason: "must not be repeated", Cause: errRepeated}
		}
	}
	return vals, true, nil
}

// cookieValues returns the values of the cookies named name, as sent
// (quotes included). net/http's parser silently drops a cookie whose value
// has a character RFC 6265 forbids (a space, a quote): the parameter would
// look absent here while a lenient upstream, and the injection detector,
// read it. This parser splits Cookie lines the way package inspect does.
func cookieValues(lines []string, name string) []string {
	var vals []string
	for _, line := range lines {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.Trim(part, " \t")
			n, v, _ := strings.Cut(part, "=")
			if strings.TrimRight(n, " \t") == name && part != "" {
				vals = append(vals, strings.TrimLeft(v, " \t"))
			}
		}
	}
	return vals
}

// decode turns the raw text into the JSON value the schema validates.
func (p *parameter) decode(raw []string) (any, bool) {
	if p.jsonContent {
		v, err := decodeJSON([]byte(raw[0]))
		return v, err == nil
	}
	if !p.typ.array {
		return coerce(raw[0], p.typ.scalar), true
	}
	var parts []string
	if p.in == openapi3.ParameterInQuery && p.explode {
		parts = raw
	} else {
		sep := ","
		switch p.style {
		case openapi3.SerializationSpaceDelimited:
			sep = " "
		case openapi3.SerializationPipeDelimited:
			sep = "|"
		}
		if raw[0] != "" {
			parts = strings.Split(raw[0], sep)
		}
	}
	items := make([]any, len(parts))
	for i, s := range parts {
		items[i] = coerce(s, p.typ.items)
	}
	return items, true
}

// coerce converts text to the first of types it is valid for, or leaves
// it a string (which the schema then rejects if a string is not allowed:
// "must be an integer"). Numbers must be JSON numbers: "0x10", "1_000",
// "Inf" and "NaN" stay strings.
func coerce(s string, types []string) any {
	for _, t := range types {
		switch t {
		case openapi3.TypeInteger, openapi3.TypeNumber:
			if isJSONNumber(s) && numberInBounds(s) {
				return json.Number(s)
			}
		case openapi3.TypeBoolean:
			switch s {
			case "true":
				return true
			case "false":
				return false
			}
		case openapi3.TypeString:
			return s
		}
	}
	return s
}

// isJSONNumber reports whether s is a number in JSON's grammar (RFC 8259
// section 6): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
