package spec

import (
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func ptr[T any](v T) *T { return &v }

func TestExampleValues(t *testing.T) {
	str := &openapi3.Types{"string"}
	integer := &openapi3.Types{"integer"}
	tests := []struct {
		name   string
		schema *openapi3.Schema
		field  string
		want   any
	}{
		{"spec example wins", &openapi3.Schema{Type: str, Example: "given", Default: "d"}, "x", "given"},
		{"3.1 examples", &openapi3.Schema{Type: str, Examples: []any{"first"}}, "x", "first"},
		{"const", &openapi3.Schema{Type: str, Const: "fixed"}, "x", "fixed"},
		{"default", &openapi3.Schema{Type: integer, Default: 7.0}, "x", 7.0},
		{"enum", &openapi3.Schema{Type: str, Enum: []any{nil, "b"}}, "x", "b"},
		{"id integer", &openapi3.Schema{Type: integer}, "item_id", int64(1)},
		{"minimum", &openapi3.Schema{Type: integer, Min: ptr(10.5)}, "n", int64(11)},
		{"exclusive minimum 3.0", &openapi3.Schema{Type: integer, Min: ptr(5.0), ExclusiveMin: openapi3.ExclusiveBound{Bool: ptr(true)}}, "n", int64(6)},
		{"exclusive minimum 3.1", &openapi3.Schema{Type: integer, ExclusiveMin: openapi3.ExclusiveBound{Value: ptr(3.0)}}, "n", int64(4)},
		{"maximum below 1", &openapi3.Schema{Type: integer, Max: ptr(0.0)}, "n", int64(0)},
		{"huge minimum", &openapi3.Schema{Type: integer, Min: ptr(1e300)}, "n", int64(1)},
		{"id string", &openapi3.Schema{Type: str}, "userId", "1"},
		{"email", &openapi3.Schema{Type: str, Format: "email"}, "x", "rampart@example.com"},
		{"max length", &openapi3.Schema{Type: str, MaxLength: ptr(uint64(3))}, "x", "ram"},
		{"nullable 3.1", &openapi3.Schema{Type: &openapi3.Types{"null", "boolean"}}, "x", false},
		{"array", &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: &openapi3.SchemaRef{Value: &openapi3.Schema{Type: integer}}}, "ids", []any{int64(1)}},
		{"oneOf", &openapi3.Schema{OneOf: openapi3.SchemaRefs{{Value: &openapi3.Schema{Type: str, Format: "uuid"}}}}, "x", "00000000-0000-4000-8000-000000000001"},
		{"allOf merges", &openapi3.Schema{AllOf: openapi3.SchemaRefs{
			{Value: &openapi3.Schema{Properties: openapi3.Schemas{"a": {Value: &openapi3.Schema{Type: str}}}}},
			{Value: &openapi3.Schema{Properties: openapi3.Schemas{"b": {Value: &openapi3.Schema{Type: integer, ReadOnly: true}}, "c": {Value: &openapi3.Schema{Type: integer}}}}},
		}}, "x", map[string]any{"a": "rampart", "c": int64(1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := newGenerator().value(&openapi3.SchemaRef{Value: tc.schema}, tc.field, 0, true)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("value = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// TestRecursiveSchemaIsBounded: a schema that contains itself yields a
// finite example.
func TestRecursiveSchemaIsBounded(t *testing.T) {
	node := &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: openapi3.Schemas{}}
	ref := &openapi3.SchemaRef{Value: node}
	node.Properties["left"] = ref
	node.Properties["right"] = ref
	g := newGenerator()
	v := g.value(ref, "", 0, true)
	depth := 0
	for m, ok := v.(map[string]any); ok; m, ok = m["left"].(map[string]any) {
		depth++
	}
	if depth == 0 || depth > maxDepth+1 {
		t.Errorf("example depth %d", depth)
	}
	if g.nodes < 0 {
		t.Errorf("node budget overrun: %d", g.nodes)
	}
}
