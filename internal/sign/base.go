package sign

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Header field names of RFC 9421 and RFC 9530.
const (
	HeaderSignatureInput = "Signature-Input"
	HeaderSignature      = "Signature"
	HeaderContentDigest  = "Content-Digest"
)

// MaxComponents bounds the covered components of one signature: a
// signature covering hundreds of fields is an attack on the verifier.
const MaxComponents = 32

// SignatureParams are the covered components and parameters of one
// signature: one member of the Signature-Input field (RFC 9421 §2.3).
type SignatureParams struct {
	// Components lists the covered components in order.
	Components []Component
	// Created and Expires are the created and expires parameters; zero
	// when absent.
	Created, Expires time.Time
	// Nonce, KeyID, Alg and Tag are the string parameters; empty when absent.
	Nonce string
	KeyID string
	Alg   Algorithm
	Tag   string

	// list is the member as parsed from Signature-Input; when set, Base
	// serializes it (unknown parameters included) for @signature-params.
	list   InnerList
	parsed bool
}

// Covers reports whether name (e.g. "@method", "content-digest") is a
// covered component.
func (p *SignatureParams) Covers(name string) bool {
	for i := range p.Components {
		if p.Components[i].Name == name {
			return true
		}
	}
	return false
}

// innerList returns the parsed member, or builds one from the fields in
// the order created, expires, nonce, alg, keyid, tag.
func (p *SignatureParams) innerList() InnerList {
	if p.parsed {
		return p.list
	}
	l := InnerList{Items: make([]Item, len(p.Components))}
	for i, c := range p.Components {
		l.Items[i] = c.item()
	}
	if !p.Created.IsZero() {
		l.Params = append(l.Params, Param{"created", p.Created.Unix()})
	}
	if !p.Expires.IsZero() {
		l.Params = append(l.Params, Param{"expires", p.Expires.Unix()})
	}
	for _, sp := range []struct{ k, v string }{{"nonce", p.Nonce}, {"alg", string(p.Alg)}, {"keyid", p.KeyID}, {"tag", p.Tag}} {
		if sp.v != "" {
			l.Params = append(l.Params, Param{sp.k, sp.v})
		}
	}
	return l
}

// Serialize returns the Signature-Input member value, which is also the
// value of the @signature-params component.
func (p *SignatureParams) Serialize() (string, error) {
	return SerializeInnerList(p.innerList())
}

// Signature is one signature of a message: a label present in both
// Signature-Input and Signature.
type Signature struct {
	Label  string
	Params SignatureParams
	Value  []byte
}

// ErrNoSignature is returned when a message carries no Signature-Input.
var ErrNoSignature = errors.New("message is not signed")

// ParseSignatures parses the Signature-Input and Signature fields of h, in
// Signature-Input order. Every label must appear in both fields with the
// right types; any malformed member fails the whole parse, so that a
// verifier never picks among half-understood signatures.
func ParseSignatures(h http.Header) ([]Signature, error) {
	inputLines, sigLines := h.Values(HeaderSignatureInput), h.Values(HeaderSignature)
	if len(inputLines) == 0 {
		return nil, ErrNoSignature
	}
	inputs, err := ParseDictionary(strings.Join(inputLines, ", "))
	if err != nil {
		return nil, fmt.Errorf("parsing Signature-Input: %w", err)
	}
	sigs, err := ParseDictionary(strings.Join(sigLines, ", "))
	if err != nil {
		return nil, fmt.Errorf("parsing Signature: %w", err)
	}
	if len(inputs) == 0 {
		return nil, ErrNoSignature
	}
	out := make([]Signature, 0, len(inputs))
	for _, in := range inputs {
		s, err := parseOne(in, sigs)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func parseOne(in DictMember, sigs Dictionary) (Signature, error) {
	if !in.IsList {
		return Signature{}, fmt.Errorf("%w: Signature-Input member %q is not an inner list", errSyntax, in.Key)
	}
	sm, ok := sigs.Get(in.Key)
	if !ok {
		return Signature{}, fmt.Errorf("%w: label %q has no Signature member", errSyntax, in.Key)
	}
	value, ok := sm.Item.Value.([]byte)
	if sm.IsList || !ok {
		return Signature{}, fmt.Errorf("%w: Signature member %q is not a byte sequence", errSyntax, in.Key)
	}
	p, err := paramsFromList(in.List)
	if err != nil {
		return Signature{}, fmt.Errorf("label %q: %w", in.Key, err)
	}
	return Signature{Label: in.Key, Params: p, Value: value}, nil
}

func paramsFromList(l InnerList) (SignatureParams, error) {
	if len(l.Items) > MaxComponents {
		return SignatureParams{}, fmt.Errorf("%w: %d covered components (at most %d)", errSyntax, len(l.Items), MaxComponents)
	}
	p := SignatureParams{list: l, parsed: true, Components: make([]Component, 0, len(l.Items))}
	for _, it := range l.Items {
		c, err := componentFromItem(it)
		if err != nil {
			return SignatureParams{}, err
		}
		p.Components = append(p.Components, c)
	}
	for _, prm := range l.Params {
		var ok bool
		switch prm.Key {
		case "created", "expires":
			var n int64
			if n, ok = prm.Value.(int64); ok {
				if prm.Key == "created" {
					p.Created = time.Unix(n, 0)
				} else {
					p.Expires = time.Unix(n, 0)
				}
			}
		case "nonce":
			p.Nonce, ok = prm.Value.(string)
		case "keyid":
			p.KeyID, ok = prm.Value.(string)
		case "tag":
			p.Tag, ok = prm.Value.(string)
		case "alg":
			var s string
			s, ok = prm.Value.(string)
			p.Alg = Algorithm(s)
		default:
			ok = true // unknown parameters are signed over, not interpreted
		}
		if !ok {
			return SignatureParams{}, fmt.Errorf("%w: parameter %q has the wrong type", errSyntax, prm.Key)
		}
	}
	return p, nil
}

// Base builds the RFC 9421 §2.5 signature base of r for p: one line per
// covered component, then the @signature-params line. Signer and verifier
// both call it, so they cannot disagree on canonicalisation.
func Base(r *http.Request, p *SignatureParams) ([]byte, error) {
	return AppendBase(make([]byte, 0, 256), r, p)
}

// AppendBase is Base appending to dst.
func AppendBase(dst []byte, r *http.Request, p *SignatureParams) ([]byte, error) {
	if len(p.Components) > MaxComponents {
		return nil, fmt.Errorf("%d covered components (at most %d)", len(p.Components), MaxComponents)
	}
	for i, c := range p.Components {
		// RFC 9421 §2.5: a component identifier must not appear twice.
		for _, prev := range p.Components[:i] {
			if prev.Name == c.Name && paramsEqual(prev.Params, c.Params) {
				return nil, fmt.Errorf("component %s is covered twice", c)
			}
		}
		start := len(dst)
		dst = append(dst, c.String()...)
		dst = append(dst, ": "...)
		var err error
		if dst, err = appendValue(dst, c, r); err != nil {
			return nil, err
		}
		// A value with a line break would forge a further base line.
		if bytes.ContainsAny(dst[start:], "\r\n") {
			return nil, fmt.Errorf("component %s contains a line break", c)
		}
		dst = append(dst, '\n')
	}
	params, err := p.Serialize()
	if err != nil {
		return nil, err
	}
	dst = append(dst, `"@signature-params": `...)
	return append(dst, params...), nil
}

func paramsEqual(a, b Params) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || fmt.Sprint(a[i].Value) != fmt.Sprint(b[i].Value) {
			return false
		}
	}
	return true
}
