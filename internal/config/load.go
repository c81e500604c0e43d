package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxFileBytes bounds what Load reads; a config file is small.
const maxFileBytes = 4 << 20

// Load reads, decodes, defaults and validates a configuration file. Its
// error is an Errors value listing every problem as file:line: field: msg.
func Load(path string) (*Config, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: fmt.Sprintf("cannot read configuration: %v", errors.Unwrap(err))}}
	}
	if info.Size() > maxFileBytes {
		return nil, Errors{{File: path, Msg: fmt.Sprintf("file is larger than %d bytes", maxFileBytes)}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: fmt.Sprintf("cannot read configuration: %v", err)}}
	}
	return Parse(path, data)
}

// Parse decodes data (named file in errors), applies defaults and validates.
// Problems do not stop it early: unknown keys, values of the wrong type and
// invalid settings are all reported in one Errors value, sorted by line.
func Parse(file string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Errors{syntaxError(file, data, err)}
	}
	if len(root.Content) == 0 {
		return nil, Errors{{File: file, Msg: "configuration is empty"}}
	}
	doc := root.Content[0]
	walk := newStrictWalk(file)
	walk.check(doc, reflect.TypeOf(Config{}), "")
	errs := walk.errs
	if line := secondDocumentLine(data); line > 0 {
		errs = append(errs, FieldError{File: file, Line: line,
			Msg: "a second YAML document (after ---) would be ignored; keep the whole configuration in one document"})
	}
	var cfg Config
	strictAt := map[int]Errors{}
	for _, e := range walk.errs {
		strictAt[e.Line] = append(strictAt[e.Line], e)
	}
	for _, e := range decodeConfig(file, doc, &cfg, walk.idx) {
		if !repeats(strictAt[e.Line], e) {
			errs = append(errs, e)
		}
	}
	// A field already reported is not validated again: its zero or default
	// value would only add noise ("required") to the real problem.
	reported := pathSet{}
	for _, e := range errs {
		reported[e.Field] = true
	}
	for _, p := range walk.likelyMeant {
		reported[p] = true
	}
	cfg.ApplyDefaults()
	resolvePaths(&cfg, file)
	for _, fe := range cfg.Validate() {
		if reported.covers(fe.Field) {
			continue
		}
		fe.File = file
		fe.Line = walk.idx.line(fe.Field)
		errs = append(errs, fe)
	}
	if len(errs) > 0 {
		return nil, sortedUnique(errs)
	}
	cfg.src = &source{file: file, lines: walk.idx}
	return &cfg, nil
}

// repeats reports whether decode error e is one the strict walk already
// reported on its line, about the same field or one containing it (a key
// that wants a mapping fails both checks).
func repeats(strictOnLine Errors, e FieldError) bool {
	for _, s := range strictOnLine {
		if within(e.Field, s.Field) || within(s.Field, e.Field) {
			return true
		}
	}
	return false
}

// within reports whether field is path or inside it; the empty path (the
// whole file) contains every field.
func within(field, path string) bool {
	if !strings.HasPrefix(field, path) {
		return false
	}
	return path == "" || len(field) == len(path) || field[len(path)] == '.' || field[len(path)] == '['
}

// pathSet is a set of field paths.
type pathSet map[string]bool

// covers reports whether field or one of its parents is in the set.
func (s pathSet) covers(field string) bool {
	if s[""] {
		return true
	}
	for field != "" {
		if s[field] {
			return true
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			return false
		}
		field = field[:i]
	}
	return false
}

// sortedUnique sorts errs by line and drops repeats (aliases can make one
// problem appear many times).
func sortedUnique(errs Errors) Errors {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	seen := map[FieldError]bool{}
	out := errs[:0]
	for _, e := range errs {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// lineIndex maps field paths to the line where they appear, so validation
// errors found on the typed Config can point into the file, and lines to
// paths, so yaml.v3's type errors (which name a line) can name a field.
type lineIndex struct {
	byPath  map[string]int
	deepest map[int]string // the longest path on each line
	lines   []int          // the lines of deepest, sorted when lookups need it
	ordered bool
}

func newLineIndex() *lineIndex {
	return &lineIndex{byPath: map[string]int{}, deepest: map[int]string{}}
}

func (x *lineIndex) add(path string, line int) {
	x.byPath[path] = line
	d, ok := x.deepest[line]
	if !ok {
		x.lines = append(x.lines, line)
		x.ordered = false
	}
	if len(path) > len(d) {
		x.deepest[line] = path
	}
}

// line returns the line of path, or of its nearest parent present in the
// file (a defaulted field is reported at the section that omitted it).
func (x *lineIndex) line(path string) int {
	for path != "" {
		if l, ok := x.byPath[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// pathNear returns the deepest field path on a line or, when no key sits
// on it (a value on the line after its key), the nearest one above it.
func (x *lineIndex) pathNear(line int) string {
	if p, ok := x.deepest[line]; ok {
		return p
	}
	if !x.ordered {
		sort.Ints(x.lines)
		x.ordered = true
	}
	i := sort.SearchInts(x.lines, line)
	if i == 0 {
		return ""
	}
	return x.deepest[x.lines[i-1]]
}

// secondDocumentLine returns the line where a second YAML document starts,
// or 0 when data holds one. yaml.Unmarshal reads the first document only, so
// settings after a "---" would be dropped without a word; a strict loader
// refuses them instead.
func secondDocumentLine(data []byte) int {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if dec.Decode(&first) != nil || dec.Decode(&second) != nil {
		return 0
	}
	if second.Line > 0 {
		return second.Line
	}
	return 1
}
