package objects

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// idsOf runs a learn rule over doc, as ObserveResponse does, and returns
// the ids it would store.
func idsOf(t testing.TB, lr LearnRule, doc string) []string {
	t.Helper()
	l, err := compileLearn(&lr, "item", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return collect(l, []byte(doc), 1<<20)
}

// collect returns the first budget ids l finds in doc.
func collect(l *learnRule, doc []byte, budget int) []string {
	var ids []string
	l.eachID(doc, func(id string) bool {
		if budget == 0 {
			return false
		}
		budget--
		ids = append(ids, id)
		return true
	})
	return ids
}

func TestLearnIDs(t *testing.T) {
	object := LearnRule{IDPointer: "/id"}
	list := LearnRule{ListPointer: "/items", ItemIDPointer: "/id"}
	top := LearnRule{ItemIDPointer: "/id"}
	tests := []struct {
		name string
		rule LearnRule
		doc  string
		want []string
	}{
		{"object", object, `{"id": 7, "name": "x"}`, []string{"7"}},
		{"string id", object, `{"name": "x", "id": "a-1"}`, []string{"a-1"}},
		{"uuid", object, `{"id":"0b5c9f1e-4c1a-4f7e-9d1e-2f0f7a0c1b2d"}`, []string{"0b5c9f1e-4c1a-4f7e-9d1e-2f0f7a0c1b2d"}},
		{"number as written", object, `{"id": 1e3}`, []string{"1e3"}},
		{"negative", object, `{"id": -4}`, []string{"-4"}},
		{"escaped", object, `{"i\u0064": "x\"y\u00e9"}`, []string{"x\"y\u00e9"}},
		{"empty string", object, `{"id": ""}`, nil},
		{"null", object, `{"id": null}`, nil},
		{"bool", object, `{"id": true}`, nil},
		{"object id", object, `{"id": {"id": 1}}`, nil},
		{"missing", object, `{"ID": 1}`, nil},
		{"duplicate", object, `{"id": 1, "id": 2}`, nil},
		{"not an object", object, `[{"id": 1}]`, nil},
		{"in a string", object, `{"name": "\"id\": 9", "x": {"id": 8}}`, nil},
		{"whitespace", object, " \n{ \"id\" :\t5 } \n", []string{"5"}},
		{"list", list, `{"items": [{"id": 1}, {"id": 2}], "total": 2}`, []string{"1", "2"}},
		{"list after others", list, `{"meta": {"items": [{"id": 9}]}, "items": [{"id": 3, "sub": [{"id": 4}]}]}`, []string{"3"}},
		{"empty list", list, `{"items": []}`, nil},
		{"list not array", list, `{"items": {"id": 1}}`, nil},
		{"mixed elements", list, `{"items": [1, "x", null, {"id": 5}, [{"id": 6}], {"id": true}, {"id": 7}]}`, []string{"5", "7"}},
		{"top-level list", top, `[{"id": "a"}, {"id": "b"}]`, []string{"a", "b"}},
		{"top-level object", top, `{"id": "a"}`, nil},
		{"deep pointer", LearnRule{IDPointer: "/data/0/ref~1id"}, `{"data": [{"ref/id": 11}, {"ref/id": 12}]}`, []string{"11"}},
		{"index past end", LearnRule{IDPointer: "/data/2/id"}, `{"data": [{"id": 1}]}`, nil},
		{"index not canonical", LearnRule{IDPointer: "/data/01/id"}, `{"data": [{"id": 1}, {"id": 2}]}`, nil},
		{"object and list", LearnRule{IDPointer: "/id", ListPointer: "/children", ItemIDPointer: "/id"},
			`{"id": 1, "children": [{"id": 2}]}`, []string{"1", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := idsOf(t, tt.rule, tt.doc); !slices.Equal(got, tt.want) {
				t.Fatalf("ids of %s = %q, want %q", tt.doc, got, tt.want)
			}
		})
	}
}

func TestLearnIDsDeepNesting(t *testing.T) {
	deep := `{"x": ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `, "id": 1}`
	if got := idsOf(t, LearnRule{IDPointer: "/id"}, deep); !slices.Equal(got, []string{"1"}) {
		t.Fatalf("ids past a deeply nested value: %q", got)
	}
}
