package injection

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// Checks returns the injection stage's checks, in run order.
func Checks() []core.Check {
	return []core.Check{newSQLi(defaultDelay), newNoSQLi(), newCmdi(), newTraversal(), newSSTI(), newSSRF(), newXSS()}
}

// technique is one injection class: which inputs it tests and how it
// proves a finding on one of them. All seven checks are techniques, so
// that operation selection, --safe, budgets and coverage work the same.
type technique struct {
	id, title string
	owasp     string
	cwe       int
	severity  core.Severity
	// applies says whether the technique tests an input; skipWhy is the
	// coverage reason when it tests none of an operation's.
	applies func(p point) bool
	skipWhy string
	// perPoint is the most requests test sends for one input (for --plan).
	perPoint int
	planned  string
	// test probes one input: a proof, or why there is none.
	test        func(ctx context.Context, t *trial) (*proof, string, error)
	remediation func(p point) string
	// prepare runs once before the operations (the SSRF canary); an error
	// skips the check.
	prepare func(s *core.Scan) error
}

var _ core.Check = (*technique)(nil)

// ID implements core.Check.
func (c *technique) ID() string { return c.id }

// Stage implements core.Check.
func (c *technique) Stage() core.Stage { return core.StageInjection }

// Title implements core.Check.
func (c *technique) Title() string { return c.title }

// Plan implements core.Check.
func (c *technique) Plan(s *core.Scan) []core.PlannedRequest {
	var out []core.PlannedRequest
	user := probe.Unprivileged(s)
	for _, op := range s.Operations() {
		pts, why := c.inputs(s, op, user)
		if why != "" {
			continue
		}
		for _, p := range pts {
			out = append(out, core.PlannedRequest{Endpoint: op.Key(), Class: c.planned + " in " + p.location(),
				Count: c.perPoint, Unsafe: op.Method != http.MethodGet && op.Method != http.MethodHead})
		}
	}
	return out
}

// inputs returns the points of op the technique tests, or why none.
func (c *technique) inputs(s *core.Scan, op core.Operation, user string) ([]point, string) {
	safe := s.Config().Safe
	switch op.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodDelete:
		return nil, "DELETE is never injected"
	case http.MethodPost:
		if safe {
			return nil, "unsafe method skipped under --safe (POST may create or trigger something)"
		}
	case http.MethodPut, http.MethodPatch:
		return nil, op.Method + " would overwrite an existing resource with payloads: not injected"
	default:
		return nil, op.Method + " is not injected"
	}
	if op.Secured && user == "" {
		return nil, "the operation needs credentials and no working user profile is configured"
	}
	all := points(op)
	if len(all) == 0 {
		return nil, "no parameters"
	}
	var out []point
	for _, p := range all {
		if c.applies(p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, c.skipWhy
	}
	return out, ""
}

// Run implements core.Check.
func (c *technique) Run(ctx context.Context, s *core.Scan) error {
	if c.prepare != nil {
		if err := c.prepare(s); err != nil {
			return core.Skip(err.Error())
		}
	}
	user := probe.Unprivileged(s)
	ops := s.Operations()
	for i, op := range ops {
		pts, why := c.inputs(s, op, user)
		if why != "" {
			s.CoverAs(op.Key(), c.id, core.Skipped, why)
			continue
		}
		profile := ""
		if op.Secured {
			profile = user
		}
		if err := c.operation(ctx, s, op, pts, profile); err != nil {
			for _, rest := range ops[i:] {
				s.CoverAs(rest.Key(), c.id, core.NotReached, "the scan ended first: "+err.Error())
			}
			return err
		}
	}
	return nil
}

// operation tests each input of op and records its coverage row. It
// returns an error only when the scan must stop.
func (c *technique) operation(ctx context.Context, s *core.Scan, op core.Operation, pts []point, profile string) error {
	before := s.SentBy(c.id)
	var found, clean, failed []string
	for _, p := range pts {
		t := &trial{s: s, check: c.id, pt: p, profile: profile}
		pr, why, err := c.test(ctx, t)
		switch {
		case err != nil && probe.Stopped(ctx, err):
			return err
		case err != nil:
			failed = append(failed, p.location()+": "+err.Error())
		case pr != nil:
			s.Report(c.finding(p, pr))
			found = append(found, p.location())
		default:
			clean = append(clean, p.location()+" ("+why+")")
		}
	}
	n := s.SentBy(c.id) - before
	var reason string
	switch {
	case len(found) > 0:
		reason = fmt.Sprintf("vulnerable: %s; %d requests", strings.Join(found, ", "), n)
	default:
		reason = fmt.Sprintf("not vulnerable in %d inputs, %d requests", len(pts)-len(failed), n)
	}
	if len(clean) > 0 {
		reason += "; " + strings.Join(clean, "; ")
	}
	if len(failed) > 0 {
		reason += "; failed: " + strings.Join(failed, "; ")
	}
	status := core.Tested
	if len(found) == 0 && len(clean) == 0 {
		status = core.Skipped
	}
	var profiles []string
	if profile != "" {
		profiles = append(profiles, profile)
	}
	s.CoverAs(op.Key(), c.id, status, reason, profiles...)
	return nil
}

// proof is what makes a finding: the evidence (first probe, second probe,
// control, in that order), what was seen, and why it is certain.
type proof struct {
	payload  string
	detail   string
	reason   string
	evidence []core.Exchange
	severity core.Severity // zero: the technique's
}

func (c *technique) finding(p point, pr *proof) core.Finding {
	sev := c.severity
	if pr.severity != 0 {
		sev = pr.severity
	}
	return core.Finding{
		Check:            c.id,
		Title:            c.title + " in " + p.location(),
		OWASP:            c.owasp,
		CWE:              c.cwe,
		Severity:         sev,
		Confidence:       core.Confirmed,
		ConfidenceReason: pr.reason,
		Endpoint:         p.op.Key(),
		Parameter:        p.location(),
		Description:      fmt.Sprintf("%s %s: %s %s", p.op.Key(), p.location(), pr.detail, payloadNote(pr.payload)),
		Evidence:         pr.evidence,
		Curl:             probe.Curl(pr.evidence[0].Request),
		Remediation:      c.remediation(p),
	}
}

func payloadNote(payload string) string {
	if payload == "" {
		return ""
	}
	return fmt.Sprintf("(first payload: %q)", payload)
}

// trial is one technique on one input: it sends variants and keeps the
// payload-free control.
type trial struct {
	s       *core.Scan
	check   string
	pt      point
	profile string
	base    *core.Response
}

// baseline is the payload-free control: the operation with its example
// values, sent once per input.
func (t *trial) baseline(ctx context.Context) (*core.Response, error) {
	if t.base != nil {
		return t.base, nil
	}
	r, err := t.pt.send(ctx, t.s, t.check, t.profile, plain(t.pt.orig), 0)
	if err != nil {
		return nil, err
	}
	t.base = r
	return r, nil
}

// try sends one variant. A transport error that is not the end of the scan
// is returned as a Response without a status (no answer), so that a probe
// that crashes the server is just "no answer".
func (t *trial) try(ctx context.Context, v variant) (*core.Response, error) {
	return t.tryWithin(ctx, v, 0)
}

func (t *trial) tryWithin(ctx context.Context, v variant, timeout time.Duration) (*core.Response, error) {
	r, err := t.pt.send(ctx, t.s, t.check, t.profile, v, timeout)
	if err != nil && (probe.Stopped(ctx, err) || r == nil) {
		return nil, err
	}
	return r, nil // a transport error leaves r with its exchange and duration only
}

// noted copies an exchange with a note.
func noted(r *core.Response, n string) core.Exchange {
	ex := r.Exchange
	ex.Note = n
	return ex
}

// injectionGuard is the remediation sentence naming Rampart's guards.
func injectionGuard(rule string, p point) string {
	return fmt.Sprintf("At the gateway, enable the injection guard (injection.mode: enforce; rule %q) and the schema guard "+
		"with the OpenAPI spec (apis[].schema.spec_file) describing %s with a tight type, pattern or enum, so the payload "+
		"is refused before it reaches the API.", rule, p.location())
}
