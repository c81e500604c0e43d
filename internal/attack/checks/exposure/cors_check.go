package exposure

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// CORSCheck sends credentialed reads with a foreign Origin and reports an
// API that lets that origin read the answer (CWE-942): any web page the
// victim visits could then read their data through their browser.
type CORSCheck struct{}

// ID implements core.Check.
func (CORSCheck) ID() string { return "exposure.cors" }

// Stage implements core.Check.
func (CORSCheck) Stage() core.Stage { return core.StageExposure }

// Title implements core.Check.
func (CORSCheck) Title() string { return "CORS lets any origin read credentialed answers" }

// EvilOrigin is the foreign origin the check claims.
const EvilOrigin = "https://evil.example"

// corsOperations is how many GET operations the check probes.
const corsOperations = 3

// corsTargets picks GET operations, secured ones first (their answers
// are the ones worth stealing), and the identity to read them as.
func corsTargets(s *core.Scan) ([]core.Operation, string) {
	ops := probe.Operations(s, "GET")
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Secured != ops[j].Secured {
			return ops[i].Secured
		}
		return !probe.HasPathParams(ops[i]) && probe.HasPathParams(ops[j])
	})
	as := probe.Unprivileged(s)
	if as == "" {
		var open []core.Operation
		for _, op := range ops {
			if !op.Secured {
				open = append(open, op)
			}
		}
		ops = open
	}
	if len(ops) > corsOperations {
		ops = ops[:corsOperations]
	}
	return ops, as
}

// Plan implements core.Check.
func (c CORSCheck) Plan(s *core.Scan) []core.PlannedRequest {
	ops, _ := corsTargets(s)
	var out []core.PlannedRequest
	for _, op := range ops {
		out = append(out, core.PlannedRequest{Endpoint: op.Key(), Class: "Origin: " + EvilOrigin + ", then a random origin or null to confirm", Count: 3})
	}
	return out
}

// Run implements core.Check.
func (c CORSCheck) Run(ctx context.Context, s *core.Scan) error {
	ops, as := corsTargets(s)
	if len(ops) == 0 {
		s.Cover("*", c.ID(), core.Skipped, "no GET operation to read")
		return core.Skip("no GET operation to read")
	}
	for i, op := range ops {
		path := probe.ConcretePath(op)
		send := func(origin string) (*core.Response, error) {
			return s.Do(ctx, core.Request{Method: "GET", Path: path, Profile: as, Check: c.ID(),
				Header: http.Header{"Origin": {origin}}})
		}
		first, err := send(EvilOrigin)
		if probe.Stopped(ctx, err) {
			s.Cover(op.Key(), c.ID(), core.NotReached, err.Error())
			return err
		}
		if err != nil {
			s.Cover(op.Key(), c.ID(), core.Skipped, "no answer")
			continue
		}
		origin, hit := EvilOrigin, first
		if !PermissiveCORS(EvilOrigin, first.Header) {
			// Sandboxed iframes and file: pages send "Origin: null";
			// allowing it with credentials is as open.
			second, err := send("null")
			if err != nil || !PermissiveCORS("null", second.Header) {
				s.Cover(op.Key(), c.ID(), core.Tested, "")
				continue
			}
			origin, hit = "null", second
		}
		evidence := []core.Exchange{hit.Exchange}
		confidence, reason := core.Firm, "the answer grants the foreign origin read access with credentials"
		if origin == EvilOrigin {
			random := "https://rampart-" + probe.RandomHex(4) + ".example"
			if again, err := send(random); err == nil && PermissiveCORS(random, again.Header) {
				evidence = append(evidence, again.Exchange)
				confidence, reason = core.Confirmed, "a second, random origin was granted too: the API reflects any Origin"
			}
		}
		s.Cover(op.Key(), c.ID(), core.Tested, "")
		s.Report(core.Finding{
			Check:            c.ID(),
			Title:            c.Title(),
			OWASP:            core.API8Misconfig,
			CWE:              942,
			Severity:         core.SeverityHigh,
			Confidence:       confidence,
			ConfidenceReason: reason,
			Endpoint:         op.Key(),
			Description: fmt.Sprintf("GET %s with Origin: %s answered Access-Control-Allow-Origin: %s and Access-Control-Allow-Credentials: true. "+
				"A page on any site the victim visits can read this answer with the victim's cookies or credentials.",
				path, origin, hit.Header.Get("Access-Control-Allow-Origin")),
			Evidence: MaskEvidence(evidence...),
			Curl:     probe.Curl(hit.Exchange.Request),
			Remediation: "Answer Access-Control-Allow-Origin only for an explicit list of your front-end origins, never by echoing the request's Origin, " +
				"and never allow \"null\". Rampart does not rewrite CORS headers: fix the allow-list in the application.",
		})
		// One proof is enough: CORS is configured once per API.
		for _, rest := range ops[i+1:] {
			s.Cover(rest.Key(), c.ID(), core.Skipped, "already proven on "+op.Key())
		}
		return nil
	}
	return nil
}
