package sign

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file parses and serializes the subset of RFC 8941 Structured Field
// Values that RFC 9421 (Signature-Input, Signature) and RFC 9530
// (Content-Digest) use: Dictionaries whose members are Items or Inner
// Lists, Parameters, and the bare item types Integer, Decimal, String,
// Token, Byte Sequence and Boolean. RFC 9651's Date and Display String are
// refused. No structured-field library is served by the module proxy this
// project builds from, and the grammar is small, so it is written here,
// following the parsing algorithms of RFC 8941 §4.2 step by step; the fuzz
// test checks that whatever parses re-serializes to something that parses
// to the same value.

// Token is an RFC 8941 Token bare item (e.g. `sha-256` is a key, `foo/bar`
// a token).
type Token string

// Decimal is an RFC 8941 Decimal in thousandths (1.5 is Decimal(1500)).
type Decimal int64

// Param is one parameter of an Item or Inner List. Value is one of int64,
// Decimal, string, Token, []byte or bool.
type Param struct {
	Key   string
	Value any
}

// Params is an ordered parameter list; keys are unique.
type Params []Param

// Get returns the value of key and whether it is present.
func (p Params) Get(key string) (any, bool) {
	for i := range p {
		if p[i].Key == key {
			return p[i].Value, true
		}
	}
	return nil, false
}

// set overwrites key's value in place or appends it (RFC 8941 §4.2.3.2:
// a repeated key overwrites the earlier value).
func (p Params) set(key string, v any) Params {
	for i := range p {
		if p[i].Key == key {
			p[i].Value = v
			return p
		}
	}
	return append(p, Param{Key: key, Value: v})
}

// Item is a bare item with parameters.
type Item struct {
	Value  any
	Params Params
}

// InnerList is a parenthesised list of Items with parameters.
type InnerList struct {
	Items  []Item
	Params Params
}

// DictMember is one member of a Dictionary: an Item, or an Inner List when
// IsList is true.
type DictMember struct {
	Key    string
	IsList bool
	Item   Item
	List   InnerList
}

// Dictionary is an ordered RFC 8941 Dictionary; keys are unique.
type Dictionary []DictMember

// Get returns the member with key.
func (d Dictionary) Get(key string) (DictMember, bool) {
	for i := range d {
		if d[i].Key == key {
			return d[i], true
		}
	}
	return DictMember{}, false
}

// errSyntax is wrapped by every parse error.
var errSyntax = errors.New("structured field syntax error")

// sfParser walks the input once; every step consumes at least one byte or
// fails, so parsing is linear in the input length.
type sfParser struct {
	s   string
	pos int
}

func (p *sfParser) fail(what string) error {
	return fmt.Errorf("%w at offset %d: %s", errSyntax, p.pos, what)
}

func (p *sfParser) eof() bool { return p.pos >= len(p.s) }

func (p *sfParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.pos]
}

func (p *sfParser) skipSP() {
	for !p.eof() && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *sfParser) skipOWS() {
	for !p.eof() && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// ParseDictionary parses a Dictionary field value (RFC 8941 §4.2.2). The
// lines of a field that appears several times must be joined with ", "
// first (RFC 8941 §4.2).
func ParseDictionary(s string) (Dictionary, error) {
	p := &sfParser{s: s}
	p.skipSP()
	var d Dictionary
	for !p.eof() {
		key, err := p.parseKey()
		if err != nil {
			return nil, err
		}
		var m DictMember
		if p.peek() == '=' {
			p.pos++
			if m, err = p.parseItemOrInnerList(); err != nil {
				return nil, err
			}
		} else {
			params, err := p.parseParams()
			if err != nil {
				return nil, err
			}
			m.Item = Item{Value: true, Params: params}
		}
		m.Key = key
		d = d.put(m)
		p.skipOWS()
		if p.eof() {
			return d, nil
		}
		if p.peek() != ',' {
			return nil, p.fail("expected ',' between dictionary members")
		}
		p.pos++
		p.skipOWS()
		if p.eof() {
			return nil, p.fail("trailing ',' in dictionary")
		}
	}
	return d, nil
}

// put overwrites a repeated key in place (RFC 8941 §4.2.2) or appends.
func (d Dictionary) put(m DictMember) Dictionary {
	for i := range d {
		if d[i].Key == m.Key {
			d[i] = m
			return d
		}
	}
	return append(d, m)
}

// ParseItem parses an Item field value (RFC 8941 §4.2.3), such as a
// component identifier `"@query-param";name="id"`.
func ParseItem(s string) (Item, error) {
	p := &sfParser{s: s}
	p.skipSP()
	it, err := p.parseItem()
	if err != nil {
		return Item{}, err
	}
	p.skipSP()
	if !p.eof() {
		return Item{}, p.fail("trailing characters after item")
	}
	return it, nil
}

func (p *sfParser) parseItemOrInnerList() (DictMember, error) {
	if p.peek() == '(' {
		l, err := p.parseInnerList()
		return DictMember{IsList: true, List: l}, err
	}
	it, err := p.parseItem()
	return DictMember{Item: it}, err
}

func (p *sfParser) parseInnerList() (InnerList, error) {
	p.pos++ // '('
	var l InnerList
	for !p.eof() {
		p.skipSP()
		if p.peek() == ')' {
			p.pos++
			params, err := p.parseParams()
			l.Params = params
			return l, err
		}
		it, err := p.parseItem()
		if err != nil {
			return InnerList{}, err
		}
		l.Items = append(l.Items, it)
		if c := p.peek(); c != ' ' && c != ')' {
			return InnerList{}, p.fail("expected ' ' or ')' in inner list")
		}
	}
	return InnerList{}, p.fail("unterminated inner list")
}

func (p *sfParser) parseItem() (Item, error) {
	v, err := p.parseBareItem()
	if err != nil {
		return Item{}, err
	}
	params, err := p.parseParams()
	return Item{Value: v, Params: params}, err
}

func (p *sfParser) parseParams() (Params, error) {
	var params Params
	for p.peek() == ';' {
		p.pos++
		p.skipSP()
		key, err := p.parseKey()
		if err != nil {
			return nil, err
		}
		var v any = true
		if p.peek() == '=' {
			p.pos++
			if v, err = p.parseBareItem(); err != nil {
				return nil, err
			}
		}
		params = params.set(key, v)
	}
	return params, nil
}

func isLCAlpha(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlpha(c byte) bool   { return isLCAlpha(c) || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool   { return c >= '0' && c <= '9' }

// isTChar reports an RFC 9110 tchar.
func isTChar(c byte) bool {
	if isAlpha(c) || isDigit(c) {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isKeyChar(c byte) bool {
	return isLCAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*'
}

func (p *sfParser) parseKey() (string, error) {
	if c := p.peek(); !isLCAlpha(c) && c != '*' {
		return "", p.fail("key must start with a lowercase letter or '*'")
	}
	start := p.pos
	for !p.eof() && isKeyChar(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos], nil
}

func (p *sfParser) parseBareItem() (any, error) {
	c := p.peek()
	switch {
	case c == '-' || isDigit(c):
		return p.parseNumber()
	case c == '"':
		return p.parseString()
	case c == '*' || isAlpha(c):
		return p.parseToken(), nil
	case c == ':':
		return p.parseByteSequence()
	case c == '?':
		return p.parseBoolean()
	}
	return nil, p.fail("unrecognised bare item")
}

// parseNumber follows RFC 8941 §4.2.4: at most 15 digits for an Integer;
// at most 12 integer and 3 fractional digits for a Decimal.
func (p *sfParser) parseNumber() (any, error) {
	start := p.pos
	neg := false
	if p.peek() == '-' {
		neg = true
		p.pos++
	}
	if !isDigit(p.peek()) {
		return nil, p.fail("expected a digit")
	}
	digitsStart, dot := p.pos, -1
	for !p.eof() {
		c := p.s[p.pos]
		if isDigit(c) {
			p.pos++
		} else if c == '.' && dot < 0 {
			if p.pos-digitsStart > 12 {
				return nil, p.fail("decimal has more than 12 integer digits")
			}
			dot = p.pos
			p.pos++
		} else {
			break
		}
		if dot < 0 && p.pos-digitsStart > 15 {
			return nil, p.fail("integer has more than 15 digits")
		}
		if dot >= 0 && p.pos-digitsStart > 16 {
			return nil, p.fail("decimal is too long")
		}
	}
	if dot < 0 {
		n, err := strconv.ParseInt(p.s[start:p.pos], 10, 64)
		if err != nil {
			return nil, p.fail("invalid integer")
		}
		return n, nil
	}
	frac := p.s[dot+1 : p.pos]
	if len(frac) == 0 || len(frac) > 3 {
		return nil, p.fail("decimal needs 1 to 3 fractional digits")
	}
	whole, err := strconv.ParseInt(p.s[digitsStart:dot], 10, 64)
	if err != nil {
		return nil, p.fail("invalid decimal")
	}
	f, _ := strconv.ParseInt((frac + "00")[:3], 10, 64)
	v := whole*1000 + f
	if neg {
		v = -v
	}
	return Decimal(v), nil
}

func (p *sfParser) parseString() (string, error) {
	p.pos++ // '"'
	var b strings.Builder
	for !p.eof() {
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == '\\':
			if p.eof() {
				return "", p.fail("unterminated escape in string")
			}
			e := p.s[p.pos]
			p.pos++
			if e != '"' && e != '\\' {
				return "", p.fail("invalid escape in string")
			}
			b.WriteByte(e)
		case c == '"':
			return b.String(), nil
		case c < 0x20 || c > 0x7e:
			return "", p.fail("invalid character in string")
		default:
			b.WriteByte(c)
		}
	}
	return "", p.fail("unterminated string")
}

func (p *sfParser) parseToken() Token {
	start := p.pos
	p.pos++ // first character checked by the caller
	for !p.eof() {
		c := p.s[p.pos]
		if !isTChar(c) && c != ':' && c != '/' {
			break
		}
		p.pos++
	}
	return Token(p.s[start:p.pos])
}

func (p *sfParser) parseByteSequence() ([]byte, error) {
	p.pos++ // ':'
	end := strings.IndexByte(p.s[p.pos:], ':')
	if end < 0 {
		return nil, p.fail("unterminated byte sequence")
	}
	enc := p.s[p.pos : p.pos+end]
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !isAlpha(c) && !isDigit(c) && c != '+' && c != '/' && c != '=' {
			return nil, p.fail("invalid character in byte sequence")
		}
	}
	p.pos += end + 1
	// RFC 8941 §4.2.7 lets parsers accept missing padding.
	out, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		out, err = base64.RawStdEncoding.DecodeString(enc)
	}
	if err != nil {
		return nil, p.fail("invalid base64 in byte sequence")
	}
	return out, nil
}

func (p *sfParser) parseBoolean() (bool, error) {
	p.pos++ // '?'
	switch p.peek() {
	case '0':
		p.pos++
		return false, nil
	case '1':
		p.pos++
		return true, nil
	}
	return false, p.fail("invalid boolean")
}
