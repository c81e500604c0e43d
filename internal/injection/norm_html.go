package injection

import "unicode/utf8"

// decodeHTMLEntities appends src to dst with HTML character references
// decoded, and reports whether it decoded any.
//
// Why: a value that ends up in an HTML attribute or a URL is decoded by the
// browser, so "&#106;avascript&colon;" runs as "javascript:", and
// "&lt;script&gt;" becomes markup once a template unescapes it.
//
// Decoded: numeric references &#DDD; and &#xHHH; (the semicolon optional, as
// browsers accept, leading zeros allowed, at most 7 significant digits; 0,
// surrogates and values past U+10FFFF become U+FFFD), and a named subset:
// the characters that matter to the syntaxes the detectors read. The legacy
// forms &lt &gt &amp &quot are decoded without a semicolon too. Other names
// are copied unchanged (no full entity table: an unknown name cannot smuggle
// syntax).
//
// Bounds: output ≤ input (every reference is at least as long as its
// UTF-8), one pass.
func decodeHTMLEntities(dst []byte, src string) ([]byte, bool) {
	changed := false
	for i := 0; i < len(src); i++ {
		if src[i] != '&' {
			dst = append(dst, src[i])
			continue
		}
		if r, n := numericEntity(src[i:]); n > 0 {
			dst = utf8.AppendRune(dst, r)
			i += n - 1
			changed = true
			continue
		}
		if b, n := namedEntity(src[i:]); n > 0 {
			dst = append(dst, b...)
			i += n - 1
			changed = true
			continue
		}
		dst = append(dst, '&')
	}
	return dst, changed
}

// numericEntity decodes a reference at the start of s ("&#…"), returning the
// rune and the bytes consumed, or n == 0.
func numericEntity(s string) (rune, int) {
	if len(s) < 3 || s[1] != '#' {
		return 0, 0
	}
	i, hex := 2, false
	if s[2] == 'x' || s[2] == 'X' {
		hex, i = true, 3
	}
	isNum := isDigit
	if hex {
		isNum = isHex
	}
	digits := i
	for i < len(s) && s[i] == '0' {
		i++
	}
	sig := i
	for i < len(s) && isNum(s[i]) {
		i++
	}
	if i == digits {
		return 0, 0 // "&#;" or "&#x": no number at all
	}
	r := utf8.RuneError
	if i-sig <= 7 {
		r = 0
		for _, c := range []byte(s[sig:i]) {
			if hex {
				r = r<<4 | rune(hexVal(c))
			} else {
				r = r*10 + rune(c-'0')
			}
		}
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	if r == 0 || r > utf8.MaxRune || (r >= 0xD800 && r <= 0xDFFF) {
		r = utf8.RuneError
	}
	return r, i
}

// namedEntities maps the names decoded (without '&' and ';') to their text.
var namedEntities = map[string]string{
	"lt": "<", "gt": ">", "amp": "&", "quot": `"`, "apos": "'",
	"sol": "/", "bsol": `\`, "colon": ":", "semi": ";", "comma": ",",
	"period": ".", "excl": "!", "num": "#", "dollar": "$", "percnt": "%",
	"equals": "=", "lpar": "(", "rpar": ")", "lsqb": "[", "rsqb": "]",
	"lbrack": "[", "rbrack": "]", "lcub": "{", "rcub": "}", "lbrace": "{",
	"rbrace": "}", "grave": "`", "quest": "?", "ast": "*", "midast": "*",
	"plus": "+", "vert": "|", "verbar": "|", "hat": "^", "lowbar": "_",
	"hyphen": "-", "dash": "-", "commat": "@", "tab": "\t", "newline": "\n",
	"nbsp": "\u00a0", "tilde": "~",
}

// longestEntityName bounds the look-ahead for a name.
const longestEntityName = 8

// legacyEntities are the names browsers decode without a semicolon, even
// when letters follow ("&ltscript" is "<script").
var legacyEntities = []string{"amp", "quot", "lt", "gt"}

// namedEntity decodes a named reference at the start of s ("&name;").
// Names are matched case-insensitively ("&Tab;", "&NewLine;").
func namedEntity(s string) (string, int) {
	end := 1
	for end < len(s) && end <= longestEntityName+1 && isAlpha(s[end]) {
		end++
	}
	if end == 1 {
		return "", 0
	}
	if end < len(s) && s[end] == ';' && end-1 <= longestEntityName {
		var buf [longestEntityName]byte
		for i := 1; i < end; i++ {
			buf[i-1] = toLower(s[i])
		}
		if text, ok := namedEntities[string(buf[:end-1])]; ok {
			return text, end + 1
		}
	}
	for _, name := range legacyEntities {
		if hasFoldAt(s, 1, name) {
			return namedEntities[name], 1 + len(name)
		}
	}
	return "", 0
}
