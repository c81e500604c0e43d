package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// timeType is decoded as a scalar (RFC 3339), not walked as a struct.
var timeType = reflect.TypeOf(time.Time{})

// checkKnownFields walks the YAML tree beside the Go type: unknown and
// duplicate keys are errors (a typo such as "upstream:" must not silently
// leave a default in place), and every key's line is recorded for later
// validation errors.
func checkKnownFields(file string, n *yaml.Node, t reflect.Type, path string, idx *lineIndex, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch {
	case t.Kind() == reflect.Struct && t != timeType:
		if n.Kind != yaml.MappingNode {
			if !(n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
				*errs = append(*errs, FieldError{File: file, Line: n.Line, Field: path, Msg: "want a mapping"})
			}
			return
		}
		fields := yamlFields(t)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			child := joinPath(path, key.Value)
			if seen[key.Value] {
				*errs = append(*errs, FieldError{File: file, Line: key.Line, Field: child, Msg: "duplicate key"})
				continue
			}
			seen[key.Value] = true
			ft, ok := fields[key.Value]
			if !ok {
				msg := "unknown field"
				if s := suggest(key.Value, fields); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				*errs = append(*errs, FieldError{File: file, Line: key.Line, Field: child, Msg: msg})
				continue
			}
			idx.add(child, key.Line)
			checkKnownFields(file, val, ft, child, idx, errs)
		}
	case t.Kind() == reflect.Map && t.Elem().Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			child := fmt.Sprintf("%s[%s]", path, n.Content[i].Value)
			idx.add(child, n.Content[i].Line)
			checkKnownFields(file, n.Content[i+1], t.Elem(), child, idx, errs)
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		if n.Kind != yaml.SequenceNode {
			if !(n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
				*errs = append(*errs, FieldError{File: file, Line: n.Line, Field: path, Msg: "want a list"})
			}
			return
		}
		for i, item := range n.Content {
			child := fmt.Sprintf("%s[%d]", path, i)
			idx.add(child, item.Line)
			checkKnownFields(file, item, t.Elem(), child, idx, errs)
		}
	case t.Kind() == reflect.Slice:
		if n.Kind == yaml.SequenceNode {
			for i, item := range n.Content {
				idx.add(fmt.Sprintf("%s[%d]", path, i), item.Line)
			}
		}
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps yaml keys of a struct to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}

// suggest returns the known key closest to a typo, if close enough.
func suggest(key string, fields map[string]reflect.Type) string {
	best, bestDist := "", 3
	for name := range fields {
		if d := editDistance(key, name); d < bestDist || (d == bestDist && best != "" && name < best) {
			best, bestDist = name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
