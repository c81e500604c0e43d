package openapi

import (
	"errors"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// failure is one leaf of a schema validation error: where (pointer tokens
// inside the validated value), which keyword, and the generic reason.
type failure struct {
	tokens  []string
	keyword string
	reason  string
}

// firstFailure picks one failure of a validation error. The validator
// reports every failure, in an order that depends on map iteration; the
// one with the smallest location is reported so that the same request
// always gets the same answer.
func firstFailure(err error) failure {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return failure{keyword: "schema", reason: "is invalid"}
	}
	var best failure
	found := false
	collectFailures(ve, func(f failure) {
		if !found || lessFailure(f, best) {
			best, found = f, true
		}
	})
	if !found {
		return failure{tokens: ve.InstanceLocation, keyword: "schema", reason: "is invalid"}
	}
	return best
}

func lessFailure(a, b failure) bool {
	if c := slices.Compare(a.tokens, b.tokens); c != 0 {
		return c < 0
	}
	if a.reason != b.reason {
		return a.reason < b.reason
	}
	return a.keyword < b.keyword
}

// collectFailures reports the leaves of e. allOf, $ref and the schema
// wrapper only group their causes; anyOf and oneOf are reported where they
// failed, as their branches' failures would only confuse (the value had to
// match one of them, not each).
func collectFailures(e *jsonschema.ValidationError, report func(failure)) {
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
		if len(e.Causes) == 0 {
			report(failure{tokens: e.InstanceLocation, keyword: "schema", reason: "is invalid"})
		}
		for _, c := range e.Causes {
			collectFailures(c, report)
		}
	case *kind.OneOf:
		reason := "does not match any allowed schema"
		if len(k.Subschemas) > 1 {
			reason = "matches more than one allowed schema"
		}
		report(failure{tokens: e.InstanceLocation, keyword: "oneOf", reason: reason})
	default:
		report(leafFailure(e))
	}
}

// leafFailure maps a keyword failure to a location and a generic reason.
func leafFailure(e *jsonschema.ValidationError) failure {
	f := failure{tokens: e.InstanceLocation, keyword: lastKeyword(e.ErrorKind)}
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		f.reason = "must be " + describeTypes(k.Want)
	case *kind.Required:
		f.tokens, f.reason = child(e.InstanceLocation, k.Missing), "is required"
	case *kind.Dependency:
		f.tokens, f.reason = child(e.InstanceLocation, k.Missing), "is required"
	case *kind.DependentRequired:
		f.tokens, f.reason = child(e.InstanceLocation, k.Missing), "is required"
	case *kind.AdditionalProperties:
		f.tokens, f.reason = child(e.InstanceLocation, k.Properties), "is not allowed"
	case *kind.PropertyNames:
		f.tokens, f.reason = child(e.InstanceLocation, []string{k.Property}), "is not an allowed name"
	case *kind.FalseSchema, *kind.Not:
		f.reason = "is not allowed"
	case *kind.Enum, *kind.Const, *kind.MultipleOf:
		f.reason = "is not an allowed value"
	case *kind.Format:
		f.reason = "is not a valid " + formatName(k.Want)
	case *kind.Pattern:
		f.reason = "does not have the expected format"
	case *kind.MinLength:
		f.reason = "is too short"
	case *kind.MaxLength:
		f.reason = "is too long"
	case *kind.Minimum, *kind.ExclusiveMinimum:
		f.reason = "is too small"
	case *kind.Maximum, *kind.ExclusiveMaximum:
		f.reason = "is too large"
	case *kind.MinItems:
		f.reason = "has too few items"
	case *kind.MaxItems, *kind.AdditionalItems:
		f.reason = "has too many items"
	case *kind.UniqueItems:
		f.reason = "must not contain duplicate items"
	case *kind.Contains, *kind.MinContains, *kind.MaxContains:
		f.reason = "does not contain the expected items"
	case *kind.MinProperties:
		f.reason = "has too few members"
	case *kind.MaxProperties:
		f.reason = "has too many members"
	case *kind.AnyOf:
		f.reason = "does not match any allowed schema"
	default:
		f.reason = "is invalid"
	}
	return f
}

func lastKeyword(k jsonschema.ErrorKind) string {
	if p := k.KeywordPath(); len(p) > 0 {
		return p[len(p)-1]
	}
	return "schema"
}

// child points at the first (in sorted order) of names under base.
func child(base, names []string) []string {
	if len(names) == 0 {
		return base
	}
	first := slices.Min(names)
	return append(slices.Clip(base), first)
}

// describeTypes renders JSON types with an article: "an integer", "a
// string or null".
func describeTypes(types []string) string {
	if len(types) == 0 {
		return "of another type"
	}
	parts := make([]string, 0, len(types))
	for _, t := range types {
		switch t {
		case "integer", "object", "array":
			parts = append(parts, "an "+t)
		case "string", "number", "boolean":
			parts = append(parts, "a "+t)
		case "null":
			parts = append(parts, "null")
		default:
			parts = append(parts, "of another type")
		}
	}
	return strings.Join(parts, " or ")
}

// formatName returns a format name fit for a client message: the
// registry's names are short and lower case; anything else is "value".
func formatName(name string) string {
	if name == "" || len(name) > 32 {
		return "value"
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "value"
		}
	}
	return name
}
