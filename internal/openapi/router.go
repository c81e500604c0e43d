package openapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// router matches request paths against the document's path templates with
// a trie of segments built once at Load: a lookup costs one step per
// segment (plus backtracking where a literal and a template overlap) and
// allocates only the parameter map.
type router struct {
	root node
}

type node struct {
	literal map[string]*node
	// params are the templated children, most specific (longest literal
	// prefix and suffix) first.
	params []*paramEdge
	item   *pathItem
}

// paramEdge is a segment holding one parameter, with the literal text
// around it ("{id}", "{name}.json", "v{version}").
type paramEdge struct {
	prefix, suffix string
	next           *node
}

// pathItem is one path template and its operations.
type pathItem struct {
	template string
	methods  map[string]*Operation
	allow    []string
	// params locate each path parameter: its segment and the literal text
	// around it.
	params []pathParam
}

type pathParam struct {
	name           string
	segment        int
	prefix, suffix string
}

// add inserts a template. Two templates that differ only in parameter
// names (/a/{x} and /a/{y}) are the same path to a router: an error.
func (rt *router) add(template string) (*pathItem, error) {
	if !strings.HasPrefix(template, "/") {
		return nil, fmt.Errorf("path %q does not start with /", template)
	}
	n := &rt.root
	item := &pathItem{template: template, methods: map[string]*Operation{}}
	rest := template[1:]
	for i := 0; rest != ""; i++ {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		open := strings.IndexByte(seg, '{')
		if open < 0 {
			if n.literal == nil {
				n.literal = map[string]*node{}
			}
			next := n.literal[seg]
			if next == nil {
				next = &node{}
				n.literal[seg] = next
			}
			n = next
			continue
		}
		closing := strings.IndexByte(seg, '}')
		if closing < open || strings.IndexByte(seg[closing+1:], '{') >= 0 {
			return nil, fmt.Errorf("path %q: segment %q must hold at most one {parameter}", template, seg)
		}
		name := seg[open+1 : closing]
		if name == "" {
			return nil, fmt.Errorf("path %q: empty parameter name", template)
		}
		e := n.edge(seg[:open], seg[closing+1:])
		item.params = append(item.params, pathParam{name: name, segment: i, prefix: e.prefix, suffix: e.suffix})
		n = e.next
	}
	if n.item != nil {
		return nil, fmt.Errorf("paths %q and %q match the same requests", n.item.template, template)
	}
	n.item = item
	return item, nil
}

// edge returns n's child for a parameter between prefix and suffix,
// creating it in specificity order.
func (n *node) edge(prefix, suffix string) *paramEdge {
	for _, e := range n.params {
		if e.prefix == prefix && e.suffix == suffix {
			return e
		}
	}
	e := &paramEdge{prefix: prefix, suffix: suffix, next: &node{}}
	n.params = append(n.params, e)
	slices.SortStableFunc(n.params, func(a, b *paramEdge) int {
		return (len(b.prefix) + len(b.suffix)) - (len(a.prefix) + len(a.suffix))
	})
	return e
}

// finish computes each path item's Allow list once all methods are known.
func (it *pathItem) finish() {
	for m := range it.methods {
		it.allow = append(it.allow, m)
	}
	if it.methods[http.MethodGet] != nil && it.methods[http.MethodHead] == nil {
		it.allow = append(it.allow, http.MethodHead)
	}
	slices.Sort(it.allow)
}

// match finds the path item for an escaped request path and decodes its
// parameters. A path with invalid percent-encoding, an empty segment or a
// trailing slash the template lacks matches nothing.
func (rt *router) match(path string) (*pathItem, map[string]string) {
	if path == "" {
		path = "/"
	}
	if path[0] != '/' {
		return nil, nil
	}
	item := rt.root.match(path[1:], path == "/")
	if item == nil {
		return nil, nil
	}
	if len(item.params) == 0 {
		return item, nil
	}
	params := make(map[string]string, len(item.params))
	for _, p := range item.params {
		seg, ok := segmentAt(path[1:], p.segment)
		if !ok {
			return nil, nil
		}
		v, _ := url.PathUnescape(seg) // decoded successfully during the match
		params[p.name] = v[len(p.prefix) : len(v)-len(p.suffix)]
	}
	return item, params
}

// match walks the remaining path. done is true once every segment has
// been consumed (the request path was "/" or the last segment matched).
func (n *node) match(rest string, done bool) *pathItem {
	if done {
		return n.item
	}
	seg, tail, more := strings.Cut(rest, "/")
	value, err := url.PathUnescape(seg)
	if err != nil || value == "" {
		return nil
	}
	if next := n.literal[value]; next != nil {
		if it := next.match(tail, !more); it != nil {
			return it
		}
	}
	for _, e := range n.params {
		if len(value) > len(e.prefix)+len(e.suffix) && strings.HasPrefix(value, e.prefix) && strings.HasSuffix(value, e.suffix) {
			if it := e.next.match(tail, !more); it != nil {
				return it
			}
		}
	}
	return nil
}

// segmentAt returns the i-th segment (0-based) of a path without its
// leading slash.
func segmentAt(rest string, i int) (string, bool) {
	for ; i > 0; i-- {
		_, after, ok := strings.Cut(rest, "/")
		if !ok {
			return "", false
		}
		rest = after
	}
	seg, _, _ := strings.Cut(rest, "/")
	return seg, true
}
