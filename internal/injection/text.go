package injection

import (
	"strings"
	"unsafe"
)

// Byte-level helpers shared by the normalisers and detectors. Everything
// here is ASCII-only on purpose: the syntax of every language we look for
// (SQL, HTML, shells, URLs, templates) is ASCII, and ASCII folding cannot
// change a string's length, so offsets stay valid.

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

func hexVal(c byte) byte {
	if isDigit(c) {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// isIdent reports whether c can be part of an identifier or keyword.
func isIdent(c byte) bool { return isAlpha(c) || isDigit(c) || c == '_' }

// isSpace reports ASCII whitespace, including the vertical tab and form feed
// that SQL and shell parsers also treat as separators.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func toLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// skipSpace returns the first index at or after i that is not whitespace.
func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// skipSpaceBack returns the last index at or before i that is not
// whitespace, or -1.
func skipSpaceBack(s string, i int) int {
	for i >= 0 && isSpace(s[i]) {
		i--
	}
	return i
}

// hasFoldAt reports whether s[i:] starts with w, ignoring ASCII case. w must
// be lower case.
func hasFoldAt(s string, i int, w string) bool {
	if i < 0 || len(s)-i < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		if toLower(s[i+j]) != w[j] {
			return false
		}
	}
	return true
}

// wordAt reports whether the lower-case string s has the word w at i, with
// no identifier byte right before or after it.
func wordAt(s string, i int, w string) bool {
	if !strings.HasPrefix(s[i:], w) {
		return false
	}
	if i > 0 && isIdent(s[i-1]) {
		return false
	}
	end := i + len(w)
	return end == len(s) || !isIdent(s[end])
}

// indexWord returns the index of the first occurrence at or after from of
// the word w in the lower-case string s, or -1. Each failed candidate
// advances the search, so the cost is linear in len(s) for a fixed w.
func indexWord(s, w string, from int) int {
	for from <= len(s)-len(w) {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return -1
		}
		i += from
		if wordAt(s, i, w) {
			return i
		}
		from = i + 1
	}
	return -1
}

// anyWordAt returns the first word of ws found at i in s, or "".
func anyWordAt(s string, i int, ws []string) string {
	for _, w := range ws {
		if wordAt(s, i, w) {
			return w
		}
	}
	return ""
}

// identEnd returns the end of the identifier that starts at i.
func identEnd(s string, i int) int {
	for i < len(s) && isIdent(s[i]) {
		i++
	}
	return i
}

// view returns a string that shares b's memory. The engine builds decoded
// variants in pooled buffers and hands them to detectors as strings without
// copying; such a string must not outlive the Scan call that made it
// (matches copy what they keep: see snippet). libinjection-go clears its
// pooled state, input included, before returning.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// bytesOf returns a read-only byte view of s, for standard-library decoders
// that take a []byte source and never write to it.
func bytesOf(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
