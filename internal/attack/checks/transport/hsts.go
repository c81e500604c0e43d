package transport

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// HSTSCheck reads Strict-Transport-Security on an HTTPS answer.
type HSTSCheck struct{}

// ID implements core.Check.
func (HSTSCheck) ID() string { return "transport.hsts" }

// Stage implements core.Check.
func (HSTSCheck) Stage() core.Stage { return core.StageTransport }

// Title implements core.Check.
func (HSTSCheck) Title() string { return "HTTP Strict Transport Security" }

// MinHSTSAge is the shortest max-age not reported: 180 days, what browser
// preload lists and most guidance ask as a floor.
const MinHSTSAge = 180 * 24 * 3600

// Plan implements core.Check.
func (c HSTSCheck) Plan(s *core.Scan) []core.PlannedRequest {
	if s.Target().Scheme != "https" {
		return []core.PlannedRequest{{Endpoint: "*", Class: "skipped: the target is plain HTTP"}}
	}
	return []core.PlannedRequest{{Endpoint: "GET /", Class: "read the Strict-Transport-Security header", Count: 1}}
}

// HSTSMaxAge reads max-age from a Strict-Transport-Security value (RFC
// 6797 §6.1); ok is false when the header is absent or has no valid
// max-age.
func HSTSMaxAge(v string) (int64, bool) {
	for _, d := range strings.Split(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		if strings.EqualFold(strings.TrimSpace(k), "max-age") {
			n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
			return n, err == nil && n >= 0
		}
	}
	return 0, false
}

// Run implements core.Check.
func (c HSTSCheck) Run(ctx context.Context, s *core.Scan) error {
	if s.Target().Scheme != "https" {
		s.Cover("*", c.ID(), core.Skipped, "the target is plain HTTP (see transport.plain_http)")
		return core.Skip("the target is plain HTTP")
	}
	resp, err := s.Do(ctx, core.Request{Method: http.MethodGet, Path: "/", Check: c.ID()})
	if probe.Stopped(ctx, err) {
		s.Cover("GET /", c.ID(), core.NotReached, err.Error())
		return err
	}
	if err != nil {
		s.Cover("GET /", c.ID(), core.Skipped, "no answer")
		return nil
	}
	v := resp.Header.Get("Strict-Transport-Security")
	age, ok := HSTSMaxAge(v)
	s.Cover("GET /", c.ID(), core.Tested, "Strict-Transport-Security: "+v)
	var title, detail string
	switch {
	case !ok || age == 0:
		title, detail = "Strict-Transport-Security missing", "the HTTPS answer has no Strict-Transport-Security header (or max-age=0), so a browser that once typed http:// can be downgraded by anyone on the path (SSL stripping)"
	case age < MinHSTSAge:
		title, detail = "Strict-Transport-Security max-age is short", fmt.Sprintf("max-age=%d (%d days) is under 180 days; browsers forget the policy quickly", age, age/86400)
	default:
		return nil
	}
	ex := resp.Exchange
	ex.Note = detail
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            title,
		OWASP:            core.API8Misconfig,
		CWE:              319,
		Severity:         core.SeverityLow,
		Confidence:       core.Firm,
		ConfidenceReason: "read from the recorded HTTPS answer",
		Endpoint:         "GET /",
		Description:      detail + ".",
		Evidence:         exposure.MaskEvidence(ex),
		Curl:             probe.Curl(ex.Request),
		Remediation: "Send Strict-Transport-Security: max-age=31536000 (one year) on every HTTPS answer. With Rampart terminating TLS: " +
			"listen.hsts.enabled: true (max_age defaults to 31536000; include_subdomains when every subdomain is HTTPS).",
	})
	return nil
}
