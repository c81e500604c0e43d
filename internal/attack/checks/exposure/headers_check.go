package exposure

import (
	"context"
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// SecurityHeadersCheck reports security headers missing from crawled
// answers: one finding per header, listing the endpoints.
type SecurityHeadersCheck struct{}

// ID implements core.Check.
func (SecurityHeadersCheck) ID() string { return "exposure.security_headers" }

// Stage implements core.Check.
func (SecurityHeadersCheck) Stage() core.Stage { return core.StageExposure }

// Title implements core.Check.
func (SecurityHeadersCheck) Title() string { return "Missing security headers" }

// Plan implements core.Check.
func (SecurityHeadersCheck) Plan(s *core.Scan) []core.PlannedRequest { return planCrawl(s) }

type headerRule struct {
	title       string
	cwe         int
	severity    core.Severity
	remediation string
}

var headerRules = map[HeaderIssue]headerRule{
	NoSniffMissing: {"X-Content-Type-Options: nosniff missing", 693, core.SeverityLow,
		"Send X-Content-Type-Options: nosniff on every answer so browsers never sniff a JSON answer into HTML. Rampart adds it when hygiene.nosniff is true (the default)."},
	NoStoreMissing: {"Authenticated answers may be cached", 525, core.SeverityLow,
		"Send Cache-Control: no-store on answers to authenticated requests, so personal data stays out of shared and browser caches. Set it in the application (Rampart's hygiene does not add it)."},
	CSPMissing: {"HTML answer without Content-Security-Policy", 693, core.SeverityInfo,
		"Send a Content-Security-Policy (at least default-src 'none' for an API) on HTML answers to limit the damage of an injection. Set it in the application."},
}

// maxHeaderEvidence bounds the exchanges kept per header finding.
const maxHeaderEvidence = 3

// Run implements core.Check.
func (c SecurityHeadersCheck) Run(ctx context.Context, s *core.Scan) error {
	cr := sharedCrawl(ctx, s, c.ID())
	type seen struct {
		endpoints []string
		evidence  []core.Exchange
	}
	by := map[HeaderIssue]*seen{}
	for _, a := range cr.answers {
		// An answer is personal when credentials were needed for it; a
		// public operation read with a token is not.
		personal := a.profile != "" && a.op.Secured
		for _, issue := range MissingHeaders(a.resp.Status, a.resp.Header, len(a.resp.Body), personal) {
			sn := by[issue]
			if sn == nil {
				sn = &seen{}
				by[issue] = sn
			}
			if !contains(sn.endpoints, a.op.Key()) {
				sn.endpoints = append(sn.endpoints, a.op.Key())
				if len(sn.evidence) < maxHeaderEvidence {
					sn.evidence = append(sn.evidence, a.resp.Exchange)
				}
			}
		}
	}
	for _, issue := range []HeaderIssue{NoSniffMissing, NoStoreMissing, CSPMissing} {
		sn := by[issue]
		if sn == nil {
			continue
		}
		r := headerRules[issue]
		s.Report(core.Finding{
			Check:            c.ID(),
			Title:            r.title,
			OWASP:            core.API8Misconfig,
			CWE:              r.cwe,
			Severity:         r.severity,
			Confidence:       core.Tentative,
			ConfidenceReason: "an observation of the recorded headers; whether it matters depends on how browsers and caches meet the API",
			Description: fmt.Sprintf("%s on %d endpoint(s):\n- %s", issue, len(sn.endpoints),
				strings.Join(sn.endpoints, "\n- ")),
			Evidence:    MaskEvidence(sn.evidence...),
			Curl:        probe.Curl(sn.evidence[0].Request),
			Remediation: r.remediation,
		})
	}
	cr.cover(s, c.ID())
	return cr.err
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
