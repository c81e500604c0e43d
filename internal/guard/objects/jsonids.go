package objects

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/jsonptr"
)

// eachID calls fn with every id the rule finds in doc, a document
// json.Valid accepted, until fn returns false: the one at IDPointer, then
// those at ItemIDPointer in each element of the array at ListPointer.
func (l *learnRule) eachID(doc []byte, fn func(id string) bool) {
	if l.hasID {
		if at, ok := resolve(doc, 0, l.idPointer); ok {
			if id, ok := scalarID(doc, at); ok && !fn(id) {
				return
			}
		}
	}
	if !l.hasList {
		return
	}
	at, ok := resolve(doc, 0, l.listPointer)
	if !ok || doc[at] != '[' {
		return
	}
	elements(doc, at, func(el int) bool {
		if at, ok := resolve(doc, el, l.itemPointer); ok {
			if id, ok := scalarID(doc, at); ok {
				return fn(id)
			}
		}
		return true
	})
}

// The functions below walk a JSON document in place, without building it:
// learning reads up to a MiB of list per response, and decoding it into
// maps would cost far more than the few ids it yields. They expect a
// document json.Valid accepted; on any other input they stop early without
// panicking (FuzzLearnIDs checks both).

// resolve returns the offset of the value p points at from the value at i.
// A member name that appears twice in an object is ambiguous (parsers keep
// the first or the last one) and matches nothing: an id is learned only
// from a response that names it unambiguously.
func resolve(b []byte, i int, p jsonptr.Pointer) (int, bool) {
	for _, tok := range p {
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, false
		}
		var ok bool
		switch b[i] {
		case '{':
			i, ok = member(b, i, tok)
		case '[':
			i, ok = element(b, i, tok)
		}
		if !ok {
			return 0, false
		}
	}
	i = skipSpace(b, i)
	return i, i < len(b)
}

// member finds name in the object at b[i] and returns its value's offset.
func member(b []byte, i int, name string) (int, bool) {
	found := -1
	for i = skipSpace(b, i+1); i < len(b) && b[i] == '"'; {
		end := skipString(b, i)
		match := keyEquals(b[i:end], name)
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		i = skipSpace(b, i+1)
		if match {
			if found >= 0 {
				return 0, false // duplicate name: ambiguous
			}
			found = i
		}
		i = skipSpace(b, skipValue(b, i))
		if i >= len(b) || b[i] != ',' {
			break
		}
		i = skipSpace(b, i+1)
	}
	return found, found >= 0
}

// element finds the array element tok ("0", "12") of the array at b[i].
func element(b []byte, i int, tok string) (int, bool) {
	want, ok := jsonptr.ArrayIndex(tok)
	if !ok {
		return 0, false // "-", "01", "+1": not an index (RFC 6901 §4)
	}
	found := -1
	elements(b, i, func(at int) bool {
		if want == 0 {
			found = at
			return false
		}
		want--
		return true
	})
	return found, found >= 0
}

// elements calls fn with the offset of each element of the array at b[i]
// until fn returns false.
func elements(b []byte, i int, fn func(at int) bool) {
	i = skipSpace(b, i+1)
	if i >= len(b) || b[i] == ']' {
		return
	}
	for i < len(b) {
		if !fn(i) {
			return
		}
		i = skipSpace(b, skipValue(b, i))
		if i >= len(b) || b[i] != ',' {
			return
		}
		i = skipSpace(b, i+1)
	}
}

// scalarID returns the string or number at b[i] as an id: a string's
// decoded value, a number's text as written ("7", "1e3"). Other values
// (objects, arrays, true, false, null) and "" are not ids.
func scalarID(b []byte, i int) (string, bool) {
	if i >= len(b) {
		return "", false
	}
	switch c := b[i]; {
	case c == '"':
		raw := b[i:skipString(b, i)]
		if len(raw) < 2 || raw[len(raw)-1] != '"' {
			return "", false
		}
		if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
			return string(raw[1 : len(raw)-1]), len(raw) > 2
		}
		// Escapes, or bytes that are not UTF-8: read the string as
		// encoding/json (and so the upstream's JSON library) does.
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, s != ""
	case c == '-' || c >= '0' && c <= '9':
		j := i + 1
		for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] == '+' || b[j] == '-') {
			j++
		}
		return string(b[i:j]), true
	}
	return "", false
}

// keyEquals compares a quoted member name with name.
func keyEquals(raw []byte, name string) bool {
	if len(raw) < 2 || raw[len(raw)-1] != '"' {
		return false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1:len(raw)-1]) == name
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == name
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset after the string starting at b[i] ('"').
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the offset after the value at b[i]. It always
// advances, so every loop over it ends. Nesting is counted, not recursed
// into: a deeply nested document cannot exhaust the stack.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	j := i + 1 // a number or a literal: up to the next delimiter
	for j < len(b) && !isDelimiter(b[j]) {
		j++
	}
	return j
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', ':', '[', ']', '{', '}', '"', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}
