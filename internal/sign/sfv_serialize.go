package sign

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Serialization follows RFC 8941 §4.1. It is canonical: RFC 9421 §2.3
// builds the @signature-params line by serializing the parsed
// Signature-Input member, so signer and verifier must produce the same
// bytes for the same value.

// maxInteger bounds RFC 8941 Integers (15 decimal digits).
const maxInteger = 999_999_999_999_999

// SerializeDictionary serializes d.
func SerializeDictionary(d Dictionary) (string, error) {
	var b strings.Builder
	for i, m := range d {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := writeKey(&b, m.Key); err != nil {
			return "", err
		}
		if m.IsList {
			b.WriteByte('=')
			if err := writeInnerList(&b, m.List); err != nil {
				return "", err
			}
			continue
		}
		if v, ok := m.Item.Value.(bool); ok && v {
			// A true boolean member is written as its key alone.
			if err := writeParams(&b, m.Item.Params); err != nil {
				return "", err
			}
			continue
		}
		b.WriteByte('=')
		if err := writeItem(&b, m.Item); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// SerializeInnerList serializes l, e.g. `("@method" "@path");created=1`.
func SerializeInnerList(l InnerList) (string, error) {
	var b strings.Builder
	err := writeInnerList(&b, l)
	return b.String(), err
}

// SerializeItem serializes it, e.g. `"@query-param";name="id"`.
func SerializeItem(it Item) (string, error) {
	var b strings.Builder
	err := writeItem(&b, it)
	return b.String(), err
}

func writeInnerList(b *strings.Builder, l InnerList) error {
	b.WriteByte('(')
	for i, it := range l.Items {
		if i > 0 {
			b.WriteByte(' ')
		}
		if err := writeItem(b, it); err != nil {
			return err
		}
	}
	b.WriteByte(')')
	return writeParams(b, l.Params)
}

func writeItem(b *strings.Builder, it Item) error {
	if err := writeBareItem(b, it.Value); err != nil {
		return err
	}
	return writeParams(b, it.Params)
}

func writeParams(b *strings.Builder, params Params) error {
	for _, p := range params {
		b.WriteByte(';')
		if err := writeKey(b, p.Key); err != nil {
			return err
		}
		if v, ok := p.Value.(bool); ok && v {
			continue
		}
		b.WriteByte('=')
		if err := writeBareItem(b, p.Value); err != nil {
			return err
		}
	}
	return nil
}

func writeKey(b *strings.Builder, k string) error {
	if k == "" || (!isLCAlpha(k[0]) && k[0] != '*') {
		return fmt.Errorf("%w: invalid key %q", errSyntax, k)
	}
	for i := 1; i < len(k); i++ {
		if !isKeyChar(k[i]) {
			return fmt.Errorf("%w: invalid key %q", errSyntax, k)
		}
	}
	b.WriteString(k)
	return nil
}

func writeBareItem(b *strings.Builder, v any) error {
	switch v := v.(type) {
	case int64:
		if v > maxInteger || v < -maxInteger {
			return fmt.Errorf("%w: integer %d out of range", errSyntax, v)
		}
		b.WriteString(strconv.FormatInt(v, 10))
	case int:
		return writeBareItem(b, int64(v))
	case Decimal:
		return writeDecimal(b, v)
	case string:
		return writeString(b, v)
	case Token:
		return writeToken(b, v)
	case []byte:
		b.WriteByte(':')
		b.WriteString(base64.StdEncoding.EncodeToString(v))
		b.WriteByte(':')
	case bool:
		if v {
			b.WriteString("?1")
		} else {
			b.WriteString("?0")
		}
	default:
		return fmt.Errorf("%w: unsupported bare item type %T", errSyntax, v)
	}
	return nil
}

func writeDecimal(b *strings.Builder, d Decimal) error {
	v := int64(d)
	if v < 0 {
		b.WriteByte('-')
		v = -v
	}
	whole, frac := v/1000, v%1000
	if whole > 999_999_999_999 {
		return fmt.Errorf("%w: decimal out of range", errSyntax)
	}
	b.WriteString(strconv.FormatInt(whole, 10))
	b.WriteByte('.')
	// At least one fractional digit, no trailing zeros beyond it.
	f := fmt.Sprintf("%03d", frac)
	f = strings.TrimRight(f, "0")
	if f == "" {
		f = "0"
	}
	b.WriteString(f)
	return nil
}

func writeString(b *strings.Builder, s string) error {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return fmt.Errorf("%w: string contains a character outside printable ASCII", errSyntax)
		}
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return nil
}

func writeToken(b *strings.Builder, t Token) error {
	if t == "" || (!isAlpha(t[0]) && t[0] != '*') {
		return fmt.Errorf("%w: invalid token %q", errSyntax, t)
	}
	for i := 1; i < len(t); i++ {
		if c := t[i]; !isTChar(c) && c != ':' && c != '/' {
			return fmt.Errorf("%w: invalid token %q", errSyntax, t)
		}
	}
	b.WriteString(string(t))
	return nil
}
