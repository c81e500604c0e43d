package authz

import (
	"net/url"
	"reflect"
	"slices"
	"testing"
)

func TestQueryValues(t *testing.T) {
	tests := []struct {
		raw    string
		want   []string
		wantOK bool
	}{
		{"user_id=alice", []string{"alice"}, true},
		{"q=x&user_id=%61lice&z", []string{"alice"}, true},
		{"user_id=a+b", []string{"a b"}, true},
		{"user_id=alice&user_id=bob", []string{"alice", "bob"}, true},
		{"USER_ID=bob", []string{"bob"}, true},
		{"user.id=bob", []string{"bob"}, true},
		{"user+id=bob", []string{"bob"}, true},
		{"user[id=bob", []string{"bob"}, true},
		{"user_id[]=bob", []string{"bob"}, true},
		{"user_id[0]=bob", []string{"bob"}, true},
		{"user%5Fid=bob", []string{"bob"}, true},
		{"user_id", []string{""}, true},
		{"user_id=alice;user_id=bob", []string{"alice;user_id=bob", "alice", "bob"}, true},
		{"userid=bob&user_idx=bob&xuser_id=bob", nil, true},
		{"", nil, true},
		{"user_id=%zz", nil, false},
		{"%zz=1", nil, false},
	}
	for _, tt := range tests {
		var got []string
		ok := queryValues(tt.raw, "user_id", func(v string) { got = append(got, v) })
		if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("queryValues(%q) = %q %v, want %q %v", tt.raw, got, ok, tt.want, tt.wantOK)
		}
	}
}

// FuzzQueryValues: never panics, and every value net/url gives the exact
// key is among the values visited (the guard sees at least what a Go
// upstream sees).
func FuzzQueryValues(f *testing.F) {
	f.Add("user_id=alice&user_id=bob", "user_id")
	f.Add("a=1;user_id=2", "user_id")
	f.Add("USER.ID[]=x&user_id=%41", "user_id")
	f.Add("%=&=%", "id")
	f.Fuzz(func(t *testing.T, raw, name string) {
		var got []string
		ok := queryValues(raw, name, func(v string) { got = append(got, v) })
		vals, err := url.ParseQuery(raw)
		if !ok || err != nil {
			return
		}
		for _, v := range vals[name] {
			if !slices.Contains(got, v) {
				t.Fatalf("query %q name %q: net/url gives %q, guard visited %q", raw, name, v, got)
			}
		}
	})
}
