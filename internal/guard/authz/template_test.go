package authz

import (
	"net/url"
	"strings"
	"testing"
)

func TestTemplateMatch(t *testing.T) {
	tests := []struct {
		template, param, target string
		want                    string
		wantOK                  bool
	}{
		{"/api/users/{user}/orders", "user", "/api/users/alice/orders", "alice", true},
		{"/api/users/{user}/orders", "user", "/api/users/alice/orders/", "alice", true},
		{"/api/users/{user}/orders", "user", "/api/users/alice/orders/7", "alice", true},
		{"/api/users/{user}/orders", "user", "/api/users/alice", "", false},
		{"/api/users/{user}/orders", "user", "/api/users/alice/", "", false},
		{"/api/users/{user}/orders", "user", "/api/people/alice/orders", "", false},
		{"/api/users/{user}/orders", "user", "/api/users/%61lice/orders", "alice", true},
		{"/api/users/{user}/orders", "user", "/api/users/a%2Fb/orders", "a/b", true},
		{"/api/users/{user}/orders", "user", "/api/users/a/b/orders", "", false},
		{"/api/users/{user}/orders", "user", "/api/users/alice;x=1/orders", "alice;x=1", true},
		{"/api/users/{user}/orders", "user", "/api;x=1/users/alice/orders", "alice", true},
		{"/api/users/{user}/orders", "user", "/api/users//orders", "", true},
		{"/api/users/{user}/orders", "user", "/api/users/%E2%9C%93/orders", "\u2713", true},
		{"/api/users/{user}/orders", "user", "/API/users/alice/orders", "", false},
		{"/{tenant}/items/{id}", "id", "/acme/items/7", "7", true},
		{"/{tenant}/items/{id}", "tenant", "/acme/items/7", "acme", true},
		{"/{id}", "id", "/", "", true},
		{"/{id}", "id", "/x", "x", true},
	}
	for _, tt := range tests {
		tpl, err := compileTemplate(tt.template)
		if err != nil {
			t.Fatalf("compile %q: %v", tt.template, err)
		}
		u, err := url.Parse(tt.target)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.target, err)
		}
		got, ok := tpl.match(u, tpl.paramIndex(tt.param))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s on %s: got %q %v, want %q %v", tt.template, tt.target, got, ok, tt.want, tt.wantOK)
		}
	}
}

// FuzzTemplateMatch: any template and path never panic; a path built by
// putting escaped values into a template matches and yields those values.
func FuzzTemplateMatch(f *testing.F) {
	f.Add("/api/users/{user}/orders", "/api/users/alice/orders", "alice")
	f.Add("/{a}/{b}", "/%2F/x;y", "a/b")
	f.Add("/x/{id}/", "/x//", "")
	f.Add("/{id}", "/..%2f..", "\x00")
	f.Fuzz(func(t *testing.T, template, path, value string) {
		if u, err := url.Parse(path); err == nil {
			if tpl, err := compileTemplate(template); err == nil {
				for i := range tpl.segments {
					_, _ = tpl.match(u, i)
				}
			}
		}
		tpl, err := compileTemplate(template)
		if err != nil || value == "" {
			return
		}
		var b strings.Builder
		for _, s := range tpl.segments {
			b.WriteByte('/')
			if s.param == "" {
				b.WriteString(url.PathEscape(s.literal))
			} else {
				b.WriteString(url.PathEscape(value))
			}
		}
		if b.Len() == 0 {
			return
		}
		u, err := url.Parse(b.String())
		if err != nil {
			t.Fatalf("parse built path %q: %v", b.String(), err)
		}
		for i, s := range tpl.segments {
			if s.param == "" {
				continue
			}
			got, ok := tpl.match(u, i)
			if !ok || got != value {
				t.Fatalf("%q on %q: got %q %v, want %q", template, b.String(), got, ok, value)
			}
		}
	})
}
