package schema

import (
	"errors"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/openapi"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// Denial rules, for metrics, exclusions and tests.
const (
	RuleUndocumented     = "undocumented_endpoint"
	RuleMethodNotAllowed = "method_not_allowed"
	RuleInvalidParameter = "invalid_parameter"
	RuleInvalidBody      = "invalid_body"
	RuleMediaType        = "unsupported_media_type"
	RuleMassAssignment   = "mass_assignment"
)

// undocumentedMessage is the detail of a 404 for an undocumented path;
// the Event of the denial carries it too.
const undocumentedMessage = "undocumented endpoint"

// undocumentedEndpoint refuses a path the document does not have: shadow
// and forgotten endpoints (debug routes, old versions) are what attackers
// look for (OWASP API9:2023, improper inventory management).
func undocumentedEndpoint() *pipeline.Denial {
	return &pipeline.Denial{Status: http.StatusNotFound, Code: "not_found", PublicMessage: undocumentedMessage,
		Rule: RuleUndocumented, Category: "API9:2023", Severity: pipeline.SeverityMedium,
		Cause: errors.New("no path of the OpenAPI document matches")}
}

// methodDenial refuses a method the path does not declare, with the
// methods it does in Allow (RFC 9110 section 15.5.6).
func methodDenial(method string, allowed []string) *pipeline.Denial {
	return &pipeline.Denial{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
		PublicMessage: "The method is not allowed for this endpoint.", Rule: RuleMethodNotAllowed,
		Category: "API9:2023", Severity: pipeline.SeverityLow,
		Header: http.Header{"Allow": {strings.Join(allowed, ", ")}},
		Cause:  errors.New("the OpenAPI document declares no " + clip(method) + " operation for this path")}
}

// validationDenial turns a validation failure into a denial. The public
// message names the failing input and a generic reason, never the
// schema's pattern or enum nor the value.
func validationDenial(op *openapi.Operation, e *openapi.RequestError) *pipeline.Denial {
	d := &pipeline.Denial{Status: http.StatusBadRequest, Severity: pipeline.SeverityLow, Cause: e,
		Evidence: map[string]string{"location": evidenceLocation(e.Location), "pointer": e.Location, "operation": op.Name()}}
	switch e.Kind {
	case openapi.KindParameter:
		d.Code, d.Rule = RuleInvalidParameter, RuleInvalidParameter
		d.PublicMessage = "Invalid request: " + e.Public() + "."
	case openapi.KindMediaType:
		d.Status = http.StatusUnsupportedMediaType
		d.Code, d.Rule = RuleMediaType, RuleMediaType
		d.PublicMessage = "Unsupported media type: " + e.Public() + "."
	case openapi.KindMassAssignment:
		d.Code, d.Rule = RuleMassAssignment, RuleMassAssignment
		d.Severity, d.Category = pipeline.SeverityHigh, "API3:2023"
		d.Evidence["cwe"] = "CWE-915"
		d.PublicMessage = "Invalid request body: " + e.Public() + " and cannot be set."
	default:
		d.Code, d.Rule = RuleInvalidBody, RuleInvalidBody
		d.PublicMessage = "Invalid request body: " + e.Public() + "."
	}
	return d
}

// hardeningDenial answers a JSON body refused by inspect.CheckJSON, with
// the inspect error's code as the rule and its public text.
func hardeningDenial(err error) *pipeline.Denial {
	var ie *inspect.Error
	if !errors.As(err, &ie) {
		return &pipeline.Denial{Status: http.StatusBadRequest, Code: inspect.CodeMalformedJSON,
			PublicMessage: "The request body is not valid JSON.", Rule: inspect.CodeMalformedJSON, Cause: err}
	}
	d := &pipeline.Denial{Status: ie.Status, Code: ie.Code, PublicMessage: ie.Public, Rule: ie.Code,
		Severity: pipeline.SeverityMedium, Cause: ie}
	if ie.Field != "" {
		d.Evidence = map[string]string{"location": ie.Field}
	}
	switch ie.Code {
	case inspect.CodeJSONTooDeep, inspect.CodeJSONTooManyKeys, inspect.CodeJSONArrayTooLong,
		inspect.CodeJSONStringTooLong, inspect.CodeJSONNumberTooLong, inspect.CodeJSONPathTooLong:
		d.Category = "API4:2023"
	}
	return d
}

// evidenceLocation writes a pointer the way inspect names inputs, so that
// findings and exclusions agree: "/query/limit" is "query.limit",
// "/body/items/0/qty" is "body./items/0/qty", "/body" is "body".
func evidenceLocation(ptr string) string {
	src, rest, _ := strings.Cut(strings.TrimPrefix(ptr, "/"), "/")
	switch {
	case rest == "":
		return src
	case src == "body":
		return "body./" + rest
	}
	return src + "." + rest
}

// clip bounds text taken from a request before it goes into a log line.
func clip(s string) string {
	const max = 32
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
