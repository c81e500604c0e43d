package authz

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/jsonptr"
)

func TestParsePointer(t *testing.T) {
	tests := []struct {
		in      string
		want    jsonptr.Pointer
		wantErr bool
	}{
		{in: "owner_id", want: jsonptr.Pointer{"owner_id"}},
		{in: "/owner_id", want: jsonptr.Pointer{"owner_id"}},
		{in: "/order/customer/id", want: jsonptr.Pointer{"order", "customer", "id"}},
		{in: "/a~1b/~0c/~01", want: jsonptr.Pointer{"a/b", "~c", "~1"}},
		{in: "/", want: jsonptr.Pointer{""}},
		{in: "/items/0", want: jsonptr.Pointer{"items", "0"}},
		{in: "", wantErr: true},
		{in: "/a~", wantErr: true},
		{in: "/a~2", wantErr: true},
		{in: strings.Repeat("/a", maxPointerTokens+1), wantErr: true},
	}
	for _, tt := range tests {
		got, err := parsePointer(tt.in)
		if (err != nil) != tt.wantErr || !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parsePointer(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

type visited struct {
	Value  string
	Scalar bool
}

func collect(t *testing.T, body, pointer string) ([]visited, error) {
	t.Helper()
	p, err := parsePointer(pointer)
	if err != nil {
		t.Fatalf("parsePointer(%q): %v", pointer, err)
	}
	var got []visited
	err = pointerValues([]byte(body), p, func(v string, scalar bool) { got = append(got, visited{v, scalar}) })
	return got, err
}

func TestPointerValues(t *testing.T) {
	tests := []struct {
		name, body, pointer string
		want                []visited
		wantErr             bool
	}{
		{name: "top-level string", body: `{"owner_id":"alice"}`, pointer: "owner_id", want: []visited{{"alice", true}}},
		{name: "number text kept", body: `{"owner_id":4.20e1}`, pointer: "/owner_id", want: []visited{{"4.20e1", true}}},
		{name: "absent", body: `{"name":"x","owner":{"id":1}}`, pointer: "/owner_id"},
		{name: "nested", body: `{"a":[1,{"b":2}],"order":{"x":[],"customer":{"id":"bob"}}}`, pointer: "/order/customer/id",
			want: []visited{{"bob", true}}},
		{name: "array index", body: `{"items":[{"owner":"a"},{"owner":"b"}]}`, pointer: "/items/1/owner", want: []visited{{"b", true}}},
		{name: "index out of range", body: `{"items":[{"owner":"a"}]}`, pointer: "/items/3/owner"},
		{name: "non-index on array", body: `{"items":[{"owner":"a"}]}`, pointer: "/items/x/owner"},
		{name: "leading zero is no index", body: `{"items":[{"owner":"a"}]}`, pointer: "/items/00/owner"},
		{name: "duplicates all visited", body: `{"owner_id":"a","x":1,"owner_id":"b"}`, pointer: "owner_id",
			want: []visited{{"a", true}, {"b", true}}},
		{name: "case variants visited", body: `{"OWNER_ID":"a","Owner_Id":"b"}`, pointer: "owner_id",
			want: []visited{{"a", true}, {"b", true}}},
		{name: "escaped key", body: `{"owner\u005fid":"a"}`, pointer: "owner_id", want: []visited{{"a", true}}},
		{name: "object value", body: `{"owner_id":{"$ne":null}}`, pointer: "owner_id", want: []visited{{"", false}}},
		{name: "array value", body: `{"owner_id":["a"]}`, pointer: "owner_id", want: []visited{{"", false}}},
		{name: "null and bool", body: `{"owner_id":null,"Owner_id":true}`, pointer: "owner_id", want: []visited{{"", false}, {"", false}}},
		{name: "scalar in the way", body: `{"order":"x"}`, pointer: "/order/id"},
		{name: "top-level array", body: `[{"id":"a"}]`, pointer: "/0/id", want: []visited{{"a", true}}},
		{name: "slash in key", body: `{"a/b":"v"}`, pointer: "/a~1b", want: []visited{{"v", true}}},
		{name: "deep skipped", body: `{"x":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `,"id":"a"}`, pointer: "id",
			want: []visited{{"a", true}}},
		{name: "trailing value", body: `{"id":"a"} {"id":"b"}`, pointer: "id", want: []visited{{"a", true}}, wantErr: true},
		{name: "trailing comma", body: `{"id":"a",}`, pointer: "id", want: []visited{{"a", true}}, wantErr: true},
		{name: "comment", body: `{"id":"a"/*x*/}`, pointer: "id", want: []visited{{"a", true}}, wantErr: true},
		{name: "truncated", body: `{"id":"a"`, pointer: "id", want: []visited{{"a", true}}, wantErr: true},
		{name: "not JSON", body: `id=a`, pointer: "id", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t, tt.body, tt.pointer)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("visited %+v, want %+v", got, tt.want)
			}
		})
	}
}

// FuzzPointerValues: arbitrary bodies and pointers never panic, and for a
// valid body every value encoding/json would bind to a top-level member is
// among the values visited (the guard sees at least what a Go upstream sees).
func FuzzPointerValues(f *testing.F) {
	f.Add([]byte(`{"owner_id":"a","owner_id":"b"}`), "owner_id")
	f.Add([]byte(`{"Owner_ID":42}`), "/owner_id")
	f.Add([]byte(`{"a":[{"b":{"c":"d"}}]}`), "/a/0/b/c")
	f.Add([]byte(`[[[[[[]]]]]]`), "/0/0/0")
	f.Add([]byte(`{"k\u212a":"kelvin"}`), "/kk")
	f.Add([]byte(`"x"`), "/")
	f.Fuzz(func(t *testing.T, body []byte, pointer string) {
		p, err := parsePointer(pointer)
		if err != nil {
			return
		}
		var got []string
		err = pointerValues(body, p, func(v string, scalar bool) {
			if scalar {
				got = append(got, v)
			}
		})
		if err != nil || len(p) != 1 || !json.Valid(body) {
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
		t.Fatalf("body %q pointer %q: encoding/json binds %q, guard visited %q", body, pointer, s, got)
	})
}
