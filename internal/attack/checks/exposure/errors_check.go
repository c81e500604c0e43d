package exposure

import (
	"context"
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// VerboseErrorsCheck reports crawled answers that carry stack traces,
// database errors or framework debug pages.
type VerboseErrorsCheck struct{}

// ID implements core.Check.
func (VerboseErrorsCheck) ID() string { return "exposure.verbose_errors" }

// Stage implements core.Check.
func (VerboseErrorsCheck) Stage() core.Stage { return core.StageExposure }

// Title implements core.Check.
func (VerboseErrorsCheck) Title() string { return "Stack traces and database errors in responses" }

// Plan implements core.Check.
func (VerboseErrorsCheck) Plan(s *core.Scan) []core.PlannedRequest { return planCrawl(s) }

// Run implements core.Check.
func (c VerboseErrorsCheck) Run(ctx context.Context, s *core.Scan) error {
	cr := sharedCrawl(ctx, s, c.ID())
	reported := map[string]bool{}
	for _, a := range cr.answers {
		if reported[a.op.Key()] {
			continue
		}
		if ms := VerboseErrors(a.resp.Body); len(ms) > 0 {
			reported[a.op.Key()] = true
			s.Report(VerboseErrorFinding(c.ID(), a.op.Key(), a.resp, ms))
		}
	}
	cr.cover(s, c.ID())
	return cr.err
}

// VerboseErrorFinding describes an answer with stack traces or database
// errors; recon uses it for its error probes too.
func VerboseErrorFinding(check, endpoint string, resp *core.Response, ms []Match) core.Finding {
	var kinds, lines []string
	for _, m := range ms {
		kinds = append(kinds, m.Detail)
		lines = append(lines, fmt.Sprintf("%s: %q", m.Detail, m.Value))
	}
	ex := resp.Exchange
	ex.Note = "the answer reveals " + strings.Join(kinds, ", ")
	return core.Finding{
		Check:            check,
		Title:            "Verbose error reveals internals",
		OWASP:            core.API8Misconfig,
		CWE:              209,
		Severity:         core.SeverityMedium,
		Confidence:       core.Firm,
		ConfidenceReason: "the recorded answer contains the trace or error text itself",
		Endpoint:         endpoint,
		Description: fmt.Sprintf("%s %s answered %d with %s. Traces and database errors name the language, framework, "+
			"file layout and queries, which an attacker uses to choose exploits:\n- %s",
			ex.Request.Method, ex.Request.URL, resp.Status, strings.Join(kinds, ", "), strings.Join(lines, "\n- ")),
		Evidence: MaskEvidence(ex),
		Curl:     probe.Curl(ex.Request),
		Remediation: "Log errors server-side and answer a generic problem+json with a request id. " +
			"Rampart replaces upstream 5xx bodies that look like stack traces when hygiene.mask_stack_traces is true (the default).",
	}
}
