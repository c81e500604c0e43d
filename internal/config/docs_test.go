package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// fieldPaths lists every leaf field of t as a documented path, e.g.
// "apis[].routes[].max_body_bytes".
func fieldPaths(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := prefix + name
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct && ft != timeType:
			out = append(out, fieldPaths(ft, path+".")...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, fieldPaths(ft.Elem(), path+"[].")...)
		default:
			out = append(out, path)
		}
	}
	return out
}

// TestEveryFieldIsDocumented fails when a config field is missing from
// docs/configuration.md (written as `path` in a table row).
func TestEveryFieldIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	paths := fieldPaths(reflect.TypeOf(Config{}), "")
	if len(paths) < 40 {
		t.Fatalf("found only %d config fields; the walker is broken", len(paths))
	}
	for _, p := range paths {
		if !strings.Contains(string(doc), "| `"+p+"` |") {
			t.Errorf("config field %s is not documented in docs/configuration.md (want a table row starting | `%s` |)", p, p)
		}
	}
}
