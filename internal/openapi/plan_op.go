package openapi

import (
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// plan compiles an operation's scan plan: its path segments, parameters
// and the body of the one JSON (or form) entry a body of that kind can
// match. With two such entries (application/json and */*, say) the body
// is not planned: the plan could name the other entry's schema.
func (b *planBuilder) plan(op *Operation, item *pathItem) *ScanPlan {
	p := &ScanPlan{query: map[string]bool{}, header: map[string]bool{}, cookie: map[string]bool{}}
	params := map[string]*parameter{}
	for _, prm := range op.params {
		skip := b.paramSkip(prm)
		switch prm.in {
		case openapi3.ParameterInPath:
			params[prm.name] = prm
		case openapi3.ParameterInQuery:
			p.query[prm.name] = skip
		case openapi3.ParameterInHeader:
			p.header[http.CanonicalHeaderKey(prm.name)] = skip
		case openapi3.ParameterInCookie:
			p.cookie[prm.name] = skip
		}
	}
	segments := strings.Split(strings.TrimPrefix(item.template, "/"), "/")
	if item.template == "/" {
		segments = nil
	}
	p.segments = make([]bool, len(segments))
	for i := range segments {
		p.segments[i] = true // a literal
	}
	for _, pp := range item.params {
		prm := params[pp.name]
		p.segments[pp.segment] = prm != nil && b.paramSkip(prm)
	}
	if op.body != nil {
		if e := onlyEntry(op.body.content, jsonCapable); e != nil && e.schema != nil {
			p.json = b.node(e.kin, 0)
		}
		if e := onlyEntry(op.body.content, formCapable); e != nil && e.schema != nil {
			b.planForm(p, e)
		}
	}
	return p
}

// paramSkip reports whether a parameter's values are validated and
// constrained.
func (b *planBuilder) paramSkip(prm *parameter) bool {
	if prm.schema == nil || prm.jsonContent || prm.typ == nil {
		return false
	}
	n := b.node(prm.kin, 0)
	if prm.typ.array {
		if n == nil {
			return false
		}
		n = n.items
	}
	return n != nil && n.skip
}

// planForm plans a form body: each declared field, by its type.
func (b *planBuilder) planForm(p *ScanPlan, e *mediaEntry) {
	n := b.node(e.kin, 0)
	if n == nil {
		return
	}
	p.form = make(map[string]bool, len(n.props))
	p.formClosed = n.closed
	for k, c := range n.props {
		if t := e.form[k]; t != nil && t.array {
			c = c.items
		}
		p.form[k] = c != nil && c.skip
	}
}

// onlyEntry returns the one entry of c that fits, or nil when none or
// several do.
func onlyEntry(c content, fits func(string) bool) *mediaEntry {
	var found *mediaEntry
	for _, e := range c {
		if fits(e.mediaRange) {
			if found != nil {
				return nil
			}
			found = e
		}
	}
	return found
}
