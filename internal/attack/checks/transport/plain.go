package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// PlainHTTPCheck looks for the API over plain HTTP.
type PlainHTTPCheck struct{}

// ID implements core.Check.
func (PlainHTTPCheck) ID() string { return "transport.plain_http" }

// Stage implements core.Check.
func (PlainHTTPCheck) Stage() core.Stage { return core.StageTransport }

// Title implements core.Check.
func (PlainHTTPCheck) Title() string { return "API reachable over plain HTTP" }

// Loopback reports whether a host name is on loopback: "localhost", or an
// IP in 127.0.0.0/8 or ::1. Names are not resolved.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// plainURLs are the plain-HTTP addresses of an HTTPS target: its own port
// with the http scheme, and port 80.
func plainURLs(u *url.URL) []string {
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	out := []string{}
	if p := u.Port(); p != "" && p != "80" {
		out = append(out, "http://"+host+":"+p+"/")
	} else if p == "" {
		out = append(out, "http://"+host+":443/")
	}
	return append(out, "http://"+host+"/")
}

// Plan implements core.Check.
func (c PlainHTTPCheck) Plan(s *core.Scan) []core.PlannedRequest {
	if s.Target().Scheme == "http" {
		return []core.PlannedRequest{{Endpoint: "GET /", Class: "the target itself is plain HTTP: one read for evidence", Count: 1}}
	}
	var out []core.PlannedRequest
	for _, u := range plainURLs(s.Target()) {
		out = append(out, core.PlannedRequest{Endpoint: "GET " + u, Class: "plain HTTP on the target's host (port 80 only when in scope)", Count: 1})
	}
	return out
}

// Run implements core.Check.
func (c PlainHTTPCheck) Run(ctx context.Context, s *core.Scan) error {
	t := s.Target()
	if t.Scheme == "http" {
		return c.plainTarget(ctx, s, t)
	}
	for _, raw := range plainURLs(t) {
		key := "GET " + raw
		resp, err := s.Do(ctx, core.Request{Method: http.MethodGet, URL: raw, Check: c.ID()})
		switch {
		case errors.Is(err, core.ErrOutOfScope):
			s.Cover(key, c.ID(), core.Skipped, "not in scope: add --scope "+hostPortOf(raw)+" to test it")
			continue
		case probe.Stopped(ctx, err):
			s.Cover(key, c.ID(), core.NotReached, err.Error())
			return err
		case err != nil:
			s.Cover(key, c.ID(), core.Tested, "no plain-HTTP answer")
			continue
		}
		if loc := resp.Header.Get("Location"); resp.Status >= 300 && resp.Status < 400 && strings.HasPrefix(strings.ToLower(loc), "https://") {
			s.Cover(key, c.ID(), core.Tested, fmt.Sprintf("redirects to HTTPS (%d)", resp.Status))
			continue
		}
		if !probe.Is2xx(resp.Status) {
			s.Cover(key, c.ID(), core.Tested, fmt.Sprintf("answered %d, not the API", resp.Status))
			continue
		}
		s.Cover(key, c.ID(), core.Tested, "")
		ex := resp.Exchange
		ex.Note = "answered over plain HTTP instead of redirecting to HTTPS"
		s.Report(core.Finding{
			Check:            c.ID(),
			Title:            "API answers over plain HTTP besides HTTPS",
			OWASP:            core.API8Misconfig,
			CWE:              319,
			Severity:         core.SeverityMedium,
			Confidence:       core.Firm,
			ConfidenceReason: fmt.Sprintf("%s answered %d without TLS", raw, resp.Status),
			Endpoint:         key,
			Description: fmt.Sprintf("%s answered %d without TLS. A client sent there (a typo, an old link, a downgrade by an attacker) sends its credentials and data in clear.",
				raw, resp.Status),
			Evidence: exposure.MaskEvidence(ex),
			Curl:     probe.Curl(ex.Request),
			Remediation: "Answer plain HTTP only with a redirect to HTTPS, and send HSTS. With Rampart: listen.redirect_http: true " +
				"(every plain-HTTP request gets a 308 to HTTPS) or no listen.http at all, and listen.hsts.enabled: true.",
		})
	}
	return nil
}

// plainTarget handles a target given as http://: a finding unless it is on
// loopback, where traffic never reaches a network (the sample API, a
// local gateway).
func (c PlainHTTPCheck) plainTarget(ctx context.Context, s *core.Scan, t *url.URL) error {
	if Loopback(t.Hostname()) {
		s.Cover("GET /", c.ID(), core.Tested, "plain HTTP on loopback ("+t.Host+"): not a finding, traffic never leaves the host; serve HTTPS anywhere else")
		return nil
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
	s.Cover("GET /", c.ID(), core.Tested, "")
	ex := resp.Exchange
	ex.Note = "the API itself is served without TLS"
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            "API served over plain HTTP",
		OWASP:            core.API8Misconfig,
		CWE:              319,
		Severity:         core.SeverityHigh,
		Confidence:       core.Firm,
		ConfidenceReason: "the target URL is http:// on a non-loopback host and it answered",
		Endpoint:         "GET /",
		Description: fmt.Sprintf("The API at %s is served without TLS: tokens, passwords and data cross the network in clear, readable and changeable by anyone on the path.",
			t.String()),
		Evidence: exposure.MaskEvidence(ex),
		Curl:     probe.Curl(ex.Request),
		Remediation: "Serve the API over HTTPS only. With Rampart in front: listen.https with listen.tls.cert_file and key_file, " +
			"listen.redirect_http: true for the plain listener, and listen.hsts.enabled: true.",
	})
	return nil
}

func hostPortOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
