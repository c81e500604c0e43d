package injection

import "unicode/utf8"

// decodeJSEscapes appends src to dst with JavaScript/JSON escapes decoded,
// and reports whether it decoded any.
//
// Why: a value that reaches a JavaScript context, an eval, a JSON parser run
// twice, or a Python/PHP string literal is unescaped there, so
// "\x3cscript\x3e" is "<script>" and "\u0027 or 1=1" is "' or 1=1".
//
// Decoded: \uXXXX (a surrogate pair as one character, a lone surrogate as
// U+FFFD), \u{X…} (1–6 hex digits), \xHH and octal \N, \NN, \NNN (up to
// \377). Other backslashes, such as Windows path separators, are copied
// unchanged.
//
// Bounds: output ≤ input, one pass.
func decodeJSEscapes(dst []byte, src string) ([]byte, bool) {
	changed := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '\\' || i+1 >= len(src) {
			dst = append(dst, c)
			continue
		}
		if r, n := jsEscape(src[i:]); n > 0 {
			dst = utf8.AppendRune(dst, r)
			i += n - 1
			changed = true
			continue
		}
		dst = append(dst, c)
	}
	return dst, changed
}

// jsEscape decodes the escape at the start of s (s[0] == '\\'), returning
// the rune and the bytes consumed, or n == 0.
func jsEscape(s string) (rune, int) {
	switch c := s[1]; {
	case c == 'u' && len(s) > 2 && s[2] == '{':
		var r rune
		i := 3
		for i < len(s) && i < 9 && isHex(s[i]) {
			r = r<<4 | rune(hexVal(s[i]))
			i++
		}
		if i == 3 || i >= len(s) || s[i] != '}' {
			return 0, 0
		}
		if r > utf8.MaxRune {
			r = utf8.RuneError
		}
		return r, i + 1
	case c == 'u':
		hi, ok := hex4(s, 2)
		if !ok {
			return 0, 0
		}
		if hi >= 0xD800 && hi <= 0xDBFF && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if lo, ok := hex4(s, 8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				return 0x10000 + (hi-0xD800)<<10 + (lo - 0xDC00), 12
			}
		}
		return hi, 6 // a lone surrogate is written as U+FFFD by AppendRune
	case c == 'x':
		if len(s) >= 4 && isHex(s[2]) && isHex(s[3]) {
			return rune(hexVal(s[2])<<4 | hexVal(s[3])), 4
		}
	case c >= '0' && c <= '7':
		r, i := rune(0), 1
		for i < len(s) && i < 4 && s[i] >= '0' && s[i] <= '7' && r*8+rune(s[i]-'0') <= 0377 {
			r = r*8 + rune(s[i]-'0')
			i++
		}
		return r, i
	}
	return 0, 0
}

// hex4 parses four hex digits at s[i:].
func hex4(s string, i int) (rune, bool) {
	if len(s) < i+4 {
		return 0, false
	}
	var r rune
	for j := i; j < i+4; j++ {
		if !isHex(s[j]) {
			return 0, false
		}
		r = r<<4 | rune(hexVal(s[j]))
	}
	return r, true
}
