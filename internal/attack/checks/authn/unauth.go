package authn

import (
	"context"
	"fmt"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// UnauthenticatedCheck reads every secured GET operation without
// credentials; one that answers 2xx with the content it gives an
// authenticated user does not enforce its security.
type UnauthenticatedCheck struct{}

// ID implements core.Check.
func (UnauthenticatedCheck) ID() string { return "authn.unauthenticated" }

// Stage implements core.Check.
func (UnauthenticatedCheck) Stage() core.Stage { return core.StageAuthn }

// Title implements core.Check.
func (UnauthenticatedCheck) Title() string { return "Secured operations without authentication" }

// maxUnauthOps bounds the operations read anonymously.
const maxUnauthOps = 100

// secured returns the secured GET operations. Only reads are sent: a
// write without credentials that succeeded would change data.
func securedGets(s *core.Scan) []core.Operation {
	var out []core.Operation
	for _, op := range probe.Operations(s, "GET") {
		if op.Secured && len(out) < maxUnauthOps {
			out = append(out, op)
		}
	}
	return out
}

// Plan implements core.Check.
func (c UnauthenticatedCheck) Plan(s *core.Scan) []core.PlannedRequest {
	out := []core.PlannedRequest{{Endpoint: "*", Class: "random paths to learn the not-found answer", Count: probe.CalibrationRequests}}
	for _, op := range securedGets(s) {
		out = append(out, core.PlannedRequest{Endpoint: op.Key(), Class: "read without credentials; if 2xx, read again as a user to compare", Count: 2})
	}
	return out
}

// Run implements core.Check.
func (c UnauthenticatedCheck) Run(ctx context.Context, s *core.Scan) error {
	ops := securedGets(s)
	if len(ops) == 0 {
		s.Cover("*", c.ID(), core.Skipped, "no GET operation declares security")
		return core.Skip("no GET operation declares security")
	}
	calib := probe.NewCalibrator(s, c.ID(), 0)
	for i, op := range ops {
		path := probe.ConcretePath(op)
		anon, err := s.Do(ctx, core.Request{Method: "GET", Path: path, Check: c.ID()})
		if probe.Stopped(ctx, err) {
			for _, rest := range ops[i:] {
				s.Cover(rest.Key(), c.ID(), core.NotReached, err.Error())
			}
			return err
		}
		if err != nil || !probe.Is2xx(anon.Status) {
			s.CoverAs(op.Key(), c.ID(), core.Tested, "")
			continue
		}
		if nf, err := calib.NotFound(ctx, path, anon); err == nil && nf {
			s.CoverAs(op.Key(), c.ID(), core.Tested, "2xx, but the target's not-found answer")
			continue
		}
		// A 2xx alone may be a login page or a public teaser: compare with
		// what a user gets.
		as := compareProfile(s, op)
		if as == "" {
			s.CoverAs(op.Key(), c.ID(), core.Skipped, "answered 2xx without credentials, but no profile to compare with")
			continue
		}
		authed, err := s.Do(ctx, core.Request{Method: "GET", Path: path, Profile: as, Check: c.ID()})
		if probe.Stopped(ctx, err) {
			s.Cover(op.Key(), c.ID(), core.NotReached, err.Error())
			return err
		}
		if err != nil || !probe.Is2xx(authed.Status) || !probe.SameContent(anon.Body, authed.Body) {
			s.CoverAs(op.Key(), c.ID(), core.Tested, "2xx without credentials, but not the content a user gets", as)
			continue
		}
		s.CoverAs(op.Key(), c.ID(), core.Tested, "", as)
		ax := anon.Exchange
		ax.Note = "no credentials: answered like an authenticated user"
		ux := authed.Exchange
		ux.Note = "as " + as + ": the same content"
		s.Report(core.Finding{
			Check:            c.ID(),
			Title:            "Secured operation answers without authentication",
			OWASP:            core.API2Authn,
			CWE:              306,
			Severity:         core.SeverityHigh,
			Confidence:       core.Confirmed,
			ConfidenceReason: fmt.Sprintf("without credentials it answered %d with the same content as for %s, and unlike the target's answer for random paths", anon.Status, as),
			Endpoint:         op.Key(),
			Description: fmt.Sprintf("The spec declares security for %s, but GET %s without any credential answered %d with the content %s gets.",
				op.Key(), path, anon.Status, as),
			Evidence: exposure.MaskEvidence(ax, ux),
			Curl:     probe.Curl(ax.Request),
			Remediation: "Enforce authentication on the operation in the application. With Rampart in front, require it at the gateway: " +
				"apis[].auth (or apis[].routes[].auth) with require listing the accepted methods (jwt, api_key, mtls, signature).",
		})
	}
	return nil
}

// compareProfile is the profile whose answer an anonymous 2xx is compared
// with: an administrator for admin operations, else a user.
func compareProfile(s *core.Scan, op core.Operation) string {
	ps := probe.Profiles(s)
	if op.AdminOnly {
		for _, p := range ps {
			if probe.Privileged(p) {
				return p
			}
		}
	}
	if u := probe.Unprivileged(s); u != "" {
		return u
	}
	if len(ps) > 0 {
		return ps[0]
	}
	return ""
}
