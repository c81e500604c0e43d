package openapi

import (
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// Plan building bounds: deeper or larger schemas are planned only down to
// where the budget ends, which skips less and is always safe.
const (
	maxPlanDepth = 32
	maxPlanNodes = 20000
)

// planBuilder compiles plan nodes from schemas. Each schema's own node is
// built once (recursive schemas share it); compositions make new nodes.
// A node only ever gains constraints while it is built, and everything
// cut short (cycles, budget) knows less, never more: the plan may skip
// less than it could, never more than it should.
type planBuilder struct {
	own    map[*openapi3.Schema]*planNode
	budget int
}

func newPlanBuilder() *planBuilder {
	return &planBuilder{own: map[*openapi3.Schema]*planNode{}, budget: maxPlanNodes}
}

// node returns the plan of a schema, allOf merged in, anyOf and oneOf
// intersected.
func (b *planBuilder) node(s *openapi3.Schema, depth int) *planNode {
	if s == nil || depth > maxPlanDepth || b.budget <= 0 {
		return nil
	}
	n := b.ownNode(s, depth)
	for _, sub := range s.AllOf {
		n = b.merge(n, b.node(refValue(sub), depth+1), depth)
	}
	for _, group := range []openapi3.SchemaRefs{s.AnyOf, s.OneOf} {
		if len(group) == 0 {
			continue
		}
		var alt *planNode
		for i, sub := range group {
			c := b.node(refValue(sub), depth+1)
			if i == 0 {
				alt = c
			} else {
				alt = b.intersect(alt, c, depth)
			}
		}
		n = b.merge(n, alt, depth)
	}
	return n
}

func refValue(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	return ref.Value
}

// ownNode plans a schema's own keywords (no composition).
func (b *planBuilder) ownNode(s *openapi3.Schema, depth int) *planNode {
	if n, ok := b.own[s]; ok {
		return n
	}
	b.budget--
	n := &planNode{skip: constrained(s)}
	b.own[s] = n // before the children: a recursive schema finds it
	ap := s.AdditionalProperties
	n.closed = ap.Has != nil && !*ap.Has && ap.Schema == nil && len(s.PatternProperties) == 0
	if u := s.UnevaluatedProperties; u.Has != nil && !*u.Has && len(s.PatternProperties) == 0 && ap.Schema == nil {
		n.closed = true
	}
	if len(s.Properties) > 0 {
		n.props = make(map[string]*planNode, len(s.Properties))
		for k, ref := range s.Properties {
			if c := b.node(refValue(ref), depth+1); c != nil {
				n.props[k] = c
			} else {
				n.props[k] = &planNode{} // declared, nothing known
			}
		}
	}
	if s.Items != nil {
		n.items = b.node(refValue(s.Items), depth+1)
	}
	for _, ref := range s.PrefixItems {
		n.prefix = append(n.prefix, b.node(refValue(ref), depth+1))
	}
	return n
}

// merge plans a value that must satisfy both a and b (allOf): it is
// constrained when either constrains it, closed when either closes it.
func (b *planBuilder) merge(x, y *planNode, depth int) *planNode {
	switch {
	case x == nil:
		return y
	case y == nil || x == y:
		return x
	case depth > maxPlanDepth || b.budget <= 0:
		return x
	}
	b.budget--
	n := &planNode{skip: x.skip || y.skip, closed: x.closed || y.closed}
	if len(x.props)+len(y.props) > 0 {
		n.props = make(map[string]*planNode, len(x.props)+len(y.props))
		for k, c := range x.props {
			n.props[k] = c
		}
		for k, c := range y.props {
			n.props[k] = b.merge(n.props[k], c, depth+1)
		}
	}
	n.items = b.merge(x.items, y.items, depth+1)
	for i := range max(len(x.prefix), len(y.prefix)) {
		n.prefix = append(n.prefix, b.merge(at(x.prefix, i), at(y.prefix, i), depth+1))
	}
	return n
}

// intersect plans a value that satisfies a or b (anyOf, oneOf): what both
// constrain is constrained, a member exists where both declare it.
func (b *planBuilder) intersect(x, y *planNode, depth int) *planNode {
	if x == nil || y == nil || depth > maxPlanDepth || b.budget <= 0 {
		return nil
	}
	if x == y {
		return x
	}
	b.budget--
	n := &planNode{skip: x.skip && y.skip, closed: x.closed && y.closed}
	for k, c := range x.props {
		if d, ok := y.props[k]; ok {
			if n.props == nil {
				n.props = map[string]*planNode{}
			}
			if m := b.intersect(c, d, depth+1); m != nil {
				n.props[k] = m
			} else {
				n.props[k] = &planNode{}
			}
		}
	}
	n.items = b.intersect(x.items, y.items, depth+1)
	return n
}

func at(nodes []*planNode, i int) *planNode {
	if i < len(nodes) {
		return nodes[i]
	}
	return nil
}

// strictFormats are the formats asserted at validation whose values are
// made of digits, hex, letters of a fixed grammar, ':', '.', '-', 'T', 'Z'
// and '+': none can hold an injection.
var strictFormats = []string{"uuid", "date", "date-time", "ipv4", "ipv6"}

// constrained reports whether a schema's own keywords constrain a value
// to what cannot carry an injection (see ScanPlan).
func constrained(s *openapi3.Schema) bool {
	if len(s.Enum) > 0 || s.Const != nil {
		return true
	}
	types := s.Type.Slice()
	if len(types) > 0 && !slices.ContainsFunc(types, func(t string) bool {
		return t != openapi3.TypeInteger && t != openapi3.TypeNumber && t != openapi3.TypeBoolean && t != openapi3.TypeNull
	}) {
		return true
	}
	if slices.Contains(strictFormats, s.Format) {
		return true
	}
	return s.Pattern != "" && strictPattern(s.Pattern)
}
