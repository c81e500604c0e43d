package discovery

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// Checks returns the discovery stage's checks.
func Checks() []core.Check { return []core.Check{RoutesCheck{}} }

// RoutesCheck discovers live endpoints and reports those the spec omits.
type RoutesCheck struct{}

// ID implements core.Check.
func (RoutesCheck) ID() string { return "discovery.routes" }

// Stage implements core.Check.
func (RoutesCheck) Stage() core.Stage { return core.StageDiscovery }

// Title implements core.Check.
func (RoutesCheck) Title() string { return "Route discovery and spec drift" }

// Bounds.
const (
	calibratedDirs = 10  // directories whose not-found answer is learnt, besides the root
	maxMethodPaths = 100 // paths asked with OPTIONS
)

// live is one endpoint found answering.
type live struct {
	method   string
	path     string
	status   int
	evidence []core.Exchange
	secured  bool   // answered 401/403 without credentials
	how      string // "answered 200", "advertised by Allow on OPTIONS"
}

// unknownRoutes are the wordlist entries no known operation describes.
func unknownRoutes(ops []core.Operation) []string {
	var out []string
	for _, p := range Wordlist() {
		known := false
		for _, op := range ops {
			if matchesTemplate(p, op.Path) {
				known = true
				break
			}
		}
		if !known {
			out = append(out, p)
		}
	}
	return out
}

// methodPaths are the known paths (concrete) to ask with OPTIONS, keyed by
// their template.
func methodPaths(ops []core.Operation) (templates []string, concrete map[string]string) {
	concrete = map[string]string{}
	for _, op := range ops {
		if _, ok := concrete[op.Path]; ok || len(templates) >= maxMethodPaths {
			continue
		}
		concrete[op.Path] = strings.SplitN(probe.ConcretePath(core.Operation{Path: op.Path, Params: pathParams(op)}), "?", 2)[0]
		templates = append(templates, op.Path)
	}
	return templates, concrete
}

func pathParams(op core.Operation) []core.Param {
	var out []core.Param
	for _, p := range op.Params {
		if p.In == "path" {
			out = append(out, p)
		}
	}
	return out
}

// Plan implements core.Check.
func (c RoutesCheck) Plan(s *core.Scan) []core.PlannedRequest {
	ops := s.Operations()
	templates, _ := methodPaths(ops)
	out := []core.PlannedRequest{{Endpoint: "*", Class: "random paths to learn the not-found answer (root, then per directory)",
		Count: (calibratedDirs + 1) * probe.CalibrationRequests}}
	for _, p := range unknownRoutes(ops) {
		out = append(out, core.PlannedRequest{Endpoint: "GET " + p, Class: "wordlist route, anonymously", Count: 1})
	}
	for _, t := range templates {
		out = append(out, core.PlannedRequest{Endpoint: "OPTIONS " + t, Class: "which methods the path routes (Allow)", Count: 1})
	}
	return out
}

// Run implements core.Check.
func (c RoutesCheck) Run(ctx context.Context, s *core.Scan) error {
	ops := s.Operations()
	hasSpec := false
	for _, op := range ops {
		hasSpec = hasSpec || op.Source == "spec"
	}
	calib := probe.NewCalibrator(s, c.ID(), calibratedDirs)
	if _, err := calib.For(ctx, "/"); err != nil {
		s.Cover("*", c.ID(), core.NotReached, err.Error())
		return err
	}
	found, err := c.probeWordlist(ctx, s, calib, unknownRoutes(ops))
	if err != nil {
		return err
	}
	templates, concrete := methodPaths(ops)
	for _, l := range found {
		if !contains(templates, l.path) && len(templates) < maxMethodPaths {
			templates = append(templates, l.path)
			concrete[l.path] = l.path
		}
	}
	extra, err := c.probeMethods(ctx, s, templates, concrete, ops, found)
	found = append(found, extra...)
	for _, l := range found {
		s.AddOperation(core.Operation{Method: l.method, Path: l.path, Secured: l.secured, Source: "discovered"})
		if hasSpec {
			s.Report(c.driftFinding(l))
		}
	}
	if !hasSpec {
		s.Cover("*", c.ID(), core.Tested, fmt.Sprintf("no spec: %d live endpoint(s) added to the scan, spec drift not assessed", len(found)))
	}
	return err
}

func (c RoutesCheck) probeWordlist(ctx context.Context, s *core.Scan, calib *probe.Calibrator, paths []string) ([]live, error) {
	var found []live
	for i, p := range paths {
		key := "GET " + p
		resp, err := s.Do(ctx, core.Request{Method: "GET", Path: p, Check: c.ID()})
		if probe.Stopped(ctx, err) {
			for _, rest := range paths[i:] {
				s.Cover("GET "+rest, c.ID(), core.NotReached, err.Error())
			}
			return found, err
		}
		if err != nil || resp.Exchange.Response == nil {
			s.Cover(key, c.ID(), core.Skipped, "no answer")
			continue
		}
		nf, err := calib.NotFound(ctx, p, resp)
		if probe.Stopped(ctx, err) {
			s.Cover(key, c.ID(), core.NotReached, err.Error())
			return found, err
		}
		if err != nil || nf {
			s.Cover(key, c.ID(), core.Tested, "")
			continue
		}
		s.Cover(key, c.ID(), core.Tested, fmt.Sprintf("live: answered %d", resp.Status))
		if resp.Status == http.StatusMethodNotAllowed {
			// The path exists but not for GET; a 405 must list what it
			// serves (RFC 9110 §15.5.6).
			for _, m := range parseAllow(resp.Header.Values("Allow")) {
				found = append(found, live{method: m, path: p, status: resp.Status, evidence: []core.Exchange{resp.Exchange},
					how: fmt.Sprintf("answered 405 to GET with Allow: %s", strings.Join(resp.Header.Values("Allow"), ", "))})
			}
			continue
		}
		found = append(found, live{method: "GET", path: p, status: resp.Status, evidence: []core.Exchange{resp.Exchange},
			secured: probe.Refused(resp.Status), how: fmt.Sprintf("answered %d to an anonymous GET", resp.Status)})
	}
	return found, nil
}

// probeMethods asks each path with OPTIONS and returns the methods its
// Allow header lists that no known operation or found endpoint covers.
func (c RoutesCheck) probeMethods(ctx context.Context, s *core.Scan, templates []string, concrete map[string]string,
	ops []core.Operation, found []live) ([]live, error) {
	known := map[string]bool{}
	for _, op := range ops {
		known[op.Method+" "+op.Path] = true
	}
	for _, l := range found {
		known[l.method+" "+l.path] = true
	}
	var extra []live
	for i, t := range templates {
		key := "OPTIONS " + t
		resp, err := s.Do(ctx, core.Request{Method: "OPTIONS", Path: concrete[t], Check: c.ID()})
		if probe.Stopped(ctx, err) {
			for _, rest := range templates[i:] {
				s.Cover("OPTIONS "+rest, c.ID(), core.NotReached, err.Error())
			}
			return extra, err
		}
		if err != nil || resp.Exchange.Response == nil {
			s.Cover(key, c.ID(), core.Skipped, "no answer")
			continue
		}
		allow := parseAllow(resp.Header.Values("Allow"))
		if len(allow) == 0 {
			s.Cover(key, c.ID(), core.Tested, "no Allow header: methods not learnt")
			continue
		}
		s.Cover(key, c.ID(), core.Tested, "Allow: "+strings.Join(allow, ", "))
		sort.Strings(allow)
		for _, m := range allow {
			if known[m+" "+t] {
				continue
			}
			known[m+" "+t] = true
			extra = append(extra, live{method: m, path: t, status: resp.Status, evidence: []core.Exchange{resp.Exchange},
				how: fmt.Sprintf("advertised in the Allow header of OPTIONS %s (%d)", concrete[t], resp.Status)})
		}
	}
	return extra, nil
}

func (l live) key() string { return l.method + " " + l.path }

func (c RoutesCheck) driftFinding(l live) core.Finding {
	cwe, kind := 1059, "undocumented"
	if debugLike(l.path) {
		cwe, kind = 489, "undocumented debug, test or internal"
	}
	sev := core.SeverityLow
	if probe.Is2xx(l.status) && l.method == "GET" {
		sev = core.SeverityMedium
		if cwe == 489 {
			sev = core.SeverityHigh
		}
	}
	ex := l.evidence[0]
	ex.Note = l.how
	return core.Finding{
		Check:            c.ID(),
		Title:            "Endpoint missing from the spec is live",
		OWASP:            core.API9Inventory,
		CWE:              cwe,
		Severity:         sev,
		Confidence:       core.Firm,
		ConfidenceReason: "the target " + l.how + ", unlike its answer for random paths; the spec has no such operation",
		Endpoint:         l.key(),
		Description: fmt.Sprintf("%s is live but the spec does not describe it (%s). The target %s. "+
			"Endpoints outside the inventory are not reviewed, protected or retired with the rest: old versions, debug and internal routes are where attackers look first.",
			l.key(), kind, l.how),
		Evidence: exposure.MaskEvidence(l.evidence...),
		Curl:     probe.Curl(ex.Request),
		Remediation: "Document the endpoint or remove it. With Rampart in front, apis[].schema with spec_file and undocumented: deny " +
			"refuses every method and path the spec does not describe (monitor first to see what would be refused).",
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
