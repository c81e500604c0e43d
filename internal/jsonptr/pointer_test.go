package jsonptr

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Pointer
		wantErr string
	}{
		{in: "", want: nil},
		{in: "/", want: Pointer{""}},
		{in: "//", want: Pointer{"", ""}},
		{in: "/id", want: Pointer{"id"}},
		{in: "/order/customer/id", want: Pointer{"order", "customer", "id"}},
		{in: "/items/0", want: Pointer{"items", "0"}},
		{in: "/a~1b/c~0d/~01", want: Pointer{"a/b", "c~d", "~1"}},
		{in: "/~10", want: Pointer{"/0"}},
		{in: "id", wantErr: "must be empty or start with /"},
		{in: "/a~2", wantErr: `invalid escape "~2"`},
		{in: "/a~", wantErr: "invalid escape"},
		{in: "/ok/a~b", wantErr: "json pointer"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) = %q, %v; want an error with %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseField(t *testing.T) {
	tests := []struct {
		in      string
		want    Pointer
		wantErr bool
	}{
		{in: "owner_id", want: Pointer{"owner_id"}},
		{in: "a~2/b", want: Pointer{"a~2/b"}}, // a bare name is taken as written
		{in: "/owner_id", want: Pointer{"owner_id"}},
		{in: "/credentials/user", want: Pointer{"credentials", "user"}},
		{in: "/a~1b", want: Pointer{"a/b"}},
		{in: "/~01", want: Pointer{"~1"}},
		{in: "/m~0n/a~1b", want: Pointer{"m~n", "a/b"}},
		{in: "/", want: Pointer{""}},
		{in: "", wantErr: true},
		{in: "/a~", wantErr: true},
		{in: "/a~2", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseField(tt.in)
		if (err != nil) != tt.wantErr || !tt.wantErr && !slices.Equal(got, tt.want) {
			t.Errorf("ParseField(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestArrayIndex(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7, true},
		{"120", 120, true},
		{"", 0, false},
		{"-", 0, false},
		{"00", 0, false},
		{"01", 0, false},
		{"+1", 0, false},
		{"-1", 0, false},
		{"-0", 0, false},
		{"1e3", 0, false},
		{"99999999999999999999999", 0, false},
	}
	for _, tt := range tests {
		if got, ok := ArrayIndex(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ArrayIndex(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// escape is the inverse of unescape, for the round-trip fuzz test.
func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// FuzzParse: arbitrary input never panics, and a pointer that parses
// escapes back to the text it came from.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "/", "/a/b", "/a~1b/~0c/~01", "/a~", "/a~2", "id", "/~~", "/\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		var b strings.Builder
		for _, tok := range p {
			b.WriteString("/" + escape(tok))
		}
		if b.String() != s {
			t.Fatalf("Parse(%q) = %q, which escapes to %q", s, p, b.String())
		}
		if s != "" {
			if q, err := ParseField(s); err != nil || !slices.Equal(p, q) {
				t.Fatalf("ParseField(%q) = %q, %v; Parse gave %q", s, q, err, p)
			}
		}
	})
}
