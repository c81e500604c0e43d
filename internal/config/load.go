package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
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
func Parse(file string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Errors{syntaxError(file, err)}
	}
	if len(root.Content) == 0 {
		return nil, Errors{{File: file, Msg: "configuration is empty"}}
	}
	doc := root.Content[0]
	idx := &lineIndex{byPath: map[string]int{}}
	var errs Errors
	checkKnownFields(file, doc, reflect.TypeOf(Config{}), "", idx, &errs)
	if len(errs) > 0 {
		return nil, sorted(errs)
	}
	var cfg Config
	// yaml.v3 keeps decoding past type errors, so validation still runs and
	// every problem is reported at once; a field that failed to decode is
	// not validated again (its zero value would only add noise).
	badFields := map[string]bool{}
	if err := doc.Decode(&cfg); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Errors{{File: file, Msg: err.Error()}}
		}
		errs = decodeErrors(file, te, idx)
		for _, e := range errs {
			badFields[e.Field] = true
		}
	}
	cfg.ApplyDefaults()
	resolvePaths(&cfg, file)
	for _, fe := range cfg.Validate() {
		if badFields[fe.Field] {
			continue
		}
		fe.File = file
		fe.Line = idx.line(fe.Field)
		errs = append(errs, fe)
	}
	if len(errs) > 0 {
		return nil, sorted(errs)
	}
	return &cfg, nil
}

func sorted(errs Errors) Errors {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return errs
}

// lineIndex maps field paths to the line where they appear, so validation
// errors found on the typed Config can point into the file.
type lineIndex struct {
	byPath map[string]int
	paths  []string // in file order, for line → path lookups
}

func (x *lineIndex) add(path string, line int) {
	x.byPath[path] = line
	x.paths = append(x.paths, path)
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

// pathAt returns the deepest field path on a line.
func (x *lineIndex) pathAt(line int) string {
	best := ""
	for _, p := range x.paths {
		if x.byPath[p] == line && len(p) > len(best) {
			best = p
		}
	}
	return best
}

var yamlLineRe = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)

func syntaxError(file string, err error) FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return FieldError{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return FieldError{File: file, Msg: "invalid YAML: " + msg}
}

// decodeErrors turns yaml.v3 type errors ("line 7: cannot unmarshal !!str
// `abc` into int") into field errors.
func decodeErrors(file string, te *yaml.TypeError, idx *lineIndex) Errors {
	var out Errors
	for _, e := range te.Errors {
		m := yamlLineRe.FindStringSubmatch(e)
		if m == nil {
			out = append(out, FieldError{File: file, Msg: e})
			continue
		}
		line, _ := strconv.Atoi(m[1])
		out = append(out, FieldError{File: file, Line: line, Field: idx.pathAt(line), Msg: friendlyTypeError(m[2])})
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
