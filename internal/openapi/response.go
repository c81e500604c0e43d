package openapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// maxFindings bounds the pointers one response report lists.
const maxFindings = 20

// response is a compiled Response Object: a status selector ("200",
// "2XX", "default") and its content.
type response struct {
	status  string
	content content
}

// ResponseReport is what ValidateResponse found in a JSON response body.
// Pointers are RFC 6901 with array indices replaced by "*"
// ("/orders/*/card_number"), sorted and deduplicated, at most 20 of each.
type ResponseReport struct {
	// Checked is true when a JSON schema applied to the response and its
	// body was read.
	Checked bool
	// Undeclared lists members the response schema does not declare:
	// data the API was never documented to expose (OWASP API3:2023,
	// excessive data exposure).
	Undeclared []string
	// Invalid lists "pointer reason" for values that break the response
	// schema ("/card_number does not have the expected format": an unmasked
	// card number where the API promises a masked one).
	Invalid []string
	// NotJSON is true when the body was declared JSON but did not parse.
	NotJSON bool
}

// OK reports whether nothing was found.
func (r *ResponseReport) OK() bool {
	return len(r.Undeclared) == 0 && len(r.Invalid) == 0 && !r.NotJSON
}

// ResponseSchema reports whether the operation declares a JSON schema
// for a response with this status and header, that is whether
// ValidateResponse would check its body.
func (op *Operation) ResponseSchema(status int, h http.Header) bool {
	return op.responseEntry(status, h) != nil
}

// ValidateResponse checks a JSON response body against the schema the
// operation declares for its status (the exact code, then "2XX", then
// "default") and media type. Responses without such a schema report
// nothing (Checked false).
func (op *Operation) ValidateResponse(status int, h http.Header, body []byte) ResponseReport {
	e := op.responseEntry(status, h)
	if e == nil {
		return ResponseReport{}
	}
	rep := ResponseReport{Checked: true}
	v, err := decodeJSON(body)
	if err != nil {
		rep.NotJSON = true
		return rep
	}
	undeclared := map[string]bool{}
	findUndeclared(v, e.kin, nil, 0, undeclared)
	rep.Undeclared = sortedCapped(undeclared)
	if err := e.schema.Validate(v); err != nil {
		invalid := map[string]bool{}
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			collectFailures(ve, func(f failure) {
				if f.keyword == "additionalProperties" || f.keyword == "unevaluatedProperties" {
					return // reported as undeclared
				}
				invalid[responsePointer(f.tokens)+" "+f.reason] = true
			})
		}
		rep.Invalid = sortedCapped(invalid)
	}
	return rep
}

// responseEntry returns the JSON content entry with a schema for a status
// and response header, or nil.
func (op *Operation) responseEntry(status int, h http.Header) *mediaEntry {
	mt, ok := requestMediaType(h)
	if !ok || classify(mt) != classJSON {
		return nil
	}
	code := strconv.Itoa(status)
	var byClass, byDefault *response
	for _, r := range op.responses {
		switch {
		case r.status == code:
			return schemaEntry(r.content.match(mt))
		case len(code) == 3 && r.status == code[:1]+"XX":
			byClass = r
		case r.status == "default":
			byDefault = r
		}
	}
	if byClass != nil {
		return schemaEntry(byClass.content.match(mt))
	}
	if byDefault != nil {
		return schemaEntry(byDefault.content.match(mt))
	}
	return nil
}

func schemaEntry(e *mediaEntry) *mediaEntry {
	if e == nil || e.schema == nil || e.kin == nil {
		return nil
	}
	return e
}

// findUndeclared records the members of v that s does not declare. A
// schema that declares no properties and does not close the object
// (free-form: {"type": "object"}) declares its members implicitly;
// additionalProperties or patternProperties with a schema declare every
// member they cover.
func findUndeclared(v any, s *openapi3.Schema, tokens []string, depth int, found map[string]bool) {
	if s == nil || depth > maxJSONDepth || len(found) >= maxFindings {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		shape := objectShape(s, 0)
		if !shape.declared {
			return
		}
		for k, child := range v {
			here := append(slices.Clip(tokens), k)
			p, _ := property(s, k, 0)
			switch {
			case p != nil:
				findUndeclared(child, p, here, depth+1, found)
			case shape.open:
				findUndeclared(child, shape.additional, here, depth+1, found)
			default:
				found[responsePointer(here)] = true
			}
		}
	case []any:
		items := itemsOf(s)
		for i, child := range v {
			findUndeclared(child, items, append(slices.Clip(tokens), strconv.Itoa(i)), depth+1, found)
		}
	}
}

// shape is what a schema says about an object's members.
type shape struct {
	// declared: the schema lists properties or closes the object.
	declared bool
	// open: members it does not list are allowed (additionalProperties
	// true or a schema, patternProperties); additional is their schema.
	open       bool
	additional *openapi3.Schema
}

func objectShape(s *openapi3.Schema, depth int) shape {
	var sh shape
	if s == nil || depth > maxCompositionDepth {
		return sh
	}
	ap := s.AdditionalProperties
	switch {
	case ap.Schema != nil && ap.Schema.Value != nil:
		sh.open, sh.additional = true, ap.Schema.Value
	case ap.Has != nil && *ap.Has:
		sh.open = true
	case ap.Has != nil && !*ap.Has:
		sh.declared = true
	}
	if len(s.PatternProperties) > 0 {
		sh.open = true
	}
	if len(s.Properties) > 0 {
		sh.declared = true
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			if sub == nil || sub.Value == nil {
				continue
			}
			b := objectShape(sub.Value, depth+1)
			sh.declared = sh.declared || b.declared
			if b.open {
				sh.open = true
				if sh.additional == nil {
					sh.additional = b.additional
				}
			}
		}
	}
	return sh
}

// responsePointer is the pointer of a response finding, indices as "*".
func responsePointer(tokens []string) string {
	if p := location("", wildcardIndices(tokens)...); p != "" {
		return p
	}
	return "/"
}

// wildcardIndices replaces array indices by "*" so that one leak in every
// element of a list is one finding.
func wildcardIndices(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		if isIndex(t) {
			t = "*"
		}
		out[i] = t
	}
	return out
}

// isIndex reports whether t is an array index as RFC 6901 writes one.
func isIndex(t string) bool {
	if t == "" || len(t) > 10 || (len(t) > 1 && t[0] == '0') {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) {
			return false
		}
	}
	return true
}

func sortedCapped(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	if len(out) > maxFindings {
		out = out[:maxFindings]
	}
	return out
}
