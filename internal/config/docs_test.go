package config

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// mapKey stands for the key of a map entry in documented paths, e.g.
// "authentication.mtls.subjects.<key>.tenant".
const mapKey = "<key>"

// fieldPaths lists every documented field path of t: each leaf, e.g.
// "apis[].routes[].max_body_bytes", and each map of structs together with
// the fields of its values.
func fieldPaths(t reflect.Type, prefix string) []string {
	t = derefType(t)
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := prefix + name
		ft := derefType(f.Type)
		switch {
		case isStruct(ft):
			out = append(out, fieldPaths(ft, path+".")...)
		case ft.Kind() == reflect.Slice && isStruct(derefType(ft.Elem())):
			out = append(out, fieldPaths(ft.Elem(), path+"[].")...)
		case ft.Kind() == reflect.Map && isStruct(derefType(ft.Elem())):
			out = append(out, path)
			out = append(out, fieldPaths(ft.Elem(), path+"."+mapKey+".")...)
		default:
			out = append(out, path)
		}
	}
	return out
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func isStruct(t reflect.Type) bool { return t.Kind() == reflect.Struct && t != timeType }

// docRows maps each documented path of docs/configuration.md to the cells
// of its table row: field, type, default, description.
func docRows(doc string) map[string][]string {
	rows := map[string][]string{}
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		line = strings.ReplaceAll(line, `\|`, "\x00") // an escaped | inside a cell
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i, c := range cells {
			cells[i] = strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|"))
		}
		rows[strings.Trim(cells[0], "`")] = cells
	}
	return rows
}

// TestEveryFieldIsDocumented fails when a config field has no row in
// docs/configuration.md, or a row without a default: where there is none,
// the cell says so ("none", "required", "empty", ...).
func TestEveryFieldIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	paths := fieldPaths(reflect.TypeOf(Config{}), "")
	if len(paths) < 40 {
		t.Fatalf("found only %d config fields; the walker is broken", len(paths))
	}
	if !slices.Contains(paths, "authentication.mtls.subjects."+mapKey+".tenant") {
		t.Fatalf("the walker does not enter maps of structs: %v", paths)
	}
	rows := docRows(string(doc))
	for _, p := range paths {
		cells, ok := rows[p]
		switch {
		case !ok:
			t.Errorf("config field %s is not documented in docs/configuration.md (want a table row starting | `%s` |)", p, p)
		case len(cells) != 4:
			t.Errorf("docs/configuration.md row of %s has %d cells, want 4: field, type, default, description", p, len(cells))
		case cells[2] == "":
			t.Errorf("docs/configuration.md row of %s has an empty default; write the default, or none, required or empty", p)
		}
	}
}
