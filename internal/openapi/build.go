package openapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// build compiles a validated document into a Spec.
func build(doc *openapi3.T, file string) (*Spec, error) {
	s := &Spec{
		file:    file,
		version: doc.OpenAPI,
		byKey:   map[string]*Operation{},
		byID:    map[string]*Operation{},
		router:  &router{},
	}
	comp, err := newSchemaCompiler(doc)
	if err != nil {
		return nil, err
	}
	var items []*pathItem
	for _, template := range sortedKeys(doc.Paths.Map()) {
		kinItem := doc.Paths.Value(template)
		item, err := s.router.add(template)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
		kinOps := kinItem.Operations()
		for _, method := range sortedKeys(kinOps) {
			op, err := s.operation(comp, template, kinItem, method, kinOps[method])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, template, err)
			}
			item.methods[method] = op
		}
		item.finish()
	}
	if err := comp.compile(); err != nil {
		return nil, err
	}
	plans := newPlanBuilder()
	for _, item := range items {
		for _, op := range item.methods {
			op.plan = plans.plan(op, item)
		}
	}
	return s, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// operation compiles one operation; its schemas are queued on comp.
func (s *Spec) operation(comp *schemaCompiler, template string, item *openapi3.PathItem, method string, kop *openapi3.Operation) (*Operation, error) {
	op := &Operation{ID: kop.OperationID, Method: strings.ToUpper(method), Path: template}
	if op.ID != "" {
		if other := s.byID[op.ID]; other != nil {
			return nil, fmt.Errorf("operationId %q is also used by %s", op.ID, other.Key())
		}
		s.byID[op.ID] = op
	}
	s.byKey[op.Key()] = op
	s.ops = append(s.ops, op)

	for _, ref := range mergedParameters(item.Parameters, kop.Parameters) {
		p, err := s.parameter(comp, op, ref.Value)
		if err != nil {
			return nil, err
		}
		if p != nil {
			op.params = append(op.params, p)
		}
	}
	var respSchema *openapi3.Schema
	if kop.Responses != nil {
		for _, status := range sortedKeys(kop.Responses.Map()) {
			ref := kop.Responses.Value(status)
			if ref == nil || ref.Value == nil {
				continue
			}
			r := &response{status: strings.ToUpper(status)}
			c, err := compileContent(comp, ref.Value.Content, true)
			if err != nil {
				return nil, fmt.Errorf("response %s: %w", status, err)
			}
			r.content = c
			op.responses = append(op.responses, r)
			if respSchema == nil && (len(status) == 3 && status[0] == '2') {
				if e := c.match("application/json"); e != nil && e.kin != nil {
					respSchema = e.kin
				}
			}
		}
	}
	if kop.RequestBody != nil && kop.RequestBody.Value != nil {
		rb := kop.RequestBody.Value
		c, err := compileContent(comp, rb.Content, false)
		if err != nil {
			return nil, fmt.Errorf("request body: %w", err)
		}
		op.body = &requestBody{required: rb.Required, content: c}
		for _, e := range c {
			if e.kin != nil && jsonCapable(e.mediaRange) {
				e.mass = newMassAssignment(e.kin, respSchema)
			}
		}
	}
	return op, nil
}

// mergedParameters returns the path item's parameters overridden by the
// operation's (same name and location), then the operation's own.
func mergedParameters(itemParams, opParams openapi3.Parameters) []*openapi3.ParameterRef {
	var out []*openapi3.ParameterRef
	for _, ref := range itemParams {
		if ref == nil || ref.Value == nil {
			continue
		}
		if opParams.GetByInAndName(ref.Value.In, ref.Value.Name) == nil {
			out = append(out, ref)
		}
	}
	for _, ref := range opParams {
		if ref != nil && ref.Value != nil {
			out = append(out, ref)
		}
	}
	return out
}

// parameter compiles a Parameter Object. It returns nil for parameters
// OpenAPI says to ignore; a serialisation this package does not decode is
// kept for its required check and recorded as a warning.
func (s *Spec) parameter(comp *schemaCompiler, op *Operation, kp *openapi3.Parameter) (*parameter, error) {
	name := kp.Name
	if kp.In == openapi3.ParameterInHeader {
		name = http.CanonicalHeaderKey(name)
		if slices.Contains(ignoredHeaders, name) {
			return nil, nil
		}
	}
	p := &parameter{name: name, in: kp.In, loc: location("/"+kp.In, name), required: kp.Required || kp.In == openapi3.ParameterInPath,
		allowEmpty: kp.AllowEmptyValue}
	unsupported := func(why string) (*parameter, error) {
		s.warnings = append(s.warnings, fmt.Sprintf("%s: %s parameter %q: %s; its value is not validated", op.Key(), kp.In, kp.Name, why))
		return p, nil
	}
	var schemaRef *openapi3.SchemaRef
	if kp.Content != nil {
		mt, ok := singleContent(kp.Content)
		if !ok || classify(mediaRangeOf(mt)) != classJSON {
			return unsupported("content other than one JSON media type")
		}
		p.jsonContent = true
		schemaRef = kp.Content[mt].Schema
	} else {
		sm, err := kp.SerializationMethod()
		if err != nil {
			return nil, err
		}
		p.style, p.explode = sm.Style, sm.Explode
		schemaRef = kp.Schema
	}
	if schemaRef == nil || schemaRef.Value == nil {
		return p, nil
	}
	p.kin = schemaRef.Value
	if !p.jsonContent {
		typ, ok := typeOf(p.kin)
		switch {
		case !ok:
			return unsupported("object values are not decoded")
		case !supportedStyle(kp.In, p.style, typ.array):
			return unsupported(fmt.Sprintf("style %q is not decoded", p.style))
		}
		p.typ = typ
	}
	if err := comp.add(schemaRef, &p.schema); err != nil {
		return nil, fmt.Errorf("parameter %q: %w", kp.Name, err)
	}
	return p, nil
}

// supportedStyle reports whether values of a style are decoded.
func supportedStyle(in, style string, array bool) bool {
	switch in {
	case openapi3.ParameterInPath, openapi3.ParameterInHeader:
		return style == openapi3.SerializationSimple
	case openapi3.ParameterInQuery:
		switch style {
		case openapi3.SerializationForm:
			return true
		case openapi3.SerializationSpaceDelimited, openapi3.SerializationPipeDelimited:
			return array
		}
	case openapi3.ParameterInCookie:
		return style == openapi3.SerializationForm && !array
	}
	return false
}

func singleContent(c openapi3.Content) (string, bool) {
	if len(c) != 1 {
		return "", false
	}
	for mt := range c {
		return mt, true
	}
	return "", false
}

// compileContent compiles a content map. Schemas are compiled for the
// entries a JSON, form or text body can match; response content only for
// JSON.
func compileContent(comp *schemaCompiler, c openapi3.Content, response bool) (content, error) {
	var out content
	for _, key := range sortedKeys(c) {
		mt := c[key]
		e := &mediaEntry{mediaRange: mediaRangeOf(key)}
		out = append(out, e)
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || !validatedRange(e.mediaRange, response) {
			continue
		}
		e.kin = mt.Schema.Value
		if !response && formCapable(e.mediaRange) {
			e.form = formTypes(e.kin)
		}
		if err := comp.add(mt.Schema, &e.schema); err != nil {
			return nil, fmt.Errorf("media type %q: %w", key, err)
		}
	}
	return out, nil
}

// jsonCapable reports whether a JSON body can match a media range.
func jsonCapable(mediaRange string) bool {
	return classify(mediaRange) == classJSON || mediaRange == "application/*" || mediaRange == "*/*"
}

// formCapable reports whether a form body can match a media range.
func formCapable(mediaRange string) bool {
	return classify(mediaRange) == classForm || mediaRange == "application/*" || mediaRange == "*/*"
}

// validatedRange reports whether bodies matching a media range are
// decoded and validated.
func validatedRange(mediaRange string, response bool) bool {
	if mediaRange == "*/*" || mediaRange == "application/*" {
		return true
	}
	c := classify(mediaRange)
	if response {
		return c == classJSON
	}
	return c != classOther || mediaRange == "text/*"
}
