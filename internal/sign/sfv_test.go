package sign

import (
	"bytes"
	"reflect"
	"testing"
)

func TestParseDictionary(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  Dictionary
		canon string
	}{
		{
			name: "signature input",
			in:   `sig1=("@method" "@target-uri");created=1618884473;keyid="k1"`,
			want: Dictionary{{Key: "sig1", IsList: true, List: InnerList{
				Items:  []Item{{Value: "@method"}, {Value: "@target-uri"}},
				Params: Params{{"created", int64(1618884473)}, {"keyid", "k1"}},
			}}},
			canon: `sig1=("@method" "@target-uri");created=1618884473;keyid="k1"`,
		},
		{
			name: "byte sequences and tabs between members",
			in:   "sha-256=:AQID:,\tsha-512=:BA==:",
			want: Dictionary{
				{Key: "sha-256", Item: Item{Value: []byte{1, 2, 3}}},
				{Key: "sha-512", Item: Item{Value: []byte{4}}},
			},
			canon: "sha-256=:AQID:, sha-512=:BA==:",
		},
		{
			name: "boolean member, token, decimal, negative integer",
			in:   `a, b=?0, c=tok/en:x;q=1.50, d=-42`,
			want: Dictionary{
				{Key: "a", Item: Item{Value: true}},
				{Key: "b", Item: Item{Value: false}},
				{Key: "c", Item: Item{Value: Token("tok/en:x"), Params: Params{{"q", Decimal(1500)}}}},
				{Key: "d", Item: Item{Value: int64(-42)}},
			},
			canon: `a, b=?0, c=tok/en:x;q=1.5, d=-42`,
		},
		{
			name: "duplicate key overwrites in place",
			in:   `a=1, b=2, a=3`,
			want: Dictionary{
				{Key: "a", Item: Item{Value: int64(3)}},
				{Key: "b", Item: Item{Value: int64(2)}},
			},
			canon: `a=3, b=2`,
		},
		{
			name: "escaped string and empty inner list",
			in:   `x="a\"b\\c", y=()`,
			want: Dictionary{
				{Key: "x", Item: Item{Value: `a"b\c`}},
				{Key: "y", IsList: true, List: InnerList{}},
			},
			canon: `x="a\"b\\c", y=()`,
		},
		{name: "empty", in: "  ", want: nil, canon: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDictionary(tt.in)
			if err != nil {
				t.Fatalf("ParseDictionary(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseDictionary(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
			s, err := SerializeDictionary(got)
			if err != nil || s != tt.canon {
				t.Fatalf("SerializeDictionary = %q, %v; want %q", s, err, tt.canon)
			}
		})
	}
}

func TestParseDictionaryRejects(t *testing.T) {
	for _, in := range []string{
		`A=1`,                // uppercase key
		`a=1,`,               // trailing comma
		`a=1 b=2`,            // missing comma
		`a=("x"`,             // unterminated inner list
		`a=("x""y")`,         // items not separated
		`a="unterminated`,    // string
		`a="bad\n"`,          // invalid escape
		"a=\"\x01\"",         // control character
		`a=:not base64!:`,    // byte sequence
		`a=:AQID`,            // unterminated byte sequence
		`a=?2`,               // boolean
		`a=1234567890123456`, // 16-digit integer
		`a=1234567890123.5`,  // 13 integer digits in a decimal
		`a=1.2345`,           // 4 fractional digits
		`a=1.`,               // no fractional digit
		`a=-`,                // sign alone
		`a=@1659578233`,      // RFC 9651 date: not supported
		`a=%"display"`,       // RFC 9651 display string: not supported
		`a=1;B=2`,            // uppercase parameter key
		"a=1,\t",             // trailing comma with whitespace
		`a=("x");created=1 junk`,
	} {
		if d, err := ParseDictionary(in); err == nil {
			t.Errorf("ParseDictionary(%q) = %#v, want an error", in, d)
		}
	}
}

func TestSerializeRejectsInvalidValues(t *testing.T) {
	for _, d := range []Dictionary{
		{{Key: "Upper", Item: Item{Value: int64(1)}}},
		{{Key: "a", Item: Item{Value: int64(1e15)}}},
		{{Key: "a", Item: Item{Value: "new\nline"}}},
		{{Key: "a", Item: Item{Value: Token("1abc")}}},
		{{Key: "a", Item: Item{Value: 1.5}}},
	} {
		if s, err := SerializeDictionary(d); err == nil {
			t.Errorf("SerializeDictionary(%#v) = %q, want an error", d, s)
		}
	}
}

// FuzzParseDictionary checks that the parser never panics and that what it
// accepts serializes canonically to something that parses to the same value.
func FuzzParseDictionary(f *testing.F) {
	for _, s := range []string{
		`sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="test-key-ed25519";nonce="abc"`,
		`sig1=:dGVzdA==:, sig2=:AA==:`,
		`sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`,
		`a, b=?0, c=tok/en;q=1.5, d=-42, e=("x";p y)`,
		`a="\"\\"`, `a=1.`, `a=(`, `a=:`, `*=*`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseDictionary(in)
		if err != nil {
			return
		}
		s, err := SerializeDictionary(d)
		if err != nil {
			t.Fatalf("serializing parsed %q: %v", in, err)
		}
		d2, err := ParseDictionary(s)
		if err != nil {
			t.Fatalf("re-parsing %q (from %q): %v", s, in, err)
		}
		s2, err := SerializeDictionary(d2)
		if err != nil || s2 != s {
			t.Fatalf("serialization not stable: %q then %q (%v)", s, s2, err)
		}
	})
}

// FuzzParseSignatures drives the Signature-Input/Signature path a verifier
// runs on attacker input, including the signature base construction.
func FuzzParseSignatures(f *testing.F) {
	f.Add(`sig1=("@method" "@path" "@query" "content-digest");created=1618884473;keyid="k";nonce="n"`, `sig1=:AAAA:`)
	f.Add(`sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`,
		`sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:`)
	f.Add(`a=("@method" "@method")`, `a=:AA==:`)
	f.Add(`a=("@query-param";name="x")`, `a=:AA==:`)
	f.Add(`a=1`, `a=("x")`)
	f.Fuzz(func(t *testing.T, input, sig string) {
		r := newTestRequest(t)
		r.Header.Set(HeaderSignatureInput, input)
		r.Header.Set(HeaderSignature, sig)
		sigs, err := ParseSignatures(r.Header)
		if err != nil {
			return
		}
		for i := range sigs {
			base, err := Base(r, &sigs[i].Params)
			if err != nil {
				continue
			}
			if !bytes.HasSuffix(base, []byte(mustSerialize(t, &sigs[i].Params))) {
				t.Fatalf("base does not end with the signature params: %q", base)
			}
		}
	})
}

func mustSerialize(t *testing.T, p *SignatureParams) string {
	t.Helper()
	s, err := p.Serialize()
	if err != nil {
		t.Fatalf("serializing params: %v", err)
	}
	return s
}
