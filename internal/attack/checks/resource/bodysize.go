package resource

import (
	"bytes"
	"context"
	"fmt"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// DefaultBodySize is how big the oversized body is: ten times the 1 MiB
// most gateways and frameworks default to.
const DefaultBodySize = 10 << 20

// BodySizeCheck sends each JSON write operation its example body padded
// with Size bytes of whitespace after the first brace: the same JSON value,
// so only the size can make a server refuse it. A 2xx to two such bodies
// (spaces, then newlines and tabs) where a 413 was due is the finding; the
// plain example body is the control.
type BodySizeCheck struct {
	Size int // bytes of padding; DefaultBodySize (10 MiB) when zero
}

// ID implements core.Check.
func (BodySizeCheck) ID() string { return "resource.body_size" }

// Stage implements core.Check.
func (BodySizeCheck) Stage() core.Stage { return core.StageResource }

// Title implements core.Check.
func (BodySizeCheck) Title() string { return "Oversized request bodies are accepted" }

func (c BodySizeCheck) size() int {
	if c.Size <= 0 {
		return DefaultBodySize
	}
	return c.Size
}

// Plan implements core.Check.
func (c BodySizeCheck) Plan(s *core.Scan) []core.PlannedRequest {
	ops, _ := bodyOps(s)
	var out []core.PlannedRequest
	for _, op := range ops {
		out = append(out, core.PlannedRequest{Endpoint: op.Key(),
			Class: fmt.Sprintf("the example body, then padded to %d MiB (twice if accepted)", c.size()>>20), Count: 3})
	}
	return out
}

// Run implements core.Check.
func (c BodySizeCheck) Run(ctx context.Context, s *core.Scan) error {
	return eachBodyOperation(ctx, s, c.ID(), c.operation)
}

func (c BodySizeCheck) operation(ctx context.Context, s *core.Scan, op core.Operation, profile string) error {
	path := probe.ConcretePath(op)
	example := exampleBody(op)
	ctl, err := send(ctx, s, c.ID(), op, path, profile, example, 0)
	if err != nil {
		return c.failed(s, op, profile, err)
	}
	trackCreated(s, ctl)
	n := c.size()
	pad := func(fill byte, cmd string) (*core.Response, bigBody, error) {
		body := make([]byte, 0, len(example)+n)
		body = append(body, example[:1]...)
		body = append(body, bytes.Repeat([]byte{fill}, n)...)
		body = append(body, example[1:]...)
		bb := bigBody{head: string(example[:1]), tail: string(example[1:]), filler: cmd, n: n}
		r, err := send(ctx, s, c.ID(), op, path, profile, body, 0)
		return r, bb, err
	}
	big, bb, err := pad(' ', fmt.Sprintf(`head -c %d /dev/zero | tr '\0' ' '`, n))
	if err != nil && (big == nil || probe.Stopped(ctx, err)) {
		return c.failed(s, op, profile, err)
	}
	trackCreated(s, big)
	if big.Status == 0 || !probe.Is2xx(big.Status) {
		s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("not vulnerable: a %d MiB body was answered %s", n>>20, statusText(big)), present(profile)...)
		return nil
	}
	again, bb2, err := pad('\n', fmt.Sprintf(`head -c %d /dev/zero | tr '\0' '\n'`, n))
	if err != nil && (again == nil || probe.Stopped(ctx, err)) {
		return c.failed(s, op, profile, err)
	}
	trackCreated(s, again)
	if !probe.Is2xx(again.Status) {
		s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("inconclusive: the first %d MiB body got %d, the second %s", n>>20, big.Status, statusText(again)), present(profile)...)
		return nil
	}
	what := fmt.Sprintf("%d bytes of whitespace", n)
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            "Oversized request bodies are accepted",
		OWASP:            core.API4Resources,
		CWE:              770,
		Severity:         core.SeverityMedium,
		Confidence:       core.Confirmed,
		ConfidenceReason: "two bodies padded to the same size with different whitespace were both answered 2xx; the plain example body is the control",
		Endpoint:         op.Key(),
		Description: fmt.Sprintf("%s accepted a %d MiB body (answers %d and %d) where 413 Content Too Large was due: the server reads and "+
			"parses whatever a client sends, so a few clients can exhaust its memory, bandwidth and parsing time.", op.Key(), n>>20, big.Status, again.Status),
		Evidence: []core.Exchange{
			bb.evidence(big.Exchange, "probe: the example body with "+what+" (spaces) is accepted", what),
			bb2.evidence(again.Exchange, "second probe: the same size in newlines is accepted", what),
			noted(ctl, "control: the example body"),
		},
		Curl: bb.curl(big.Exchange.Request),
		Remediation: "Cap request bodies in the API server. At the gateway: limits.max_body_bytes (default 1MiB) caps every API, " +
			"apis[].max_body_bytes and apis[].routes[].max_body_bytes tighten it per API or route; larger bodies get 413 " +
			"before a byte reaches the API.",
	})
	s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("vulnerable: %d MiB bodies accepted", n>>20), present(profile)...)
	return nil
}

func (c BodySizeCheck) failed(s *core.Scan, op core.Operation, profile string, err error) error {
	s.CoverAs(op.Key(), c.ID(), core.Skipped, "no answer: "+err.Error(), present(profile)...)
	return err
}

func statusText(r *core.Response) string {
	if r == nil || r.Status == 0 {
		return "with no answer"
	}
	return fmt.Sprintf("%d", r.Status)
}

func noted(r *core.Response, n string) core.Exchange {
	ex := r.Exchange
	ex.Note = n
	return ex
}

func present(profiles ...string) []string {
	var out []string
	for _, p := range profiles {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
