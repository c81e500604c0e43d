package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// specURL names the compiled document inside the JSON Schema compiler;
// schemasKey is where the schemas to compile are placed in it.
const (
	specURL    = "urn:rampart:openapi"
	schemasKey = "x-rampart-compiled"
)

// schemaCompiler turns the document's schemas into compiled JSON Schemas,
// once, at Load. The document (its external $refs internalised, so that it
// is one tree) is handed to the compiler whole, with every schema to
// compile copied under one extra top-level key: the schemas' $refs to
// "#/components/..." then resolve as they do in the document, recursion
// included, and no request ever compiles anything.
//
// OpenAPI 3.1 schemas are JSON Schema 2020-12. OpenAPI 3.0 schemas are an
// extended subset of draft 4 (boolean exclusiveMinimum, siblings of $ref
// ignored), compiled as draft 4 once "nullable: true" has been rewritten
// as a "null" type.
type schemaCompiler struct {
	doc     *openapi3.T
	pending map[string]any
	keys    map[string]string // marshaled schema → its key in pending
	targets []compileTarget
}

type compileTarget struct {
	key string
	dst **jsonschema.Schema
}

func newSchemaCompiler(doc *openapi3.T) (*schemaCompiler, error) {
	if !doc.IsOpenAPI31OrLater() {
		if err := rewriteNullable(doc); err != nil {
			return nil, err
		}
	}
	doc.InternalizeRefs(context.Background(), nil)
	return &schemaCompiler{doc: doc, pending: map[string]any{}, keys: map[string]string{}}, nil
}

// rewriteNullable turns OpenAPI 3.0's "nullable: true" into the "null"
// type that JSON Schema understands.
func rewriteNullable(doc *openapi3.T) error {
	return doc.WalkSchemas(func(_ string, ref *openapi3.SchemaRef) error {
		s := ref.Value
		if s.Nullable && !s.Type.IsEmpty() && !s.Type.IncludesNull() {
			types := s.Type.Clone()
			types.With(openapi3.TypeNull)
			s.Type = &types
		}
		return nil
	})
}

// add queues ref for compilation; dst receives the result in compile.
// Identical schemas are compiled once.
func (c *schemaCompiler) add(ref *openapi3.SchemaRef, dst **jsonschema.Schema) error {
	data, err := json.Marshal(ref)
	if err != nil {
		return fmt.Errorf("encoding schema: %w", err)
	}
	key, ok := c.keys[string(data)]
	if !ok {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("decoding schema: %w", err)
		}
		key = "s" + strconv.Itoa(len(c.keys))
		c.keys[string(data)] = key
		c.pending[key] = v
	}
	c.targets = append(c.targets, compileTarget{key: key, dst: dst})
	return nil
}

// compile compiles every queued schema.
func (c *schemaCompiler) compile() error {
	if len(c.targets) == 0 {
		return nil
	}
	data, err := json.Marshal(c.doc)
	if err != nil {
		return fmt.Errorf("encoding the document: %w", err)
	}
	root, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decoding the document: %w", err)
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return errors.New("the document is not a JSON object")
	}
	obj[schemasKey] = c.pending

	comp := jsonschema.NewCompiler()
	comp.UseLoader(noLoader{})
	if c.doc.IsOpenAPI31OrLater() {
		comp.DefaultDraft(jsonschema.Draft2020)
	} else {
		comp.DefaultDraft(jsonschema.Draft4)
	}
	comp.AssertFormat()
	for _, f := range openAPIFormats {
		comp.RegisterFormat(f)
	}
	if err := comp.AddResource(specURL, root); err != nil {
		return fmt.Errorf("preparing schemas: %w", err)
	}
	compiled := map[string]*jsonschema.Schema{}
	for _, t := range c.targets {
		s, ok := compiled[t.key]
		if !ok {
			if s, err = comp.Compile(specURL + "#/" + schemasKey + "/" + t.key); err != nil {
				return fmt.Errorf("compiling a schema: %w", err)
			}
			compiled[t.key] = s
		}
		*t.dst = s
	}
	return nil
}

// noLoader refuses to load anything: every schema the compiler may need
// is added to it beforehand, and a $ref or $id naming another URL must not
// make the gateway read a file or the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %q is not part of the document (only local $refs are followed)", url)
}

// openAPIFormats are the OpenAPI format registry's integer ranges, which
// JSON Schema does not define. float and double add no constraint a JSON
// number does not already have.
var openAPIFormats = []*jsonschema.Format{
	{Name: "int32", Validate: intRange(math.MinInt32, math.MaxInt32)},
	{Name: "int64", Validate: intRange(math.MinInt64, math.MaxInt64)},
}

func intRange(lo, hi int64) func(any) error {
	return func(v any) error {
		n, ok := v.(json.Number)
		if !ok {
			return nil // not a number: the type keyword reports it
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		switch {
		case err == nil:
			if i < lo || i > hi {
				return errOutOfRange
			}
			return nil
		case errors.Is(err, strconv.ErrRange):
			return errOutOfRange
		}
		// 1e3, 2.0: an integer only if it has no fraction.
		f, err := n.Float64()
		if err != nil || f != math.Trunc(f) {
			return nil // the type keyword reports a fraction
		}
		// float64(hi)+1 is exactly 2^31 or 2^63, the first value past hi.
		if f < float64(lo) || f >= float64(hi)+1 {
			return errOutOfRange
		}
		return nil
	}
}

var errOutOfRange = errors.New("out of range")
