package jsonptr

import (
	"encoding/json"
	"strings"
)

// Visit reads the next JSON value from dec and calls visit with every value
// p reaches in it, as dec.Token returns it: a string, a number (json.Number
// if dec.UseNumber was called, float64 otherwise), a bool or nil; for an
// object or array, its opening json.Delim ('{' or '['), its contents
// skipped.
//
// It visits every value an upstream's parser might bind, not only the one
// RFC 6901 names, because that is what an attacker aims at:
//   - duplicate member names ({"owner_id":"me","owner_id":"you"}) are all
//     visited: parsers disagree on which one wins (Go's encoding/json keeps
//     the last, others the first), the classic JSON interoperability gap
//     (CWE-436, interpretation conflict);
//   - member names are matched case-insensitively, because Go's
//     encoding/json binds "Owner_ID" to a field tagged owner_id.
//
// A scalar where p goes deeper, an absent member and an index out of range
// reach nothing. Visit returns dec's error for a malformed document; the
// values visited before it stay visited. It does not look past the value
// it read: trailing data is the caller's to refuse or ignore.
//
// Recursion follows p only, so its depth is bounded by the pointer, not by
// the document; everything else is skipped iteratively (a body of
// "[[[[…" must not grow the stack).
func Visit(dec *json.Decoder, p Pointer, visit func(json.Token)) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, isDelim := tok.(json.Delim)
	if len(p) == 0 {
		visit(tok)
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
			if strings.EqualFold(name, p[0]) {
				err = Visit(dec, p[1:], visit)
			} else {
				err = skipValue(dec)
			}
			if err != nil {
				return err
			}
		}
	case '[':
		want, isIndex := ArrayIndex(p[0])
		for i := 0; dec.More(); i++ {
			if isIndex && i == want {
				err = Visit(dec, p[1:], visit)
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
