package resource

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// sizeParam names the parameters that say how much to return or compute.
var sizeParam = regexp.MustCompile(`(?i)^(limit|size|per_?page|perpage|page_?size|n|count|max|max_?results|top|take|first|rows|num|results|rounds|depth)$`)

// Bounds of the page-size probe.
const (
	baselineSamples = 3
	maxSizeValue    = 10_000_000 // the largest value sent
	sizeTimeout     = 15 * time.Second
)

// sizeMultipliers are tried in order until one makes the answer grow.
var sizeMultipliers = []int64{10, 100, 1000, 10000}

// grown decides whether a big request cost much more than the usual one:
// at least ten times the usual time and at least 100 ms more, so that
// loopback jitter on a fast endpoint never counts.
func grown(usual, big time.Duration) bool {
	return usual >= 0 && big >= 10*usual && big-usual >= 100*time.Millisecond
}

// grownBytes: the answer holds at least ten times the bytes, and 64 KiB more.
func grownBytes(usual, big int) bool { return usual >= 0 && big >= 10*usual && big-usual >= 64<<10 }

// PageSizeCheck multiplies page-size and count query parameters (limit,
// size, per_page, page_size, n, count, max, top, take, …) of GET operations
// by 10, 100, 1000 and 10000 (at most 10,000,000) and compares the answer
// time and size with the usual value's, measured three times. The first
// multiple answered 2xx ten times slower and 100 ms later (or with ten
// times the bytes) is sent again; both growing is the finding. A refusal
// (4xx) ends the climb: the server caps the value.
type PageSizeCheck struct{}

// ID implements core.Check.
func (PageSizeCheck) ID() string { return "resource.page_size" }

// Stage implements core.Check.
func (PageSizeCheck) Stage() core.Stage { return core.StageResource }

// Title implements core.Check.
func (PageSizeCheck) Title() string { return "Page size and cost parameters without a cap" }

// sizeTarget is one size parameter of one GET operation.
type sizeTarget struct {
	op  core.Operation
	prm core.Param
}

// sizeTargets are the GET operations' size parameters.
func sizeTargets(ops []core.Operation) []sizeTarget {
	var out []sizeTarget
	for _, op := range ops {
		if op.Method != http.MethodGet {
			continue
		}
		for _, p := range op.Params {
			if p.In == "query" && sizeParam.MatchString(p.Name) && (p.Type == "integer" || p.Type == "number" || p.Type == "") {
				out = append(out, sizeTarget{op, p})
			}
		}
	}
	return out
}

// Plan implements core.Check.
func (c PageSizeCheck) Plan(s *core.Scan) []core.PlannedRequest {
	var out []core.PlannedRequest
	for _, t := range sizeTargets(s.Operations()) {
		out = append(out, core.PlannedRequest{Endpoint: t.op.Key(),
			Class: "query." + t.prm.Name + " at its usual value ×3, then ×10, ×100, ×1000, ×10000 until the answer grows; that one again",
			Count: baselineSamples + len(sizeMultipliers) + 1})
	}
	return out
}

// Run implements core.Check.
func (c PageSizeCheck) Run(ctx context.Context, s *core.Scan) error {
	ts := sizeTargets(s.Operations())
	if len(ts) == 0 {
		return core.Skip("no GET operation has a page-size or count parameter (limit, size, per_page, n, …)")
	}
	for i, t := range ts {
		if err := c.param(ctx, s, t.op, t.prm); err != nil && probe.Stopped(ctx, err) {
			for _, rest := range ts[i:] {
				s.CoverAs(rest.op.Key(), c.ID(), core.NotReached, "the scan ended first: "+err.Error())
			}
			return err
		}
	}
	return nil
}

// withValue is the operation's path with prm set to v.
func withValue(op core.Operation, prm core.Param, v int64) string {
	for i := range op.Params {
		if op.Params[i].Name == prm.Name && op.Params[i].In == "query" {
			op.Params = append([]core.Param(nil), op.Params...)
			op.Params[i].Example, op.Params[i].Required = v, true
		}
	}
	return probe.ConcretePath(op)
}

func (c PageSizeCheck) param(ctx context.Context, s *core.Scan, op core.Operation, prm core.Param) error {
	profile, ok := profileFor(s, op)
	if !ok {
		s.CoverAs(op.Key(), c.ID(), core.Skipped, "needs credentials and no working user profile is configured")
		return nil
	}
	base, err := strconv.ParseInt(probe.ExampleValue(prm), 10, 64)
	if err != nil || base <= 0 {
		base = 10
	}
	var usual []*core.Response
	var times []time.Duration
	for range baselineSamples {
		r, err := send(ctx, s, c.ID(), op, withValue(op, prm, base), profile, nil, sizeTimeout)
		if err != nil {
			return c.failed(s, op, profile, err)
		}
		if !probe.Is2xx(r.Status) {
			s.CoverAs(op.Key(), c.ID(), core.Skipped, fmt.Sprintf("the usual value %s=%d is answered %d", prm.Name, base, r.Status), present(profile)...)
			return nil
		}
		usual, times = append(usual, r), append(times, r.Duration)
	}
	usualT, usualB := median(times), len(usual[0].Body)
	prev := base
	for _, m := range sizeMultipliers {
		v := min(base*m, maxSizeValue)
		if v <= prev {
			break
		}
		big, err := send(ctx, s, c.ID(), op, withValue(op, prm, v), profile, nil, sizeTimeout)
		if err != nil && (big == nil || probe.Stopped(ctx, err)) {
			return c.failed(s, op, profile, err)
		}
		if big.Status != 0 && !probe.Is2xx(big.Status) {
			s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("not vulnerable: %s=%d is refused with %d", prm.Name, v, big.Status), present(profile)...)
			return nil
		}
		byTime, byBytes := grown(usualT, big.Duration), big.Status != 0 && grownBytes(usualB, len(big.Body))
		if !byTime && !byBytes {
			prev = v
			continue
		}
		again, err := send(ctx, s, c.ID(), op, withValue(op, prm, v), profile, nil, sizeTimeout)
		if err != nil && (again == nil || probe.Stopped(ctx, err)) {
			return c.failed(s, op, profile, err)
		}
		if !(byTime && grown(usualT, again.Duration)) && !(byBytes && grownBytes(usualB, len(again.Body))) {
			prev = v
			continue
		}
		s.Set(expensiveKey, expensive{op: op, path: withValue(op, prm, prev), profile: profile, single: usualT})
		c.report(s, op, prm, base, v, usualT, usualB, big, again, usual[0], byTime)
		s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("vulnerable: %s=%d costs far more than %s=%d", prm.Name, v, prm.Name, base), present(profile)...)
		return nil
	}
	s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("not vulnerable: %s up to %d costs about the same as %d", prm.Name, prev, base), present(profile)...)
	return nil
}

func (c PageSizeCheck) report(s *core.Scan, op core.Operation, prm core.Param, base, v int64, usualT time.Duration, usualB int,
	big, again, usual *core.Response, byTime bool) {
	growth := fmt.Sprintf("%s and %s instead of %s", millis(big.Duration), millis(again.Duration), millis(usualT))
	if !byTime {
		growth = fmt.Sprintf("%d and %d bytes instead of %d", len(big.Body), len(again.Body), usualB)
	}
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            "The client chooses the cost of a request (" + prm.Name + ")",
		OWASP:            core.API4Resources,
		CWE:              770,
		Severity:         core.SeverityMedium,
		Confidence:       core.Confirmed,
		ConfidenceReason: fmt.Sprintf("the large value grew the answer twice; the usual value was measured %d times", baselineSamples),
		Endpoint:         op.Key(),
		Parameter:        "query." + prm.Name,
		Description: fmt.Sprintf("%s accepts %s=%d (%d× the usual %d) and answers in %s: nothing caps the parameter, so a handful of "+
			"clients can keep the server's CPU, database or memory busy.", op.Key(), prm.Name, v, v/base, base, growth),
		Evidence: []core.Exchange{
			noted(big, fmt.Sprintf("probe: %s=%d", prm.Name, v)),
			noted(again, "second probe: the same value again"),
			noted(usual, fmt.Sprintf("control: the usual %s=%d (median of %d: %s)", prm.Name, base, baselineSamples, millis(usualT))),
		},
		Curl: probe.Curl(big.Exchange.Request),
		Remediation: fmt.Sprintf("Cap %s in the API. At the gateway, document the cap as the parameter's maximum in the OpenAPI spec "+
			"and enable the schema guard (apis[].schema.spec_file), which refuses larger values; and weigh the route in the rate "+
			"limits: rate_limits with a route cost (apis[].routes[].cost) so expensive calls use up a client's budget faster.", prm.Name),
	})
}

func (c PageSizeCheck) failed(s *core.Scan, op core.Operation, profile string, err error) error {
	s.CoverAs(op.Key(), c.ID(), core.Skipped, "no answer: "+err.Error(), present(profile)...)
	return err
}

// millis writes a duration in milliseconds with one decimal.
func millis(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
