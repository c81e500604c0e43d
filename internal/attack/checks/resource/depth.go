package resource

import (
	"context"
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// DefaultDepth is the nesting of the deep value: far past any schema's
// need (Rampart's limits.json.max_depth defaults to 32), and deep enough to
// blow the stack of a recursive parser without a limit.
const DefaultDepth = 10_000

// depthField is the property that carries the deep value.
const depthField = "rampart_depth"

// JSONDepthCheck adds a Depth-deep value to each JSON write operation's
// example body, first as nested arrays, then as nested objects. Both
// answered 2xx: the server parses any depth (CWE-770). Both answered 5xx or
// not at all while the plain example body is answered normally before and
// after: the parser falls over (CWE-400).
type JSONDepthCheck struct {
	Depth int // DefaultDepth when zero
}

// ID implements core.Check.
func (JSONDepthCheck) ID() string { return "resource.json_depth" }

// Stage implements core.Check.
func (JSONDepthCheck) Stage() core.Stage { return core.StageResource }

// Title implements core.Check.
func (JSONDepthCheck) Title() string { return "Deeply nested JSON is parsed without a limit" }

func (c JSONDepthCheck) depth() int {
	if c.Depth <= 0 {
		return DefaultDepth
	}
	return c.Depth
}

// Plan implements core.Check.
func (c JSONDepthCheck) Plan(s *core.Scan) []core.PlannedRequest {
	ops, _ := bodyOps(s)
	var out []core.PlannedRequest
	for _, op := range ops {
		out = append(out, core.PlannedRequest{Endpoint: op.Key(),
			Class: fmt.Sprintf("the example body, then with a %d-deep array and a %d-deep object, then the example body again", c.depth(), c.depth()), Count: 4})
	}
	return out
}

// deepBody puts a depth-deep value (arrays, or objects) first in the
// example body.
func deepBody(example []byte, depth int, objects bool) (body []byte, head, tail string) {
	open, inner, close := "[", "1", "]"
	if objects {
		open, close = `{"a":`, "}"
	}
	head = `{"` + depthField + `":`
	rest := strings.TrimSpace(string(example[1:]))
	tail = "}"
	if rest != "}" {
		tail = "," + rest
	}
	var b strings.Builder
	b.Grow(len(head) + depth*(len(open)+len(close)) + len(tail) + 1)
	b.WriteString(head)
	b.WriteString(strings.Repeat(open, depth))
	b.WriteString(inner)
	b.WriteString(strings.Repeat(close, depth))
	b.WriteString(tail)
	return []byte(b.String()), head, tail
}

// Run implements core.Check.
func (c JSONDepthCheck) Run(ctx context.Context, s *core.Scan) error {
	return eachBodyOperation(ctx, s, c.ID(), c.operation)
}

func (c JSONDepthCheck) operation(ctx context.Context, s *core.Scan, op core.Operation, profile string) error {
	path := probe.ConcretePath(op)
	example := exampleBody(op)
	d := c.depth()
	ctl, err := send(ctx, s, c.ID(), op, path, profile, example, 0)
	if err != nil {
		return c.failed(s, op, profile, err)
	}
	trackCreated(s, ctl)
	if ctl.Status >= 500 {
		s.CoverAs(op.Key(), c.ID(), core.Skipped, fmt.Sprintf("the example body itself is answered %d", ctl.Status), present(profile)...)
		return nil
	}
	deep := func(objects bool) (*core.Response, bigBody, error) {
		body, head, tail := deepBody(example, d, objects)
		open, close := "[", "]"
		if objects {
			open, close = `{"a":`, "}"
		}
		bb := bigBody{head: head, tail: tail, n: d,
			filler: fmt.Sprintf(`printf '%%.0s%s' $(seq %d); printf 1; printf '%%.0s%s' $(seq %d)`, open, d, close, d)}
		r, err := send(ctx, s, c.ID(), op, path, profile, body, 0)
		if err != nil && (r == nil || probe.Stopped(ctx, err)) {
			return nil, bb, err
		}
		trackCreated(s, r)
		return r, bb, nil
	}
	arr, bbA, err := deep(false)
	if err != nil {
		return c.failed(s, op, profile, err)
	}
	accepted := probe.Is2xx(arr.Status)
	crashed := arr.Status == 0 || arr.Status >= 500
	if !accepted && !crashed {
		s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("not vulnerable: a %d-deep body was refused with %d", d, arr.Status), present(profile)...)
		return nil
	}
	obj, bbO, err := deep(true)
	if err != nil {
		return c.failed(s, op, profile, err)
	}
	after, err := send(ctx, s, c.ID(), op, path, profile, example, 0)
	if err != nil {
		return c.failed(s, op, profile, err)
	}
	trackCreated(s, after)
	what := fmt.Sprintf("%d levels", d)
	ev := []core.Exchange{
		bbA.evidence(arr.Exchange, "probe: a "+what+" deep array", what),
		bbO.evidence(obj.Exchange, "second probe: a "+what+" deep object", what),
		noted(ctl, "control: the example body"),
		noted(after, "control: the example body again, afterwards"),
	}
	f := core.Finding{
		Check:       c.ID(),
		OWASP:       core.API4Resources,
		Confidence:  core.Confirmed,
		Endpoint:    op.Key(),
		Parameter:   "body./" + depthField,
		Evidence:    ev,
		Curl:        bbA.curl(arr.Exchange.Request),
		Remediation: depthRemediation,
	}
	switch {
	case accepted && probe.Is2xx(obj.Status):
		f.Title, f.CWE, f.Severity = "Deeply nested JSON is accepted", 770, core.SeverityLow
		f.ConfidenceReason = "a deep array and a deep object were both answered 2xx; the plain body is the control"
		f.Description = fmt.Sprintf("%s parsed and accepted a body nested %d levels deep (answers %d and %d): nothing limits JSON depth, "+
			"which costs stack and time in every parser and crashes recursive ones.", op.Key(), d, arr.Status, obj.Status)
	case crashed && (obj.Status == 0 || obj.Status >= 500) && after.Status == ctl.Status:
		f.Title, f.CWE, f.Severity = "Deeply nested JSON makes the server fail", 400, core.SeverityHigh
		f.ConfidenceReason = "a deep array and a deep object both failed the request while the plain body was answered normally before and after"
		f.Description = fmt.Sprintf("%s fails on a body nested %d levels deep (%s, then %s) while the plain body is answered %d: "+
			"the parser runs out of stack or time, and every such request costs a worker or a crash.", op.Key(), d, statusText(arr), statusText(obj), ctl.Status)
	default:
		s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("inconclusive: deep array %s, deep object %s, plain body %d then %d",
			statusText(arr), statusText(obj), ctl.Status, after.Status), present(profile)...)
		return nil
	}
	s.Report(f)
	s.CoverAs(op.Key(), c.ID(), core.Tested, "vulnerable: "+f.Title, present(profile)...)
	return nil
}

const depthRemediation = "Limit nesting where the body is parsed. At the gateway, the JSON limits refuse such bodies before they " +
	"reach the API: limits.json.max_depth (default 32), with limits.json.max_keys, max_array_length and max_string_length; a " +
	"schema guard (apis[].schema.spec_file) with additionalProperties: false also refuses the unknown property."

func (c JSONDepthCheck) failed(s *core.Scan, op core.Operation, profile string, err error) error {
	s.CoverAs(op.Key(), c.ID(), core.Skipped, "no answer: "+err.Error(), present(profile)...)
	return err
}
