package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxPointerTokens bounds a configured JSON pointer; it also bounds the
// recursion of walkValue, which descends only along the pointer.
const maxPointerTokens = 32

// jsonPointer is a parsed RFC 6901 JSON pointer: its reference tokens.
type jsonPointer []string

// parsePointer parses "/order/owner_id" (RFC 6901, with ~1 for "/" and ~0
// for "~"), or a bare member name "owner_id" as shorthand for "/owner_id".
// The empty pointer (the whole document) is refused: an owner is a field.
func parsePointer(s string) (jsonPointer, error) {
	if s == "" {
		return nil, errors.New("empty JSON pointer")
	}
	if !strings.HasPrefix(s, "/") {
		return jsonPointer{s}, nil
	}
	var p jsonPointer
	for tok := range strings.SplitSeq(s[1:], "/") {
		if len(p) == maxPointerTokens {
			return nil, fmt.Errorf("JSON pointer %q has more than %d tokens", s, maxPointerTokens)
		}
		unescaped, err := unescapePointerToken(tok)
		if err != nil {
			return nil, fmt.Errorf("JSON pointer %q: %w", s, err)
		}
		p = append(p, unescaped)
	}
	return p, nil
}

// unescapePointerToken decodes ~1 to "/" and ~0 to "~" (RFC 6901 §4: ~1
// first would turn "~01" into "/"; decoding left to right avoids it).
func unescapePointerToken(tok string) (string, error) {
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
			return "", errors.New(`"~" at the end of a token`)
		}
		switch tok[i+1] {
		case '0':
			b.WriteByte('~')
		case '1':
			b.WriteByte('/')
		default:
			return "", fmt.Errorf(`invalid escape "~%c"`, tok[i+1])
		}
		i++
	}
	return b.String(), nil
}

// arrayIndex parses an RFC 6901 array index: "0" or a decimal without
// leading zeros.
func arrayIndex(tok string) (int, bool) {
	if tok == "" || len(tok) > 1 && tok[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(tok)
	return n, err == nil
}

// errTrailingData reports a body with more after its JSON value.
var errTrailingData = errors.New("data after the JSON value")

// pointerValues calls visit for every value the pointer reaches in the JSON
// document data: the string or number text with scalar true, or scalar false
// for an object, array, boolean or null.
//
// It visits every value an upstream's parser might bind, not the one RFC
// 6901 names, because that is what an attacker aims at:
//   - duplicate member names ({"owner_id":"me","owner_id":"you"}) are all
//     visited: parsers disagree on which one wins (Go's encoding/json keeps
//     the last, others the first), the classic JSON interoperability gap;
//   - member names are matched case-insensitively, because Go's
//     encoding/json binds "Owner_ID" to a field tagged owner_id.
//
// It returns an error for anything that is not exactly one well-formed JSON
// value, so that a lenient upstream parser (comments, trailing data) cannot
// read a body the guard could not.
func pointerValues(data []byte, ptr jsonPointer, visit func(value string, scalar bool)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walkValue(dec, ptr, visit); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailingData
	}
	return nil
}

// walkValue reads one value from dec, following ptr into it.
func walkValue(dec *json.Decoder, ptr jsonPointer, visit func(string, bool)) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, isDelim := tok.(json.Delim)
	if len(ptr) == 0 {
		switch v := tok.(type) {
		case string:
			visit(v, true)
		case json.Number:
			visit(string(v), true)
		default:
			visit("", false)
		}
		if isDelim {
			return skipContainer(dec)
		}
		return nil
	}
	if !isDelim {
		return nil // a scalar where the pointer goes deeper: nothing there
	}
	switch delim {
	case '{':
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			name, _ := key.(string)
			if strings.EqualFold(name, ptr[0]) {
				err = walkValue(dec, ptr[1:], visit)
			} else {
				err = skipValue(dec)
			}
			if err != nil {
				return err
			}
		}
	case '[':
		want, isIndex := arrayIndex(ptr[0])
		for i := 0; dec.More(); i++ {
			if isIndex && i == want {
				err = walkValue(dec, ptr[1:], visit)
			} else {
				err = skipValue(dec)
			}
			if err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// skipValue reads and discards one value.
func skipValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if _, ok := tok.(json.Delim); ok {
		return skipContainer(dec)
	}
	return nil
}

// skipContainer discards the rest of an object or array whose opening
// delimiter was read. It loops instead of recursing: the nesting depth is
// the client's choice (encoding/json itself stops at 10000 levels).
func skipContainer(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}
