package openapi

import (
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// bodyClass says how a body of a media type is decoded for validation.
type bodyClass uint8

const (
	// classOther bodies (multipart, XML, binary) are checked for their
	// media type only.
	classOther bodyClass = iota
	classJSON
	classForm
	classText
)

// classify returns how a lower-case media type (no parameters) is read.
func classify(mt string) bodyClass {
	switch {
	case mt == "application/json", strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return classJSON
	case mt == "application/x-www-form-urlencoded":
		return classForm
	case mt == "text/plain":
		return classText
	}
	return classOther
}

// mediaEntry is one entry of a content map: a media range with its schema.
type mediaEntry struct {
	// mediaRange is the key, lower case, without parameters:
	// "application/json", "application/*", "*/*".
	mediaRange string
	schema     *jsonschema.Schema
	kin        *openapi3.Schema
	// form gives, for a form body, the types each field is coerced to.
	form map[string]*paramType
	// mass finds read-only properties in a JSON body; nil when the
	// schemas mark nothing read-only.
	mass *massAssignment
}

// content is a content map, most specific ranges first.
type content []*mediaEntry

// match returns the entry for a request media type (lower case, no
// parameters): the exact type, then type/*, then */*.
func (c content) match(mt string) *mediaEntry {
	major, _, _ := strings.Cut(mt, "/")
	var wild, anyRange *mediaEntry
	for _, e := range c {
		switch e.mediaRange {
		case mt:
			return e
		case major + "/*":
			wild = e
		case "*/*":
			anyRange = e
		}
	}
	if wild != nil {
		return wild
	}
	return anyRange
}

// requestMediaType returns the request's media type, lower case and
// without parameters, and false when the Content-Type is absent, repeated
// or unparseable: such a body is one no media type can be trusted for.
func requestMediaType(h http.Header) (string, bool) {
	values := h["Content-Type"]
	if len(values) != 1 {
		return "", false
	}
	mt, _, err := mime.ParseMediaType(values[0])
	if err != nil {
		return "", false
	}
	return mt, true
}

// mediaRangeOf normalises a content map key.
func mediaRangeOf(key string) string {
	mt, _, err := mime.ParseMediaType(key)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(key))
	}
	return mt
}
