package inspect

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// plainStringByte marks the bytes a JSON string may contain as they are:
// printable ASCII other than '"' and '\\'. Everything else needs a closer
// look (end, escape, control character, UTF-8 sequence).
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString reads the JSON string whose opening quote is at body[i] and
// returns the offset just past its closing quote. It refuses control
// characters (malformed_json), invalid UTF-8 and unpaired surrogate escapes
// (invalid_utf8), and strings longer than MaxStringLen once unescaped.
//
// When the string has escapes, escaped is true and, if dst is not nil, the
// unescaped string is appended to *dst. A string without escapes is
// body[i+1:end-1] and nothing is appended.
func (w *jsonWalker) scanString(i int, dst *[]byte) (end int, escaped bool, err error) {
	b := w.body
	j := i + 1
	for j < len(b) {
		c := b[j]
		if plainStringByte[c] {
			j++
			continue
		}
		switch {
		case c == '"':
			if n := j - (i + 1); n > w.lim.MaxStringLen {
				return j, false, w.stringTooLong(i, n)
			}
			return j + 1, false, nil
		case c == '\\':
			return w.scanEscapedString(i, j, dst)
		case c < 0x20:
			return j, false, w.syntaxError(j, "in string literal")
		default:
			size, err := w.checkRune(j)
			if err != nil {
				return j, false, err
			}
			j += size
		}
	}
	return j, false, w.syntaxError(j, "in string literal")
}

// checkRune checks the UTF-8 sequence at body[j] and returns its length.
// Encoded surrogates (ED A0..BF xx) are invalid UTF-8 and refused too.
func (w *jsonWalker) checkRune(j int) (int, error) {
	r, size := utf8.DecodeRune(w.body[j:])
	if r == utf8.RuneError && size == 1 {
		return 0, w.fail(CodeInvalidUTF8, fmt.Errorf("invalid UTF-8 at offset %d", j))
	}
	return size, nil
}

func (w *jsonWalker) stringTooLong(i, n int) error {
	return w.fail(CodeJSONStringTooLong, fmt.Errorf("string of %d bytes at offset %d (limit %d)", n, i, w.lim.MaxStringLen))
}

// scanEscapedString continues scanString from the first backslash, at
// body[j], of the string opened at body[i].
func (w *jsonWalker) scanEscapedString(i, j int, dst *[]byte) (int, bool, error) {
	b := w.body
	// n counts the unescaped bytes; run is the start of the bytes not yet
	// copied to dst.
	n := j - (i + 1)
	run := i + 1
	flush := func(upTo int) {
		if dst != nil {
			*dst = append(*dst, b[run:upTo]...)
		}
	}
	for j < len(b) {
		c := b[j]
		if plainStringByte[c] {
			j++
			n++
			continue
		}
		switch {
		case c == '"':
			flush(j)
			if n > w.lim.MaxStringLen {
				return j, true, w.stringTooLong(i, n)
			}
			return j + 1, true, nil
		case c == '\\':
			flush(j)
			r, next, err := w.unescape(j)
			if err != nil {
				return j, true, err
			}
			if dst != nil {
				*dst = utf8.AppendRune(*dst, r)
			}
			n += utf8.RuneLen(r)
			j, run = next, next
		case c < 0x20:
			return j, true, w.syntaxError(j, "in string literal")
		default:
			size, err := w.checkRune(j)
			if err != nil {
				return j, true, err
			}
			j += size
			n += size
		}
		if n > w.lim.MaxStringLen {
			// Stop early: the rest of a huge string need not be read.
			return j, true, w.stringTooLong(i, n)
		}
	}
	return j, true, w.syntaxError(j, "in string literal")
}

// unescape decodes the escape sequence at body[j] (a backslash) and returns
// the rune and the offset after the sequence. A \u escape of a high
// surrogate must be followed by one of a low surrogate; the pair is one
// rune.
func (w *jsonWalker) unescape(j int) (rune, int, error) {
	b := w.body
	if j+1 >= len(b) {
		return 0, j, w.syntaxError(j+1, "in string escape code")
	}
	switch b[j+1] {
	case '"', '\\', '/':
		return rune(b[j+1]), j + 2, nil
	case 'b':
		return '\b', j + 2, nil
	case 'f':
		return '\f', j + 2, nil
	case 'n':
		return '\n', j + 2, nil
	case 'r':
		return '\r', j + 2, nil
	case 't':
		return '\t', j + 2, nil
	case 'u':
		r, err := w.hex4(j + 2)
		if err != nil {
			return 0, j, err
		}
		if !utf16.IsSurrogate(r) {
			return r, j + 6, nil
		}
		if r >= 0xDC00 {
			return 0, j, w.fail(CodeInvalidUTF8, fmt.Errorf("%w at offset %d", errLoneSurrogate, j))
		}
		if j+7 < len(b) && b[j+6] == '\\' && b[j+7] == 'u' {
			low, err := w.hex4(j + 8)
			if err != nil {
				return 0, j, err
			}
			if 0xDC00 <= low && low <= 0xDFFF {
				return utf16.DecodeRune(r, low), j + 12, nil
			}
		}
		return 0, j, w.fail(CodeInvalidUTF8, fmt.Errorf("%w at offset %d", errLoneSurrogate, j))
	}
	return 0, j, w.syntaxError(j+1, "in string escape code")
}

// hex4 decodes the four hex digits at body[j].
func (w *jsonWalker) hex4(j int) (rune, error) {
	b := w.body
	var r rune
	for k := j; k < j+4; k++ {
		if k >= len(b) {
			return 0, w.syntaxError(k, "in \\u hexadecimal character escape")
		}
		c := b[k]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, w.syntaxError(k, "in \\u hexadecimal character escape")
		}
		r = r<<4 | rune(c)
	}
	return r, nil
}
