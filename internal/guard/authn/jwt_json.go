package authn

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth is encoding/json's nesting limit (maxNestingDepth).
const maxJSONDepth = 10000

var errJSONSyntax = errors.New("invalid JSON")

// decodeJSONObject decodes a JWT claims set into a map exactly as
// json.Unmarshal decodes it into a non-nil jwt.MapClaims, the way
// golang-jwt's parser does: objects become map[string]any, arrays []any,
// numbers float64 (an error when out of range), invalid UTF-8 and
// unpaired surrogates U+FFFD, a repeated name keeps its last value, and
// top-level null leaves the map empty. Anything else at the top level, and
// any syntax error, is an error. FuzzDecodeJSONObject holds it to
// encoding/json on arbitrary input.
//
// It exists for speed: on the per-request path of a token seen for the
// first time, encoding/json's reflection cost about a seventh of an RS256
// verification. Keeping to encoding/json's rules matters more than usual
// here: a parser differential on duplicate names or odd escapes is how a
// token says one thing to the gateway and another to a component behind
// it (CVE-2017-12635 style).
func decodeJSONObject(s string) (map[string]any, error) {
	d := jsonDecoder{s: s}
	isObject, err := d.begin()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if !isObject { // top-level null
		m = map[string]any{}
	} else if m, err = d.topObjectMap(); err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return m, nil
}

// jsonDecoder reads one JSON text. Strings without escapes or invalid
// UTF-8 are slices of s, so decoding allocates only for maps, slices and
// boxed values.
type jsonDecoder struct {
	s     string
	i     int
	depth int
}

// begin reads up to the top-level value: true at an object, false after
// a null. Valid JSON of another type is an error too (json's
// UnmarshalTypeError).
func (d *jsonDecoder) begin() (bool, error) {
	d.space()
	switch {
	case d.i == len(d.s):
		return false, errJSONSyntax
	case d.s[d.i] == '{':
		return true, nil
	case d.s[d.i] == 'n':
		return false, d.literal("null")
	}
	return false, errors.New("JSON value is not an object")
}

// end checks nothing but whitespace follows the top-level value.
func (d *jsonDecoder) end() error {
	d.space()
	if d.i != len(d.s) {
		return errJSONSyntax
	}
	return nil
}

// space skips JSON whitespace (RFC 8259 §2: exactly these four bytes).
func (d *jsonDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value() (any, error) {
	if d.i == len(d.s) {
		return nil, errJSONSyntax
	}
	switch c := d.s[d.i]; {
	case c == '{':
		m, err := d.objectMap()
		if err != nil {
			return nil, err
		}
		return m, nil
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	}
	return nil, errJSONSyntax
}

func (d *jsonDecoder) literal(lit string) error {
	if !strings.HasPrefix(d.s[d.i:], lit) {
		return errJSONSyntax
	}
	d.i += len(lit)
	return nil
}

func (d *jsonDecoder) enter() error {
	if d.depth++; d.depth > maxJSONDepth {
		return errors.New("JSON nested too deeply")
	}
	return nil
}

// object reads {...}, d.s[d.i] being '{', and calls member with each
// name; member reads the value.
func (d *jsonDecoder) object(member func(name string) error) error {
	if err := d.enter(); err != nil {
		return err
	}
	d.i++
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		d.depth--
		return nil
	}
	for {
		if d.i == len(d.s) || d.s[d.i] != '"' {
			return errJSONSyntax
		}
		name, err := d.str()
		if err != nil {
			return err
		}
		d.space()
		if d.i == len(d.s) || d.s[d.i] != ':' {
			return errJSONSyntax
		}
		d.i++
		d.space()
		if err := member(name); err != nil {
			return err
		}
		d.space()
		if d.i == len(d.s) {
			return errJSONSyntax
		}
		switch d.s[d.i] {
		case ',':
			d.i++
			d.space()
		case '}':
			d.i++
			d.depth--
			return nil
		default:
			return errJSONSyntax
		}
	}
}

// objectMap reads an object into a map.
func (d *jsonDecoder) objectMap() (map[string]any, error) {
	m := make(map[string]any)
	err := d.object(func(name string) error {
		v, err := d.value()
		m[name] = v // a repeated name: the last one wins, as in encoding/json
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// topObjectMap is objectMap for the top-level object, a claims set: its
// members are gathered on the stack first, so that the map is made at its
// final size. A claims set often has more than the eight members a map
// holds before it grows, and for nine members growing made building the
// map a third slower.
func (d *jsonDecoder) topObjectMap() (map[string]any, error) {
	var stack [16]jsonMember
	members := stack[:0]
	err := d.object(func(name string) error {
		v, err := d.value()
		members = append(members, jsonMember{name, v})
		return err
	})
	if err != nil {
		return nil, err
	}
	m := make(map[string]any, len(members))
	for _, mb := range members {
		m[mb.name] = mb.value // a repeated name: the last one wins, as in encoding/json
	}
	return m, nil
}

type jsonMember struct {
	name  string
	value any
}

// array reads [...]; d.s[d.i] is '['. An empty array is an empty,
// non-nil slice.
func (d *jsonDecoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.i++
	a := make([]any, 0)
	d.space()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		d.depth--
		return a, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.space()
		if d.i == len(d.s) {
			return nil, errJSONSyntax
		}
		switch d.s[d.i] {
		case ',':
			d.i++
			d.space()
		case ']':
			d.i++
			d.depth--
			return a, nil
		default:
			return nil, errJSONSyntax
		}
	}
}

// number reads a number with RFC 8259 §6's grammar into a float64.
func (d *jsonDecoder) number() (any, error) {
	start := d.i
	neg := d.s[d.i] == '-'
	if neg {
		d.i++
	}
	intStart := d.i
	switch {
	case d.i < len(d.s) && d.s[d.i] == '0':
		d.i++
	case d.i < len(d.s) && '1' <= d.s[d.i] && d.s[d.i] <= '9':
		d.digits()
	default:
		return nil, errJSONSyntax
	}
	if n := d.i - intStart; n <= 15 && (d.i == len(d.s) || (d.s[d.i] != '.' && d.s[d.i] != 'e' && d.s[d.i] != 'E')) {
		// An integer below 10^15 < 2^53 (the NumericDates of exp, nbf,
		// iat) is exactly a float64: what ParseFloat would return,
		// without its cost. -0 stays negative zero, as ParseFloat has it.
		var v int64
		for _, c := range []byte(d.s[intStart:d.i]) {
			v = v*10 + int64(c-'0')
		}
		f := float64(v)
		if neg {
			f = -f
		}
		return f, nil
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return nil, errJSONSyntax
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return nil, errJSONSyntax
		}
	}
	f, err := strconv.ParseFloat(d.s[start:d.i], 64)
	if err != nil {
		return nil, errors.New("JSON number out of range")
	}
	return f, nil
}

func (d *jsonDecoder) digits() int {
	start := d.i
	for d.i < len(d.s) && '0' <= d.s[d.i] && d.s[d.i] <= '9' {
		d.i++
	}
	return d.i - start
}

// str reads a string; d.s[d.i] is '"'. The common case, no escapes and
// valid UTF-8, is a slice of the input.
func (d *jsonDecoder) str() (string, error) {
	d.i++
	start := d.i
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return d.s[start : d.i-1], nil
		case c == '\\' || c < ' ':
			return d.slowStr(start)
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, size := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && size == 1 {
				return d.slowStr(start)
			}
			d.i += size
		}
	}
	return "", errJSONSyntax
}

// slowStr decodes the string starting at start (just after its quote)
// the way encoding/json's unquote does: escapes resolved, a surrogate pair
// joined, an unpaired surrogate and each byte of invalid UTF-8 replaced by
// U+FFFD.
func (d *jsonDecoder) slowStr(start int) (string, error) {
	var b strings.Builder
	b.Grow(d.i - start + 16)
	b.WriteString(d.s[start:d.i])
	for d.i < len(d.s) {
		switch c := d.s[d.i]; {
		case c == '"':
			d.i++
			return b.String(), nil
		case c < ' ':
			return "", errJSONSyntax // control characters must be escaped
		case c == '\\':
			if err := d.escape(&b); err != nil {
				return "", err
			}
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			d.i++
		default:
			r, size := utf8.DecodeRuneInString(d.s[d.i:])
			b.WriteRune(r) // RuneError for an invalid byte, as json does
			d.i += size
		}
	}
	return "", errJSONSyntax
}

// escape decodes the escape at d.s[d.i] ('\\') into b.
func (d *jsonDecoder) escape(b *strings.Builder) error {
	if d.i+1 >= len(d.s) {
		return errJSONSyntax
	}
	c := d.s[d.i+1]
	d.i += 2
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r := hex4(d.s[d.i:])
		if r < 0 {
			return errJSONSyntax
		}
		d.i += 4
		if utf16.IsSurrogate(r) {
			// Joined only with a \u escape that completes the pair;
			// otherwise U+FFFD, and what follows is read on its own.
			if rest := d.s[d.i:]; len(rest) >= 6 && rest[0] == '\\' && rest[1] == 'u' {
				if pair := utf16.DecodeRune(r, hex4(rest[2:])); pair != unicode.ReplacementChar {
					b.WriteRune(pair)
					d.i += 6
					return nil
				}
			}
			r = unicode.ReplacementChar
		}
		b.WriteRune(r)
	default:
		return errJSONSyntax
	}
	return nil
}

// hex4 decodes four hex digits, or returns -1.
func hex4(s string) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
