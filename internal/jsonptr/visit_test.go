package jsonptr

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
)

// visitAll walks body along pointer and returns the tokens visited.
func visitAll(t *testing.T, body, pointer string) ([]json.Token, error) {
	t.Helper()
	p, err := ParseField(pointer)
	if err != nil {
		t.Fatalf("ParseField(%q): %v", pointer, err)
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var got []json.Token
	err = Visit(dec, p, func(tok json.Token) { got = append(got, tok) })
	return got, err
}

func TestVisit(t *testing.T) {
	tests := []struct {
		name, body, pointer string
		want                []json.Token
		wantErr             bool
	}{
		{name: "top-level string", body: `{"owner_id":"alice"}`, pointer: "owner_id", want: []json.Token{"alice"}},
		{name: "number text kept", body: `{"owner_id":4.20e1}`, pointer: "/owner_id", want: []json.Token{json.Number("4.20e1")}},
		{name: "absent", body: `{"name":"x","owner":{"id":1}}`, pointer: "/owner_id"},
		{name: "nested", body: `{"a":[1,{"b":2}],"order":{"x":[],"customer":{"id":"bob"}}}`, pointer: "/order/customer/id",
			want: []json.Token{"bob"}},
		{name: "array index", body: `{"items":[{"owner":"a"},{"owner":"b"}]}`, pointer: "/items/1/owner", want: []json.Token{"b"}},
		{name: "index out of range", body: `{"items":[{"owner":"a"}]}`, pointer: "/items/3/owner"},
		{name: "non-index on array", body: `{"items":[{"owner":"a"}]}`, pointer: "/items/x/owner"},
		{name: "leading zero is no index", body: `{"items":[{"owner":"a"},{"owner":"b"}]}`, pointer: "/items/01/owner"},
		{name: "signed is no index", body: `{"items":[{"owner":"a"},{"owner":"b"}]}`, pointer: "/items/+1/owner"},
		{name: "duplicates all visited", body: `{"owner_id":"a","x":1,"owner_id":"b"}`, pointer: "owner_id",
			want: []json.Token{"a", "b"}},
		{name: "case variants visited", body: `{"OWNER_ID":"a","Owner_Id":"b"}`, pointer: "owner_id",
			want: []json.Token{"a", "b"}},
		{name: "case variants on the way", body: `{"Order":{"id":"a"},"ORDER":{"ID":"b"}}`, pointer: "/order/id",
			want: []json.Token{"a", "b"}},
		{name: "escaped key", body: `{"owner\u005fid":"a"}`, pointer: "owner_id", want: []json.Token{"a"}},
		{name: "object value", body: `{"owner_id":{"$ne":null}}`, pointer: "owner_id", want: []json.Token{json.Delim('{')}},
		{name: "array value", body: `{"owner_id":["a"]}`, pointer: "owner_id", want: []json.Token{json.Delim('[')}},
		{name: "null and bool", body: `{"owner_id":null,"Owner_id":true}`, pointer: "owner_id", want: []json.Token{nil, true}},
		{name: "scalar in the way", body: `{"order":"x"}`, pointer: "/order/id"},
		{name: "top-level array", body: `[{"id":"a"}]`, pointer: "/0/id", want: []json.Token{"a"}},
		{name: "slash in key", body: `{"a/b":"v"}`, pointer: "/a~1b", want: []json.Token{"v"}},
		{name: "deep skipped", body: `{"x":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `,"id":"a"}`, pointer: "id",
			want: []json.Token{"a"}},
		{name: "trailing value not read", body: `{"id":"a"} {"id":"b"}`, pointer: "id", want: []json.Token{"a"}},
		{name: "trailing comma", body: `{"id":"a",}`, pointer: "id", want: []json.Token{"a"}, wantErr: true},
		{name: "comment", body: `{"id":"a"/*x*/}`, pointer: "id", want: []json.Token{"a"}, wantErr: true},
		{name: "truncated", body: `{"id":"a"`, pointer: "id", want: []json.Token{"a"}, wantErr: true},
		{name: "truncated in skipped value", body: `{"id":"a","x":[[[`, pointer: "id", want: []json.Token{"a"}, wantErr: true},
		{name: "empty body", body: ``, pointer: "id", wantErr: true},
		{name: "not JSON", body: `id=a`, pointer: "id", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := visitAll(t, tt.body, tt.pointer)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("visited %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestVisitWholeDocument: the empty pointer visits the top-level value and
// leaves the decoder after it.
func TestVisitWholeDocument(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`{"a":[1,2,{"b":3}]} "next"`))
	var got []json.Token
	if err := Visit(dec, nil, func(tok json.Token) { got = append(got, tok) }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []json.Token{json.Delim('{')}) {
		t.Errorf("visited %#v, want only the object", got)
	}
	if tok, err := dec.Token(); err != nil || tok != "next" {
		t.Errorf("next token = %#v, %v; want the value after the document", tok, err)
	}
}

// FuzzVisit: arbitrary bodies and pointers never panic; a valid body is
// read to its end without error, and every value encoding/json would bind to a top-level member is among
// the values visited (a guard sees at least what a Go upstream sees).
func FuzzVisit(f *testing.F) {
	f.Add([]byte(`{"owner_id":"a","owner_id":"b"}`), "owner_id")
	f.Add([]byte(`{"Owner_ID":42}`), "/owner_id")
	f.Add([]byte(`{"a":[{"b":{"c":"d"}}]}`), "/a/0/b/c")
	f.Add([]byte(`[[[[[[]]]]]]`), "/0/0/0")
	f.Add([]byte(`{"k\u212a":"kelvin"}`), "/kk")
	f.Add([]byte(`"x"`), "/")
	f.Fuzz(func(t *testing.T, body []byte, pointer string) {
		p, err := ParseField(pointer)
		if err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var got []string
		err = Visit(dec, p, func(tok json.Token) {
			switch v := tok.(type) {
			case string:
				got = append(got, v)
			case json.Number:
				got = append(got, string(v))
			}
		})
		if !json.Valid(body) {
			return
		}
		if err != nil {
			t.Fatalf("body %q pointer %q: valid JSON, Visit error %v", body, pointer, err)
		}
		// Visit read exactly the one value: nothing is left after it.
		if tok, err := dec.Token(); err != io.EOF {
			t.Fatalf("body %q pointer %q: after Visit, token %v, error %v; want io.EOF", body, pointer, tok, err)
		}
		if len(p) != 1 {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return
		}
		raw, ok := m[p[0]]
		if !ok {
			return
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			var n json.Number
			if json.Unmarshal(raw, &n) != nil {
				return
			}
			s = n.String()
		}
		for _, v := range got {
			if v == s {
				return
			}
		}
		t.Fatalf("body %q pointer %q: encoding/json binds %q, Visit visited %q", body, pointer, s, got)
	})
}
