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

// strictWalk walks the YAML tree beside the Go type: unknown and duplicate
// keys are errors (a typo such as "upstream:" must not silently leave a
// default in place), and every key's line is recorded for later validation
// errors.
type strictWalk struct {
	file string
	idx  *lineIndex
	errs Errors
	// likelyMeant are fields that an unknown key probably misspells and that
	// the mapping leaves out: "upstreams is required" would only repeat the
	// typo already reported.
	likelyMeant []string
	// walked records anchors already checked as a type. Aliases reuse them
	// many times; walking each once keeps the cost at the file's size (and
	// reports a problem inside an anchor once, not at every alias).
	walked map[walkedAnchor]bool
}

type walkedAnchor struct {
	node *yaml.Node
	typ  reflect.Type
}

func newStrictWalk(file string) *strictWalk {
	return &strictWalk{file: file, idx: newLineIndex(), walked: map[walkedAnchor]bool{}}
}

func (w *strictWalk) fail(line int, field, msg string) {
	w.errs = append(w.errs, FieldError{File: w.file, Line: line, Field: field, Msg: msg})
}

// check walks node n, which decodes into t at path.
func (w *strictWalk) check(n *yaml.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return
		}
		n = n.Alias
	}
	if n.Anchor != "" {
		if w.walked[walkedAnchor{n, t}] {
			return
		}
		w.walked[walkedAnchor{n, t}] = true
	}
	switch {
	case t.Kind() == reflect.Struct && t != timeType:
		w.checkStruct(n, t, path)
	case t.Kind() == reflect.Map && t.Elem().Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			child := fmt.Sprintf("%s[%s]", path, n.Content[i].Value)
			w.idx.add(child, n.Content[i].Line)
			w.check(n.Content[i+1], t.Elem(), child)
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		if n.Kind != yaml.SequenceNode {
			if !isNull(n) {
				w.fail(n.Line, path, "want a list")
			}
			return
		}
		for i, item := range n.Content {
			child := fmt.Sprintf("%s[%d]", path, i)
			w.idx.add(child, item.Line)
			w.check(item, t.Elem(), child)
		}
	case t.Kind() == reflect.Slice:
		if n.Kind == yaml.SequenceNode {
			for i, item := range n.Content {
				w.idx.add(fmt.Sprintf("%s[%d]", path, i), item.Line)
			}
		}
	}
}

func (w *strictWalk) checkStruct(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		if !isNull(n) {
			w.fail(n.Line, path, "want a mapping")
		}
		return
	}
	fields := yamlFields(t)
	seen := map[string]bool{}
	var guesses []string
	// Rejected keys are dropped from the tree once reported, so that the
	// decode still reads the rest: yaml.v3 discards a whole mapping that
	// repeats a key, and would act on a "<<" merge key.
	kept := make([]*yaml.Node, 0, len(n.Content))
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		child := joinPath(path, key.Value)
		if seen[key.Value] {
			w.fail(key.Line, child, "duplicate key")
			continue
		}
		seen[key.Value] = true
		ft, ok := fields[key.Value]
		if !ok {
			msg := "unknown field"
			if s := suggest(key.Value, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
				guesses = append(guesses, s)
			}
			w.fail(key.Line, child, msg)
			continue
		}
		kept = append(kept, key, val)
		w.idx.add(child, key.Line)
		w.check(val, ft, child)
	}
	n.Content = kept
	for _, g := range guesses {
		if !seen[g] {
			w.likelyMeant = append(w.likelyMeant, joinPath(path, g))
		}
	}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

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
