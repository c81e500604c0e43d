package objects

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// FuzzObjectIDs reads arbitrary request paths: no panic, and every id is a
// piece of the path (never invented, so never longer than it).
func FuzzObjectIDs(f *testing.F) {
	for _, s := range []string{
		"/api/items/7", "/api/items/%37", "/api//items/./7", "/api/items/4/../7", "/api/items/4/..;/7",
		"/api/items/4%2F..%2F7", `/api/items/4\..\7`, "/API/ITEMS/7;x", "/api;x/items/;/7/", "/..", "//", "",
		"/api/items/%zz", "/api/items/" + strings.Repeat("../", 50),
	} {
		f.Add(s)
	}
	tpl, err := compileTemplate("/api/items/{id}", "id")
	if err != nil {
		f.Fatal(err)
	}
	nested, err := compileTemplate("/a/{x}/b/{id}", "id")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path string) {
		u, err := url.ParseRequestURI(path)
		if err != nil {
			u = &url.URL{Path: path} // a handler may see any Path
		}
		for _, tp := range []*pathTemplate{tpl, nested} {
			ids, n := tp.objectIDs(u)
			if n < 0 || n > 2 {
				t.Fatalf("objectIDs(%q) returned %d ids", path, n)
			}
			for _, id := range ids[:n] {
				if len(id) > len(u.Path)+len(u.RawPath) {
					t.Fatalf("objectIDs(%q) invented id %q", path, id)
				}
				key := markKey("item", &pipeline.Identity{Subject: "alice"}, id)
				if len(key) > store.MaxMarkKeyLen {
					t.Fatalf("key of id %q is %d bytes", id, len(key))
				}
			}
		}
	})
}

// FuzzLearnIDs walks arbitrary documents, valid JSON or not: no panic, no
// endless loop, and on valid JSON the ids found at top level agree with
// encoding/json's reading of the document.
func FuzzLearnIDs(f *testing.F) {
	for _, s := range []string{
		`{"id": 7}`, `{"id": "a", "id": "b"}`, `[{"id": 1}, {"id": "x"}, 3, null]`,
		`{"items": [{"id": 1}], "id": "\u0031"}`, `{"i\u0064": 1}`, `{"id": "\"}`, `[[[[[`, `{"id":`,
		`{"a": "\\", "id": 2}`, `"id"`, `{"items": [{"id": 1e400}]}`, ` {"items" : [ {"id":-0} ] } `,
	} {
		f.Add([]byte(s))
	}
	rules := []LearnRule{
		{IDPointer: "/id"},
		{ItemIDPointer: "/id"},
		{ListPointer: "/items", ItemIDPointer: "/id"},
		{IDPointer: "/items/0/id"},
	}
	compiled := make([]*learnRule, len(rules))
	for i := range rules {
		l, err := compileLearn(&rules[i], "item", time.Hour)
		if err != nil {
			f.Fatal(err)
		}
		compiled[i] = l
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, l := range compiled {
			n := 0
			l.eachID(doc, func(id string) bool {
				if id == "" || len(id) > 3*len(doc) { // an invalid byte decodes to U+FFFD, 3 bytes
					t.Fatalf("id %q from %q", id, doc)
				}
				n++
				return n < 1000
			})
		}
		if !json.Valid(doc) {
			return
		}
		got := collect(compiled[0], doc, 10)
		var obj map[string]json.RawMessage
		if json.Unmarshal(doc, &obj) != nil {
			if len(got) != 0 {
				t.Fatalf("ids %q from a non-object %q", got, doc)
			}
			return
		}
		raw, ok := obj["id"]
		var s string
		isString := ok && json.Unmarshal(raw, &s) == nil
		switch {
		case len(got) > 1:
			t.Fatalf("ids %q from one pointer", got)
		case len(got) == 1 && !ok:
			t.Fatalf("id %q from %q, which has no id member", got[0], doc)
		case len(got) == 1 && isString && got[0] != s:
			t.Fatalf("id %q from %q, encoding/json reads %q", got[0], doc, s)
		}
	})
}
