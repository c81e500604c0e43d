package openapi

import (
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// requestBody is a compiled Request Body Object.
type requestBody struct {
	required bool
	content  content
}

// BodyWanted reports whether ValidateRequest needs the request body's
// bytes for a request with header h: the operation declares no body (the
// bytes show whether one was sent anyway), or the Content-Type matches a
// JSON, form or text/plain entry with a schema. For any other media type
// (multipart, binary, XML) only the Content-Type is checked, and the
// caller need not buffer what may be a large upload.
func (op *Operation) BodyWanted(h http.Header) bool {
	if op.body == nil {
		return true
	}
	mt, ok := requestMediaType(h)
	if !ok {
		return false
	}
	e := op.body.content.match(mt)
	return e != nil && e.schema != nil && classify(mt) != classOther
}

// ValidateRequest checks a request against the operation: its
// parameters (path parameters as Find returned them), then its
// Content-Type, then its body: read-only properties first (mass
// assignment), then the body's schema. It returns the first failure, or
// nil.
//
// body must hold the whole request body when BodyWanted(r.Header) is
// true; otherwise it is ignored and whether a body was sent is judged from
// r.ContentLength and r.Body. r.Body itself is never read.
func (op *Operation) ValidateRequest(r *http.Request, pathParams map[string]string, body []byte) *RequestError {
	if err := op.validateParams(r, pathParams); err != nil {
		return err
	}
	wanted := op.BodyWanted(r.Header)
	sent := len(body) > 0
	if !wanted {
		sent = r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	}
	if !sent {
		if op.body != nil && op.body.required {
			return &RequestError{Kind: KindBody, Location: "/body", Reason: "is required", Cause: errMissing}
		}
		return nil
	}
	if op.body == nil {
		return &RequestError{Kind: KindBody, Location: "/body", Reason: "is not allowed", Cause: errNotAllowed}
	}
	mt, ok := requestMediaType(r.Header)
	if !ok {
		return &RequestError{Kind: KindMediaType, Location: "/header/Content-Type", Reason: "must name one media type", Cause: errMediaType}
	}
	e := op.body.content.match(mt)
	if e == nil {
		return &RequestError{Kind: KindMediaType, Location: "/header/Content-Type", Reason: "is not an accepted media type", Cause: errMediaType}
	}
	if !wanted {
		return nil
	}
	switch classify(mt) {
	case classJSON:
		return validateJSONBody(e, body)
	case classForm:
		return validateFormBody(e, body)
	case classText:
		if !utf8.Valid(body) {
			return &RequestError{Kind: KindBody, Location: "/body", Reason: "must be UTF-8 text", Cause: errUndecodable}
		}
		return validateValue(e, string(body))
	}
	return nil
}

// validateJSONBody decodes a JSON body, checks it for read-only
// properties, then validates it.
func validateJSONBody(e *mediaEntry, body []byte) *RequestError {
	v, err := decodeJSON(body)
	if err != nil {
		if ne, ok := err.(*numberError); ok {
			loc := location("/body", ne.tokens...)
			return &RequestError{Kind: KindBody, Location: loc, Reason: "is out of range", Cause: err}
		}
		return &RequestError{Kind: KindBody, Location: "/body", Reason: "is not valid JSON", Cause: errNotJSON}
	}
	if e.mass != nil {
		if tokens := e.mass.find(v); tokens != nil {
			loc := location("/body", tokens...)
			return &RequestError{Kind: KindMassAssignment, Location: loc, Reason: "is read-only", Cause: errReadOnly}
		}
	}
	return validateValue(e, v)
}

// validateFormBody decodes an application/x-www-form-urlencoded body into
// an object, each field coerced to its property's type, and validates it.
func validateFormBody(e *mediaEntry, body []byte) *RequestError {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return &RequestError{Kind: KindBody, Location: "/body", Reason: "is malformed", Cause: err}
	}
	obj := make(map[string]any, len(values))
	for name, vals := range values {
		typ := e.form[name]
		switch {
		case typ != nil && typ.array:
			items := make([]any, len(vals))
			for i, s := range vals {
				items[i] = coerce(s, typ.items)
			}
			obj[name] = items
		case len(vals) > 1:
			return &RequestError{Kind: KindBody, Location: location("/body", name), Reason: "must not be repeated", Cause: errRepeated}
		case typ != nil:
			obj[name] = coerce(vals[0], typ.scalar)
		default:
			obj[name] = vals[0]
		}
	}
	return validateValue(e, obj)
}

// validateValue validates a decoded body against the entry's schema.
func validateValue(e *mediaEntry, v any) *RequestError {
	if e.schema == nil {
		return nil
	}
	if err := e.schema.Validate(v); err != nil {
		f := firstFailure(err)
		loc := location("/body", f.tokens...)
		return &RequestError{Kind: KindBody, Location: loc, Reason: f.reason, Cause: schemaCause(loc, f.keyword)}
	}
	return nil
}

// formTypes returns how each field of a form body is coerced: by the
// type of its property.
func formTypes(s *openapi3.Schema) map[string]*paramType {
	if s == nil {
		return nil
	}
	m := map[string]*paramType{}
	for name, ref := range s.Properties {
		if ref.Value == nil {
			continue
		}
		if t, ok := typeOf(ref.Value); ok {
			m[name] = t
		}
	}
	return m
}
