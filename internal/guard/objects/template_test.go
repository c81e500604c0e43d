package objects

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestCompileTemplate(t *testing.T) {
	tests := []struct {
		name, template, param string
		wantErr               string
	}{
		{"simple", "/api/items/{id}", "id", ""},
		{"nested", "/api/users/{user}/items/{id}", "id", ""},
		{"trailing slash", "/api/items/{id}/", "id", ""},
		{"no slash", "api/items/{id}", "id", "must start with /"},
		{"root", "/", "id", "no parameter"},
		{"missing param", "/api/items/{key}", "id", "no parameter {id}"},
		{"empty segment", "/api//items/{id}", "id", "empty segment"},
		{"mixed", "/api/items/{id}.json", "id", "mixes text"},
		{"twice", "/api/{id}/{id}", "id", "twice"},
		{"dots", "/api/../{id}", "id", "plain text"},
		{"percent", "/api/%2e/{id}", "id", "plain text"},
		{"bad name", "/api/{i d}", "i d", "invalid parameter name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileTemplate(tt.template, tt.param)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("compileTemplate(%q): %v", tt.template, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("compileTemplate(%q): error %v, want one containing %q", tt.template, err, tt.wantErr)
			}
		})
	}
}

func TestObjectIDs(t *testing.T) {
	tpl, err := compileTemplate("/api/items/{id}", "id")
	if err != nil {
		t.Fatal(err)
	}
	nested, err := compileTemplate("/api/users/{user}/items/{id}", "id")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		tpl  *pathTemplate
		path string // as sent on the wire
		want []string
	}{
		{"plain", tpl, "/api/items/7", []string{"7"}},
		{"no id", tpl, "/api/items", nil},
		{"no id, slash", tpl, "/api/items/", nil},
		{"other path", tpl, "/api/orders/7", nil},
		{"prefix only", tpl, "/api/itemsx/7", nil},
		{"sub-resource", tpl, "/api/items/7/attachments/3", []string{"7"}},
		{"encoded", tpl, "/api/items/%37", []string{"7"}},
		{"case", tpl, "/API/Items/7", []string{"7"}},
		{"double slash", tpl, "/api//items//7", []string{"7"}},
		{"dot", tpl, "/api/./items/7", []string{"7"}},
		{"dot dot after", tpl, "/api/items/4/../7", []string{"7"}},
		{"dot dot before", tpl, "/api/x/../items/7", []string{"7"}},
		{"dot dot past root", tpl, "/../../api/items/7", []string{"7"}},
		{"tomcat dot dot", tpl, "/api/items/4/..;x/7", []string{"7"}},
		{"encoded dot dot", tpl, "/api/items/4/%2E%2e/7", []string{"7"}},
		{"literal params", tpl, "/api;a=1/items;b/7", []string{"7"}},
		{"param params kept", tpl, "/api/items/7;x=1", []string{"7;x=1"}},
		{"empty params segment", tpl, "/api/;x/items/7", []string{"7"}},
		{"encoded slash, two readings", tpl, "/api/items/4%2F..%2F7", []string{"4/../7", "7"}},
		{"encoded slash in literal", tpl, "/api%2Fitems/7", []string{"7"}},
		{"backslash", tpl, `/api/items/4\..\7`, []string{`4\..\7`, "7"}},
		{"nested", nested, "/api/users/alice/items/9", []string{"9"}},
		{"nested short", nested, "/api/users/alice/items", nil},
		{"long", tpl, "/api/items/" + strings.Repeat("a/", 40) + strings.Repeat("../", 40) + "8", []string{"8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			ids, n := tt.tpl.objectIDs(u)
			if got := ids[:n]; !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Fatalf("objectIDs(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}
