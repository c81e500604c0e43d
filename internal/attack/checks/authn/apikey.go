package authn

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// APIKeyInURLCheck moves a profile's API key from its header into the
// query string. Keys in URLs end up in access logs, proxy logs, browser
// history and Referer headers (CWE-598).
type APIKeyInURLCheck struct{}

// ID implements core.Check.
func (APIKeyInURLCheck) ID() string { return "authn.api_key_in_url" }

// Stage implements core.Check.
func (APIKeyInURLCheck) Stage() core.Stage { return core.StageAuthn }

// Title implements core.Check.
func (APIKeyInURLCheck) Title() string { return "API key accepted in the URL" }

// keyParams are the query parameters APIs commonly read keys from.
var keyParams = []string{"api_key", "apikey", "key"}

var apiKeyHeader = regexp.MustCompile(`(?i)^x-?api-?key$|^api-?key$|^x-auth-key$|^x-key$`)

// apiKeyProfile finds a profile that authenticates with an API key: a
// key header, or "Authorization: ApiKey …".
func apiKeyProfile(s *core.Scan) (profile, header, key string) {
	for _, name := range probe.Profiles(s) {
		p := s.Profile(name)
		for h, vs := range p.Header() {
			if len(vs) == 0 {
				continue
			}
			if apiKeyHeader.MatchString(h) {
				return name, h, vs[0]
			}
			if strings.EqualFold(h, "Authorization") {
				if scheme, k, ok := strings.Cut(vs[0], " "); ok && (strings.EqualFold(scheme, "ApiKey") || strings.EqualFold(scheme, "Api-Key")) {
					return name, h, k
				}
			}
		}
	}
	return "", "", ""
}

// Plan implements core.Check.
func (c APIKeyInURLCheck) Plan(s *core.Scan) []core.PlannedRequest {
	return []core.PlannedRequest{
		{Endpoint: "*", Class: "a secured GET with the key header, then without it (finds an endpoint that needs the key)", Count: 2 * maxReferenceCandidates},
		{Endpoint: "that endpoint", Class: "the key in ?api_key=, ?apikey=, ?key= without the header, and a garbage key as control", Count: 2 * len(keyParams)},
	}
}

// Run implements core.Check.
func (c APIKeyInURLCheck) Run(ctx context.Context, s *core.Scan) error {
	profile, header, key := apiKeyProfile(s)
	if profile == "" {
		s.Cover("*", c.ID(), core.Skipped, "no profile authenticates with an API key")
		return core.Skip("no profile authenticates with an API key")
	}
	for _, op := range referenceCandidates(s) {
		path := probe.ConcretePath(op)
		real, err := s.Do(ctx, core.Request{Method: "GET", Path: path, Profile: profile, Check: c.ID()})
		if probe.Stopped(ctx, err) {
			return err
		}
		if err != nil || !probe.Is2xx(real.Status) {
			continue
		}
		bare, err := s.Do(ctx, core.Request{Method: "GET", Path: path, Check: c.ID()})
		if probe.Stopped(ctx, err) {
			return err
		}
		if err != nil || !probe.Refused(bare.Status) {
			continue
		}
		return c.tryParams(ctx, s, op, path, profile, header, key, real)
	}
	s.Cover("*", c.ID(), core.Skipped, "no secured GET answered 2xx with "+profile+"'s key and 401/403 without it")
	return core.Skip("no secured GET depends on " + profile + "'s key")
}

func (c APIKeyInURLCheck) tryParams(ctx context.Context, s *core.Scan, op core.Operation, path, profile, header, key string, real *core.Response) error {
	with := func(param, value string) string {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		return path + sep + url.QueryEscape(param) + "=" + url.QueryEscape(value)
	}
	for _, param := range keyParams {
		resp, err := s.Do(ctx, core.Request{Method: "GET", Path: with(param, key), Check: c.ID()})
		if probe.Stopped(ctx, err) {
			s.Cover(op.Key(), c.ID(), core.NotReached, err.Error())
			return err
		}
		if err != nil || !probe.Is2xx(resp.Status) || !probe.SameContent(resp.Body, real.Body) {
			continue
		}
		control, err := s.Do(ctx, core.Request{Method: "GET", Path: with(param, "rampart-control-"+probe.RandomHex(8)), Check: c.ID()})
		if probe.Stopped(ctx, err) {
			s.Cover(op.Key(), c.ID(), core.NotReached, err.Error())
			return err
		}
		if err != nil || !probe.Refused(control.Status) {
			continue // the parameter is ignored: the endpoint answers anyway
		}
		s.CoverAs(op.Key(), c.ID(), core.Tested, "", profile)
		fx := probe.RedactQuery(resp.Exchange, param)
		fx.Note = fmt.Sprintf("%s's key in ?%s= and no %s header", profile, param, header)
		rx := real.Exchange
		rx.Note = "the key in its header: the same answer"
		cx := probe.RedactQuery(control.Exchange, param)
		cx.Note = fmt.Sprintf("control: a garbage key in ?%s= got %d", param, control.Status)
		s.Report(core.Finding{
			Check:            c.ID(),
			Title:            "API key accepted in the URL",
			OWASP:            core.API2Authn,
			CWE:              598,
			Severity:         core.SeverityMedium,
			Confidence:       core.Confirmed,
			ConfidenceReason: fmt.Sprintf("the key in ?%s= got the same %d answer as in its header, and a garbage key there got %d", param, resp.Status, control.Status),
			Endpoint:         op.Key(),
			Description: fmt.Sprintf("GET %s accepts %s's API key in the query parameter %q. URLs are written to access and proxy logs, browser history and Referer headers, "+
				"where keys leak to whoever reads them.", op.Key(), profile, param),
			Evidence: exposure.MaskEvidence(fx, rx, cx),
			Curl:     probe.Curl(fx.Request) + "   # RAMPART_SECRET: " + profile + "'s API key",
			Remediation: "Accept API keys only in a header. Rampart reads keys from authentication.api_keys.header and from the URL only when " +
				"authentication.api_keys.query_param is set: leave it unset (the default).",
		})
		return nil
	}
	s.CoverAs(op.Key(), c.ID(), core.Tested, "", profile)
	return nil
}
