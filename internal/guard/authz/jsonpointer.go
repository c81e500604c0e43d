package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/rampartsec/rampart/internal/jsonptr"
)

// maxPointerTokens bounds a configured JSON pointer; it also bounds the
// recursion of jsonptr.Visit, which descends only along the pointer.
const maxPointerTokens = 32

// parsePointer parses "/order/owner_id" (RFC 6901, with ~1 for "/" and ~0
// for "~"), or a bare member name "owner_id" as shorthand for "/owner_id".
// The empty pointer (the whole document) is refused: an owner is a field.
func parsePointer(s string) (jsonptr.Pointer, error) {
	p, err := jsonptr.ParseField(s)
	if err != nil {
		return nil, err
	}
	if len(p) > maxPointerTokens {
		return nil, fmt.Errorf("json pointer %q has more than %d tokens", s, maxPointerTokens)
	}
	return p, nil
}

// errTrailingData reports a body with more after its JSON value.
var errTrailingData = errors.New("data after the JSON value")

// pointerValues calls visit for every value the pointer reaches in the JSON
// document data: the string or number text with scalar true, or scalar false
// for an object, array, boolean or null.
//
// It visits every value an upstream's parser might bind (every duplicate
// member, names matched case-insensitively: see jsonptr.Visit), not the one
// RFC 6901 names, because that is what an attacker aims at.
//
// It returns an error for anything that is not exactly one well-formed JSON
// value, so that a lenient upstream parser (comments, trailing data) cannot
// read a body the guard could not.
func pointerValues(data []byte, ptr jsonptr.Pointer, visit func(value string, scalar bool)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := jsonptr.Visit(dec, ptr, func(tok json.Token) {
		switch v := tok.(type) {
		case string:
			visit(v, true)
		case json.Number:
			visit(string(v), true)
		default:
			visit("", false)
		}
	})
	if err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailingData
	}
	return nil
}
