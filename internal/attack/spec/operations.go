package spec

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// maxOperations bounds the operations read from one document.
const maxOperations = 5000

// methodOrder sorts an operation list the way people read it.
var methodOrder = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "QUERY"}

// adminWords mark an operation as administrative when a tag or a path
// segment is one of them: function-level authorization (API5:2023) is
// tested first where a regular user should be refused.
var adminWords = map[string]bool{
	"admin": true, "admins": true, "administrator": true, "administration": true,
	"internal": true, "management": true, "manage": true, "mgmt": true, "superuser": true,
}

// operations walks the document in path, then method order.
func operations(doc *openapi3.T, opts Options) []core.Operation {
	if doc == nil || doc.Paths == nil {
		return nil
	}
	prefix := basePath(doc, opts.TargetPath)
	paths := doc.Paths.Map()
	names := make([]string, 0, len(paths))
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	g := newGenerator()
	var out []core.Operation
	for _, p := range names {
		item := paths[p]
		if item == nil || !strings.HasPrefix(p, "/") {
			continue
		}
		byMethod := item.Operations()
		methods := make([]string, 0, len(byMethod))
		for m := range byMethod {
			methods = append(methods, strings.ToUpper(m))
		}
		sort.Slice(methods, func(i, j int) bool { return methodRank(methods[i]) < methodRank(methods[j]) })
		for _, m := range methods {
			op := item.GetOperation(m)
			if op == nil {
				op = byMethod[m]
			}
			if op == nil {
				continue
			}
			if len(out) >= maxOperations {
				return out
			}
			full := prefix + p
			o := core.Operation{
				Method:      m,
				Path:        full,
				OperationID: op.OperationID,
				Tags:        slices.Clone(op.Tags),
				Secured:     secured(doc, op),
				Params:      params(g, item.Parameters, op.Parameters),
				Body:        body(g, op),
				Source:      "spec",
			}
			o.AdminOnly = adminOnly(m, full, op, opts.AdminEndpoints)
			out = append(out, o)
		}
	}
	return out
}

func methodRank(m string) int {
	if i := slices.Index(methodOrder, m); i >= 0 {
		return i
	}
	return len(methodOrder)
}

// basePath is the first server's path ("/v1"), unless the target URL
// already ends with it.
func basePath(doc *openapi3.T, targetPath string) string {
	if len(doc.Servers) == 0 || doc.Servers[0] == nil {
		return ""
	}
	bp, err := doc.Servers[0].BasePath()
	if err != nil {
		return ""
	}
	bp = strings.TrimRight(bp, "/")
	if bp == "" || !strings.HasPrefix(bp, "/") || strings.HasSuffix(strings.TrimRight(targetPath, "/"), bp) {
		return ""
	}
	return bp
}

// secured: the operation's own security list, else the document's, names
// at least one scheme and does not allow the empty requirement ({}), which
// makes credentials optional.
func secured(doc *openapi3.T, op *openapi3.Operation) bool {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	if len(reqs) == 0 {
		return false
	}
	for _, r := range reqs {
		if len(r) == 0 {
			return false
		}
	}
	return true
}

// adminOnly: a tag or path segment says admin; x-rampart-roles names
// admin; or an admin_endpoints pattern matches.
func adminOnly(method, p string, op *openapi3.Operation, patterns []string) bool {
	for _, t := range op.Tags {
		if hasAdminWord(t) {
			return true
		}
	}
	for _, seg := range strings.Split(p, "/") {
		if hasAdminWord(seg) {
			return true
		}
	}
	if roles, ok := op.Extensions["x-rampart-roles"].([]any); ok {
		for _, r := range roles {
			if s, ok := r.(string); ok && strings.EqualFold(s, "admin") {
				return true
			}
		}
	}
	if v, ok := op.Extensions["x-admin"].(bool); ok && v {
		return true
	}
	for _, pat := range patterns {
		m, pp, hasMethod := strings.Cut(strings.TrimSpace(pat), " ")
		if !hasMethod {
			m, pp = "", m
		}
		if m != "" && !strings.EqualFold(m, method) {
			continue
		}
		if ok, _ := path.Match(strings.TrimSpace(pp), p); ok {
			return true
		}
	}
	return false
}

// hasAdminWord splits on the usual separators: "admin-tools", "InternalAPI"
// is not split (camel case is rare in paths and tags that matter).
func hasAdminWord(s string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == '-' || r == '_' || r == '.' || r == ' ' || r == '{' || r == '}'
	}) {
		if adminWords[w] {
			return true
		}
	}
	return false
}

// params merges the path item's parameters with the operation's (which
// override by name and location).
func params(g *generator, shared, own openapi3.Parameters) []core.Param {
	type key struct{ in, name string }
	var order []key
	byKey := map[key]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{shared, own} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil || ref.Value.Name == "" {
				continue
			}
			k := key{ref.Value.In, ref.Value.Name}
			if _, seen := byKey[k]; !seen {
				order = append(order, k)
			}
			byKey[k] = ref.Value
		}
	}
	out := make([]core.Param, 0, len(order))
	for _, k := range order {
		p := byKey[k]
		sch := p.Schema
		if sch == nil {
			for _, mt := range sortedKeys(p.Content) {
				if c := p.Content[mt]; c != nil && c.Schema != nil {
					sch = c.Schema
					break
				}
			}
		}
		cp := core.Param{Name: p.Name, In: p.In, Required: p.Required || p.In == "path"}
		if sch != nil && sch.Value != nil {
			cp.Type, cp.Format = typeOf(sch.Value), sch.Value.Format
		}
		cp.Example = paramExample(g, p, sch)
		out = append(out, cp)
	}
	return out
}

func paramExample(g *generator, p *openapi3.Parameter, sch *openapi3.SchemaRef) any {
	if p.Example != nil {
		return p.Example
	}
	for _, name := range sortedKeys(p.Examples) {
		if e := p.Examples[name]; e != nil && e.Value != nil && e.Value.Value != nil {
			return e.Value.Value
		}
	}
	if sch != nil {
		if v := g.value(sch, p.Name, 0, true); v != nil {
			return v
		}
	}
	if isIDName(p.Name) {
		return int64(1)
	}
	return "rampart"
}

// body describes the JSON request body: the JSON media type if there is
// one (else the first), a writable example, the read-only and top-level
// properties.
func body(g *generator, op *openapi3.Operation) *core.Body {
	if op.RequestBody == nil || op.RequestBody.Value == nil || len(op.RequestBody.Value.Content) == 0 {
		return nil
	}
	content := op.RequestBody.Value.Content
	types := sortedKeys(content)
	mt := types[0]
	for _, t := range types {
		base, _, _ := strings.Cut(t, ";")
		base = strings.TrimSpace(strings.ToLower(base))
		if base == "application/json" || strings.HasSuffix(base, "+json") {
			mt = t
			break
		}
	}
	b := &core.Body{MediaType: mt}
	media := content[mt]
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return b
	}
	s := media.Schema.Value
	if media.Example != nil {
		if m, ok := media.Example.(map[string]any); ok {
			b.Example = m
		}
	}
	if b.Example == nil && (typeOf(s) == "object" || len(s.AllOf) > 0) {
		if m, ok := g.value(media.Schema, "", 0, true).(map[string]any); ok {
			b.Example = m
		}
	}
	props := properties(s, 0)
	req := required(s, 0)
	for _, n := range sortedKeys(props) {
		p := props[n]
		if p.Value == nil {
			continue
		}
		if p.Value.ReadOnly {
			b.ReadOnly = append(b.ReadOnly, n)
		}
		if len(b.Fields) < maxProperties {
			b.Fields = append(b.Fields, core.Param{
				Name: n, In: "body", Type: typeOf(p.Value), Format: p.Value.Format,
				Required: req[n], Example: g.value(p, n, 1, true),
			})
		}
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
