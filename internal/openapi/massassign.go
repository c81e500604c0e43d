package openapi

import (
	"errors"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// errReadOnly is the cause of a mass-assignment failure.
var errReadOnly = errors.New("read-only property in request body")

// maxCompositionDepth bounds how deep allOf/anyOf/oneOf are searched for
// a property: documents nest them a few levels at most, and a cycle
// through them must not loop.
const maxCompositionDepth = 8

// massAssignment finds the properties a request body sets that the API
// documents as read-only (OWASP API3:2023 mass assignment, CWE-915). A
// property is read-only when
//
//   - the request schema declares it readOnly (OpenAPI 3.0 style: one
//     schema for reads and writes), or
//   - the request schema does not declare it, and the operation's
//     successful JSON response (the resource as the server returns it)
//     declares it readOnly at the same place: {"role": "admin"} sent to
//     PATCH /users/me whose response marks role readOnly.
//
// This is its own rule, ahead of schema validation, because a framework
// that binds request fields to a model by name lets such a field through
// whatever the rest of the schema says, and because it names the attack.
type massAssignment struct {
	req, resp *openapi3.Schema
}

// newMassAssignment returns nil when neither schema marks anything
// readOnly: then the walk could find nothing.
func newMassAssignment(req, resp *openapi3.Schema) *massAssignment {
	if !hasReadOnly(req) && !hasReadOnly(resp) {
		return nil
	}
	return &massAssignment{req: req, resp: resp}
}

func hasReadOnly(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	found := false
	_ = openapi3.NewSchemaRef("", s).WalkSubtree(func(_ string, ref *openapi3.SchemaRef) error {
		if ref.Value.ReadOnly {
			found = true
			return errStopWalk
		}
		return nil
	})
	return found
}

var errStopWalk = errors.New("stop")

// find returns the pointer tokens of the first read-only property v sets
// (in sorted order, so the answer is stable), or nil.
func (m *massAssignment) find(v any) []string {
	var best []string
	m.walk(v, m.req, m.resp, nil, 0, &best)
	return best
}

func (m *massAssignment) walk(v any, req, resp *openapi3.Schema, tokens []string, depth int, best *[]string) {
	if depth > maxJSONDepth || (req == nil && resp == nil) {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			here := append(slices.Clip(tokens), k)
			rp, rpReadOnly := property(req, k, 0)
			sp, spReadOnly := property(resp, k, 0)
			if rpReadOnly || rp == nil && spReadOnly {
				if *best == nil || slices.Compare(here, *best) < 0 {
					*best = here
				}
				continue
			}
			m.walk(child, rp, sp, here, depth+1, best)
		}
	case []any:
		ri, si := itemsOf(req), itemsOf(resp)
		for i, child := range v {
			m.walk(child, ri, si, append(slices.Clip(tokens), strconv.Itoa(i)), depth+1, best)
		}
	}
}

// property returns the schema s declares for member k (in properties,
// directly or through allOf, anyOf or oneOf) and whether any declaration
// of it is readOnly.
func property(s *openapi3.Schema, k string, depth int) (*openapi3.Schema, bool) {
	if s == nil || depth > maxCompositionDepth {
		return nil, false
	}
	var found *openapi3.Schema
	readOnly := false
	if ref := s.Properties[k]; ref != nil && ref.Value != nil {
		found, readOnly = ref.Value, ref.Value.ReadOnly
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			if sub == nil || sub.Value == nil {
				continue
			}
			p, ro := property(sub.Value, k, depth+1)
			if p != nil && found == nil {
				found = p
			}
			readOnly = readOnly || ro
		}
	}
	return found, readOnly
}

// itemsOf returns the schema of an array's items, through allOf.
func itemsOf(s *openapi3.Schema) *openapi3.Schema {
	for depth := 0; s != nil && depth <= maxCompositionDepth; depth++ {
		if s.Items != nil && s.Items.Value != nil {
			return s.Items.Value
		}
		var next *openapi3.Schema
		for _, sub := range s.AllOf {
			if sub != nil && sub.Value != nil && sub.Value.Items != nil {
				next = sub.Value
				break
			}
		}
		s = next
	}
	return nil
}
