package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// MaxSpecBytes bounds the documents SpecOperations reads.
const MaxSpecBytes = 8 << 20

// maxSpecOperations bounds the operations read from one document.
const maxSpecOperations = 5000

// specMethods are the operation keys of an OpenAPI path item.
var specMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Spec is what SpecOperations reads from an OpenAPI 3.x or Swagger 2.0
// document: enough to probe the operations, not a validating model.
type Spec struct {
	Version    string // "3.1.0", "2.0"
	BasePath   string // the first server's path ("/v1"), or Swagger's basePath
	Operations []core.Operation
}

// ErrNotSpec is returned for a document that is neither OpenAPI nor Swagger.
var ErrNotSpec = errors.New("not an OpenAPI or Swagger document")

// SpecOperations reads the operations of an OpenAPI 3.x or Swagger 2.0
// document, JSON or YAML: method, path, operation id, tags, whether it
// declares security (its own security list, else the document's), its
// parameters and the top-level fields of a JSON body. Local $refs to
// components (or Swagger definitions and parameters) are followed one level.
func SpecOperations(doc []byte) (*Spec, error) {
	if len(doc) > MaxSpecBytes {
		return nil, fmt.Errorf("spec is larger than %d bytes", MaxSpecBytes)
	}
	var root map[string]any
	trimmed := bytes.TrimSpace(doc)
	var err error
	if len(trimmed) > 0 && trimmed[0] == '{' {
		err = json.Unmarshal(trimmed, &root)
	} else {
		err = yaml.Unmarshal(trimmed, &root)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing spec: %w", err)
	}
	sp := &Spec{Version: str(root["openapi"])}
	if sp.Version == "" {
		sp.Version = str(root["swagger"])
	}
	paths, _ := root["paths"].(map[string]any)
	if sp.Version == "" || paths == nil {
		return nil, ErrNotSpec
	}
	sp.BasePath = basePath(root)
	globalSecured := secured(root["security"])
	names := make([]string, 0, len(paths))
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		if !strings.HasPrefix(p, "/") {
			continue
		}
		item, _ := paths[p].(map[string]any)
		shared := params(root, item["parameters"])
		for _, m := range specMethods {
			raw, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			if len(sp.Operations) >= maxSpecOperations {
				return sp, nil
			}
			op := core.Operation{
				Method:      strings.ToUpper(m),
				Path:        p,
				OperationID: str(raw["operationId"]),
				Tags:        strs(raw["tags"]),
				Secured:     globalSecured,
				Source:      "spec",
			}
			if sec, ok := raw["security"]; ok {
				op.Secured = secured(sec)
			}
			op.Params = mergeParams(shared, params(root, raw["parameters"]))
			op.Body = body(root, raw)
			sp.Operations = append(sp.Operations, op)
		}
	}
	return sp, nil
}

func basePath(root map[string]any) string {
	if bp := str(root["basePath"]); strings.HasPrefix(bp, "/") {
		return strings.TrimRight(bp, "/")
	}
	servers, _ := root["servers"].([]any)
	if len(servers) == 0 {
		return ""
	}
	s, _ := servers[0].(map[string]any)
	u, err := url.Parse(str(s["url"]))
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// secured reports whether a security requirement list demands credentials:
// an empty list, or one holding an empty requirement ({}), makes them
// optional.
func secured(v any) bool {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return false
	}
	for _, r := range list {
		if m, ok := r.(map[string]any); !ok || len(m) == 0 {
			return false
		}
	}
	return true
}

// resolve follows one local $ref ("#/components/parameters/ID").
func resolve(root map[string]any, v any) map[string]any {
	m, _ := v.(map[string]any)
	ref, ok := m["$ref"].(string)
	if !ok {
		return m
	}
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = root
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		cm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = cm[part]
	}
	out, _ := cur.(map[string]any)
	if _, again := out["$ref"]; again {
		return nil // one level only: no loops
	}
	return out
}

func params(root map[string]any, v any) []core.Param {
	list, _ := v.([]any)
	var out []core.Param
	for _, raw := range list {
		m := resolve(root, raw)
		if m == nil || str(m["name"]) == "" {
			continue
		}
		p := core.Param{Name: str(m["name"]), In: str(m["in"])}
		p.Required, _ = m["required"].(bool)
		schema := resolve(root, m["schema"])
		if schema == nil { // Swagger 2.0 puts the type on the parameter
			schema = m
		}
		p.Type, p.Format = str(schema["type"]), str(schema["format"])
		switch {
		case m["example"] != nil:
			p.Example = scalar(m["example"])
		case schema["example"] != nil:
			p.Example = scalar(schema["example"])
		case schema["default"] != nil:
			p.Example = scalar(schema["default"])
		}
		out = append(out, p)
	}
	return out
}

// mergeParams lets an operation's parameter override the path item's one
// of the same name and location.
func mergeParams(shared, own []core.Param) []core.Param {
	out := slices.Clone(own)
	for _, s := range shared {
		if !slices.ContainsFunc(own, func(o core.Param) bool { return o.Name == s.Name && o.In == s.In }) {
			out = append(out, s)
		}
	}
	return out
}

func body(root map[string]any, op map[string]any) *core.Body {
	rb := resolve(root, op["requestBody"])
	content, _ := rb["content"].(map[string]any)
	for mt, raw := range content {
		if !strings.Contains(mt, "json") {
			continue
		}
		m, _ := raw.(map[string]any)
		schema := resolve(root, m["schema"])
		b := &core.Body{MediaType: mt}
		props, _ := schema["properties"].(map[string]any)
		required := strs(schema["required"])
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			ps := resolve(root, props[n])
			b.Fields = append(b.Fields, core.Param{Name: n, In: "body", Type: str(ps["type"]), Format: str(ps["format"]),
				Required: slices.Contains(required, n)})
			if ro, _ := ps["readOnly"].(bool); ro {
				b.ReadOnly = append(b.ReadOnly, n)
			}
		}
		return b
	}
	return nil
}

// scalar keeps examples that fit in a URL; objects and arrays are dropped.
func scalar(v any) any {
	switch v.(type) {
	case string, bool, int, int64, float64, json.Number:
		return v
	}
	return nil
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64, int:
		return fmt.Sprint(t)
	}
	return ""
}

func strs(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
