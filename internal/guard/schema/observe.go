package schema

import (
	"fmt"
	"github.com/rampartsec/rampart/internal/openapi"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Response event kinds.
const (
	// EventUndeclaredField: a response exposes members its schema does
	// not declare (OWASP API3:2023, excessive data exposure).
	EventUndeclaredField = "schema.response_undeclared_field"
	// EventInvalidResponse: a response breaks its schema otherwise (an
	// unmasked card number where a masked one is declared).
	EventInvalidResponse = "schema.response_invalid"
)

// ObserveResponse validates a JSON response against the schema its
// operation declares for the status, when response validation is on. It
// reads at most MaxResponseBytes of an uncompressed body and puts back
// what it read, byte for byte: the client gets the response unchanged. In
// monitor mode findings become Events; in enforce mode the response is
// also failed (the proxy answers 502), so that undeclared data does not
// reach the client.
func (g *Guard) ObserveResponse(r *http.Request, resp *http.Response) error {
	if g.response == Off || g.spec == nil {
		return nil
	}
	op := g.operationOf(r)
	if op == nil || g.ops[op].mode == Off || !op.ResponseSchema(resp.StatusCode, resp.Header) {
		return nil
	}
	body, ok := g.peek(resp)
	if !ok {
		return nil
	}
	rep := op.ValidateResponse(resp.StatusCode, resp.Header, body)
	if rep.OK() {
		return nil
	}
	monitor := g.response == Monitor
	status := strconv.Itoa(resp.StatusCode)
	if len(rep.Undeclared) > 0 {
		pipeline.AddEvent(r, pipeline.Event{Kind: EventUndeclaredField, Severity: pipeline.SeverityHigh,
			Category: "API3:2023", Guard: g.Name(), Rule: "response_undeclared_field",
			Message: "the response exposes fields its schema does not declare", Monitor: monitor,
			Evidence: map[string]string{"fields": strings.Join(rep.Undeclared, ","), "operation": op.Name(), "status": status}})
	}
	if len(rep.Invalid) > 0 || rep.NotJSON {
		problems := strings.Join(rep.Invalid, "; ")
		if rep.NotJSON {
			problems = "body is not valid JSON"
		}
		pipeline.AddEvent(r, pipeline.Event{Kind: EventInvalidResponse, Severity: pipeline.SeverityMedium,
			Category: "API3:2023", Guard: g.Name(), Rule: "response_invalid",
			Message: "the response does not match its schema", Monitor: monitor,
			Evidence: map[string]string{"problems": problems, "operation": op.Name(), "status": status}})
	}
	if monitor {
		return nil
	}
	return fmt.Errorf("schema: the %s response of %s breaks its schema (undeclared %v, invalid %v)",
		status, op.Name(), rep.Undeclared, rep.Invalid)
}

// operationOf returns the operation Check matched. A request Check
// refused under a monitoring stage carries none: it is matched again by
// the path it was forwarded with, with or without the prefix (the proxy
// may have stripped it).
func (g *Guard) operationOf(r *http.Request) *openapi.Operation {
	if op, ok := r.Context().Value(operationKey{}).(*openapi.Operation); ok {
		return op
	}
	path := r.URL.EscapedPath()
	if p, ok := g.stripPrefix(path); ok {
		path = p
	}
	op, _, _ := g.spec.Find(r.Method, path)
	return op
}

// peek reads an uncompressed response body of at most maxResponse bytes
// and replays it to whoever reads resp.Body next. A longer or compressed
// body is not checked.
func (g *Guard) peek(resp *http.Response) ([]byte, bool) {
	if resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength > g.maxResponse {
		return nil, false
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, false
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, g.maxResponse+1))
	resp.Body = pipeline.ReplayBody(data, err, resp.Body)
	if err != nil || int64(len(data)) > g.maxResponse {
		return nil, false
	}
	return data, true
}
