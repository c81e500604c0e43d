package recon

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// FingerprintCheck reads banners and provokes error pages.
type FingerprintCheck struct{}

// ID implements core.Check.
func (FingerprintCheck) ID() string { return "recon.fingerprint" }

// Stage implements core.Check.
func (FingerprintCheck) Stage() core.Stage { return core.StageRecon }

// Title implements core.Check.
func (FingerprintCheck) Title() string { return "Server fingerprint and verbose errors" }

// Bounds of the error probes.
const (
	malformedJSONOps  = 2 // POST operations sent a truncated JSON body
	malformedQueryOps = 5 // GET operations sent a quote-laden query value
	malformedPathOps  = 3 // GET operations sent a quote-laden path id
)

// MalformedValue breaks string literals in SQL, JSON and most template
// languages; an error handler that echoes what failed reveals itself.
const MalformedValue = `rampart'"\`

// malformedJSON is a truncated object: every JSON parser rejects it.
const malformedJSON = `{"rampart": `

// probeReq is one planned error probe.
type probeReq struct {
	endpoint string // ledger key
	class    string
	req      core.Request
}

func (c FingerprintCheck) probes(s *core.Scan) []probeReq {
	id := c.ID()
	user := probe.Unprivileged(s)
	as := func(op core.Operation) string {
		if op.Secured {
			return user
		}
		return ""
	}
	out := []probeReq{
		{"GET /", "read the root for banners", core.Request{Method: "GET", Path: "/", Check: id}},
		{"*", "a path that cannot exist (404 page)", core.Request{Method: "GET", Path: "/rampart-missing-" + probe.RandomHex(6), Check: id}},
	}
	// Malformed JSON: unsecured POST operations first (nothing stands
	// before their parser), then secured ones as a user.
	posts := probe.Operations(s, "POST")
	sort.SliceStable(posts, func(i, j int) bool { return !posts[i].Secured && posts[j].Secured })
	n := 0
	for _, op := range posts {
		if n == malformedJSONOps || (op.Secured && user == "") || op.Body == nil && op.Source == "spec" {
			continue
		}
		n++
		out = append(out, probeReq{op.Key(), "truncated JSON body", core.Request{Method: "POST", Path: probe.ConcretePath(op),
			Body: []byte(malformedJSON), Profile: as(op), Check: id}})
	}
	if n == 0 {
		out = append(out, probeReq{"POST /", "truncated JSON body", core.Request{Method: "POST", Path: "/", Body: []byte(malformedJSON), Check: id}})
	}
	nq, np := 0, 0
	for _, op := range probe.Operations(s, "GET") {
		if op.Secured && user == "" {
			continue
		}
		if q := firstParam(op, "query"); q != "" && nq < malformedQueryOps {
			nq++
			out = append(out, probeReq{op.Key(), fmt.Sprintf("%s in query.%s", MalformedValue, q), core.Request{Method: "GET",
				Path: probe.ConcretePath(withValue(op, "query", q)), Profile: as(op), Check: id}})
		}
		if p := firstParam(op, "path"); p != "" && np < malformedPathOps {
			np++
			out = append(out, probeReq{op.Key(), fmt.Sprintf("%s in path.%s", MalformedValue, p), core.Request{Method: "GET",
				Path: probe.ConcretePath(withValue(op, "path", p)), Profile: as(op), Check: id}})
		}
	}
	return out
}

// withValue returns op with the named parameter set to MalformedValue (and
// required, so that ConcretePath sends it).
func withValue(op core.Operation, in, name string) core.Operation {
	params := []core.Param{{Name: name, In: in, Required: true, Example: MalformedValue}}
	for _, p := range op.Params {
		if p.Name != name || p.In != in {
			params = append(params, p)
		}
	}
	op.Params = params
	return op
}

var templateParam = regexp.MustCompile(`\{([^}]+)\}`)

// firstParam names the operation's first parameter in the location; for
// paths, undescribed template parameters count too.
func firstParam(op core.Operation, in string) string {
	for _, p := range op.Params {
		if p.In == in {
			return p.Name
		}
	}
	if in == "path" {
		if m := templateParam.FindStringSubmatch(op.Path); m != nil {
			return m[1]
		}
	}
	return ""
}

// Plan implements core.Check.
func (c FingerprintCheck) Plan(s *core.Scan) []core.PlannedRequest {
	var out []core.PlannedRequest
	for _, p := range c.probes(s) {
		out = append(out, core.PlannedRequest{Endpoint: p.endpoint, Class: p.class, Count: 1})
	}
	return out
}

// Run implements core.Check.
func (c FingerprintCheck) Run(ctx context.Context, s *core.Scan) error {
	var banners []Banner
	var bannerEvidence *core.Exchange
	seenBanner := map[string]bool{}
	frameworkEvidence := map[string]core.Exchange{}
	var frameworkOrder []string
	verbose := map[string]bool{}
	for _, p := range c.probes(s) {
		resp, err := s.Do(ctx, p.req)
		if probe.Stopped(ctx, err) {
			s.Cover(p.endpoint, c.ID(), core.NotReached, err.Error())
			return err
		}
		if err != nil || resp.Exchange.Response == nil {
			s.Cover(p.endpoint, c.ID(), core.Skipped, "no answer")
			continue
		}
		s.Cover(p.endpoint, c.ID(), core.Tested, "")
		for _, b := range Banners(resp.Header) {
			if k := b.Header + ": " + b.Value; !seenBanner[k] {
				seenBanner[k] = true
				banners = append(banners, b)
				if bannerEvidence == nil {
					ex := resp.Exchange
					bannerEvidence = &ex
				}
			}
		}
		if resp.Status >= 400 {
			for _, f := range Frameworks(resp.Body) {
				if _, ok := frameworkEvidence[f]; !ok {
					frameworkEvidence[f] = resp.Exchange
					frameworkOrder = append(frameworkOrder, f)
				}
			}
		}
		if ms := exposure.VerboseErrors(resp.Body); len(ms) > 0 && !verbose[p.endpoint] {
			verbose[p.endpoint] = true
			s.Report(exposure.VerboseErrorFinding(c.ID(), p.endpoint, resp, ms))
		}
	}
	if len(banners) > 0 {
		s.Report(bannerFinding(c.ID(), banners, *bannerEvidence))
	}
	for _, f := range frameworkOrder {
		s.Report(frameworkFinding(c.ID(), f, frameworkEvidence[f]))
	}
	return nil
}

func bannerFinding(check string, banners []Banner, ex core.Exchange) core.Finding {
	sev := core.SeverityInfo
	var lines []string
	for _, b := range banners {
		if b.Versioned {
			sev = core.SeverityLow
		}
		lines = append(lines, b.Header+": "+b.Value)
	}
	ex.Note = "banner headers: " + strings.Join(lines, "; ")
	return core.Finding{
		Check:            check,
		Title:            "Server software disclosed in response headers",
		OWASP:            core.API8Misconfig,
		CWE:              200,
		Severity:         sev,
		Confidence:       core.Firm,
		ConfidenceReason: "the headers are in the recorded answer",
		Description: "Response headers name the software behind the API, which tells an attacker which exploits and default paths to try" +
			" (a version number maps straight to known CVEs):\n- " + strings.Join(lines, "\n- "),
		Evidence:    exposure.MaskEvidence(ex),
		Curl:        probe.Curl(ex.Request),
		Remediation: "Remove the banners in the server's configuration. Rampart strips them from every answer: hygiene.strip_headers (default Server, X-Powered-By, X-AspNet-Version, X-AspNetMvc-Version; add any other header listed here).",
	}
}

func frameworkFinding(check, name string, ex core.Exchange) core.Finding {
	ex.Note = "default error text of " + name
	return core.Finding{
		Check:            check,
		Title:            "Framework disclosed by its default error text",
		OWASP:            core.API8Misconfig,
		CWE:              200,
		Severity:         core.SeverityLow,
		Confidence:       core.Firm,
		ConfidenceReason: "the answer carries " + name + "'s own error wording",
		Endpoint:         ex.Request.Method + " " + pathOf(ex.Request.URL),
		Description: fmt.Sprintf("%s %s answered %d with %s's default error text. Default error pages and parser messages tell an attacker "+
			"the stack without a banner, and parser messages are internal error text sent to the client.",
			ex.Request.Method, ex.Request.URL, ex.Response.Status, name),
		Evidence: exposure.MaskEvidence(ex),
		Curl:     probe.Curl(ex.Request),
		Remediation: "Answer errors with your own uniform problem+json body. With Rampart in front, unknown routes get Rampart's uniform 404 " +
			"when the API has a spec and apis[].schema.undocumented: deny, and malformed bodies are refused by limits.json and the schema guard before they reach the framework.",
	}
}

func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}
