package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// salvageBudget bounds the YAML nodes (aliases expanded) that locating a
// failed decode may decode again: about what yaml.v3 itself allows one
// document before calling its aliasing excessive.
const salvageBudget = 4_000_000

// decodeConfig decodes doc into cfg and returns its problems as field
// errors. yaml.v3 records type errors and goes on, but any other error (bad
// !!binary data, a broken merge key, excessive aliasing, an error from a
// custom decoder) aborts the whole decode and carries no line. Then each
// field is decoded on its own: the rest of the file is still read, and the
// error is reported at the deepest field whose decode fails.
func decodeConfig(file string, doc *yaml.Node, cfg *Config, idx *lineIndex) Errors {
	err := doc.Decode(cfg)
	if err == nil {
		return nil
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return typeErrors(file, te, idx)
	}
	s := &salvager{file: file, idx: idx, budget: salvageBudget, failedAnchors: map[walkedAnchor]bool{}}
	*cfg = Config{}
	if !s.descend(doc, reflect.ValueOf(cfg).Elem(), "") {
		s.fail(doc, "", err)
	}
	return s.errs
}

// salvager decodes a tree whose whole decode failed, field by field.
type salvager struct {
	file   string
	idx    *lineIndex
	errs   Errors
	budget int // nodes left to decode again
	// failedAnchors are anchors whose decode as a type already failed: each
	// further alias to one fails the same way, and is not reported again.
	failedAnchors map[walkedAnchor]bool
}

// decode decodes n into v and reports whether an error other than a type
// error happened within n (it is then recorded at the deepest field found).
func (s *salvager) decode(n *yaml.Node, v reflect.Value, path string) bool {
	anchor := walkedAnchor{n, v.Type()}
	if n.Kind == yaml.AliasNode {
		anchor.node = n.Alias
	}
	if s.failedAnchors[anchor] {
		return true
	}
	err := n.Decode(v.Addr().Interface())
	if err == nil {
		return false
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		s.errs = append(s.errs, typeErrors(s.file, te, s.idx)...)
		return false
	}
	v.SetZero()
	if !s.descend(n, v, path) {
		s.fail(n, path, err)
	}
	if anchor.node != nil && anchor.node.Anchor != "" {
		s.failedAnchors[anchor] = true
	}
	return true
}

func (s *salvager) fail(n *yaml.Node, path string, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	s.errs = append(s.errs, FieldError{File: s.file, Line: n.Line, Field: path, Msg: "cannot decode: " + msg})
}

// descend decodes the children of n into v one by one and reports whether
// one of them failed. It reports false when n has no children to blame, or
// when decoding them again would exceed the budget.
func (s *salvager) descend(n *yaml.Node, v reflect.Value, path string) bool {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	cost := countNodes(n, s.budget)
	if cost > s.budget {
		return false
	}
	s.budget -= cost
	for v.Kind() == reflect.Pointer {
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	t := v.Type()
	failed := false
	switch {
	case t.Kind() == reflect.Struct && t != timeType && n.Kind == yaml.MappingNode:
		fields := yamlFieldIndexes(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if fi, ok := fields[key]; ok {
				failed = s.decode(n.Content[i+1], v.Field(fi), joinPath(path, key)) || failed
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		v.Set(reflect.MakeSlice(t, len(n.Content), len(n.Content)))
		for i, item := range n.Content {
			failed = s.decode(item, v.Index(i), fmt.Sprintf("%s[%d]", path, i)) || failed
		}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && n.Kind == yaml.MappingNode:
		v.Set(reflect.MakeMap(t))
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			elem := reflect.New(t.Elem()).Elem()
			failed = s.decode(n.Content[i+1], elem, fmt.Sprintf("%s[%s]", path, key)) || failed
			v.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), elem)
		}
	}
	return failed
}

// countNodes counts the nodes of n with aliases expanded, stopping once
// the count passes limit (an alias bomb expands to billions).
func countNodes(n *yaml.Node, limit int) int {
	count := 0
	stack := []*yaml.Node{n}
	for len(stack) > 0 && count <= limit {
		n = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		count++
		if n.Kind == yaml.AliasNode {
			if n.Alias != nil {
				stack = append(stack, n.Alias)
			}
			continue
		}
		stack = append(stack, n.Content...)
	}
	return count
}

// yamlFieldIndexes maps yaml keys of a struct to field indexes.
func yamlFieldIndexes(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out[name] = i
		}
	}
	return out
}

var yamlLineRe = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)

// typeErrors turns yaml.v3 type errors ("line 7: cannot unmarshal !!str
// `abc` into int") into field errors.
func typeErrors(file string, te *yaml.TypeError, idx *lineIndex) Errors {
	var out Errors
	for _, e := range te.Errors {
		m := yamlLineRe.FindStringSubmatch(e)
		if m == nil {
			out = append(out, FieldError{File: file, Msg: e})
			continue
		}
		line, _ := strconv.Atoi(m[1])
		out = append(out, FieldError{File: file, Line: line, Field: idx.pathNear(line), Msg: friendlyTypeError(m[2])})
	}
	return out
}

var unmarshalRe = regexp.MustCompile("(?s)^cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")

func friendlyTypeError(msg string) string {
	m := unmarshalRe.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	want := m[3]
	switch {
	case want == "time.Duration":
		want = "a duration such as 5s or 100ms"
	case strings.HasPrefix(want, "[]"):
		want = "a list"
	case strings.HasPrefix(want, "config."):
		want = "a mapping"
	case strings.HasPrefix(want, "int"):
		want = "an integer"
	case want == "*bool" || want == "bool":
		want = "true or false"
	}
	return fmt.Sprintf("want %s, got %s %q", want, m[1], m[2])
}
