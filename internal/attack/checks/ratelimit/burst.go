package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// BurstCheck sends a bounded burst of cheap reads.
type BurstCheck struct{}

// ID implements core.Check.
func (BurstCheck) ID() string { return "ratelimit.burst" }

// Stage implements core.Check.
func (BurstCheck) Stage() core.Stage { return core.StageRateLimit }

// Title implements core.Check.
func (BurstCheck) Title() string { return "Rate limiting" }

// burstWorkers is how many requests are in flight at once: enough to be a
// burst, few enough to stay polite on a shared machine.
const burstWorkers = 4

// rateLimitHeaders are the headers APIs advertise limits with: the IETF
// draft's RateLimit and RateLimit-Policy, the common X-RateLimit-* family,
// and Retry-After.
var rateLimitHeaders = []string{"RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"}

var cheapPath = regexp.MustCompile(`(?i)(health|status|ping|version|alive|ready)`)

// cheapTarget picks the GET operation to burst: no path parameter and no
// required query, health-like ones first, then public ones; with the
// identity to send as (a user when the operation is secured).
func cheapTarget(s *core.Scan) (core.Operation, string, bool) {
	var cands []core.Operation
	for _, op := range probe.Operations(s, "GET") {
		if probe.HasPathParams(op) || strings.Contains(probe.ConcretePath(op), "?") || op.AdminOnly {
			continue
		}
		cands = append(cands, op)
	}
	rank := func(op core.Operation) int {
		r := 0
		if !cheapPath.MatchString(op.Path) {
			r += 2
		}
		if op.Secured {
			r++
		}
		return r
	}
	sort.SliceStable(cands, func(i, j int) bool { return rank(cands[i]) < rank(cands[j]) })
	user := probe.Unprivileged(s)
	for _, op := range cands {
		if !op.Secured {
			return op, "", true
		}
		if user != "" {
			return op, user, true
		}
	}
	return core.Operation{}, "", false
}

// Plan implements core.Check.
func (c BurstCheck) Plan(s *core.Scan) []core.PlannedRequest {
	op, _, ok := cheapTarget(s)
	if !ok {
		return []core.PlannedRequest{{Endpoint: "*", Class: "skipped: no GET operation without parameters"}}
	}
	n := intSetting(s, BurstKey, DefaultBurst, MaxBurst)
	return []core.PlannedRequest{{Endpoint: op.Key(), Class: fmt.Sprintf("a burst, %d in flight, stopping at the first 429", burstWorkers), Count: n}}
}

// burstResult is what the burst saw.
type burstResult struct {
	sent      int
	limitedAt int // request number of the first 429/503+Retry-After; 0 none
	limited   *core.Response
	first     *core.Response
	headers   map[string]string // the rate-limit headers seen, first value each
	elapsed   time.Duration
	err       error
}

// Run implements core.Check.
func (c BurstCheck) Run(ctx context.Context, s *core.Scan) error {
	op, as, ok := cheapTarget(s)
	if !ok {
		s.Cover("*", c.ID(), core.Skipped, "no GET operation without parameters to burst")
		return core.Skip("no GET operation without parameters to burst")
	}
	n := intSetting(s, BurstKey, DefaultBurst, MaxBurst)
	res := c.burst(ctx, s, op, as, n)
	if res.err != nil && res.sent == 0 {
		s.Cover(op.Key(), c.ID(), core.NotReached, res.err.Error())
		return res.err
	}
	advertised := describeHeaders(res.headers)
	switch {
	case res.limitedAt > 0:
		s.Cover(op.Key(), c.ID(), core.Tested, fmt.Sprintf("limited at request %d of %d (%d; counted in order of answer, %d in flight)%s", res.limitedAt, n, res.limited.Status, burstWorkers, advertised))
		return nil
	case res.err != nil:
		s.Cover(op.Key(), c.ID(), core.NotReached, fmt.Sprintf("stopped after %d requests: %v", res.sent, res.err))
		return res.err
	case res.sent < n:
		s.Cover(op.Key(), c.ID(), core.Skipped, fmt.Sprintf("only %d of %d requests were answered", res.sent, n))
		return nil
	case limitAbove(res.headers, n):
		s.Cover(op.Key(), c.ID(), core.Tested, fmt.Sprintf("no 429 within %d requests, but a limit is advertised%s", n, advertised))
		return nil
	}
	s.Cover(op.Key(), c.ID(), core.Tested, fmt.Sprintf("%d requests in %s, none limited%s", n, res.elapsed.Round(time.Millisecond), advertised))
	ex := res.first.Exchange
	ex.Note = fmt.Sprintf("request 1 of %d sent in %s, %d at a time; every answer was %d-like, none 429", n, res.elapsed.Round(time.Millisecond), burstWorkers, res.first.Status)
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            "No rate limiting",
		OWASP:            core.API4Resources,
		CWE:              770,
		Severity:         core.SeverityMedium,
		Confidence:       core.Firm,
		ConfidenceReason: fmt.Sprintf("%d requests in %s got no 429, no 503 with Retry-After and no rate-limit header", n, res.elapsed.Round(time.Millisecond)),
		Endpoint:         op.Key(),
		Description: fmt.Sprintf("A burst of %d GET %s in %s (%.0f requests per second) was answered in full, with no rate-limit header. "+
			"Without limits one client can exhaust the API for everyone, scrape it, or run guessing attacks at full speed. "+
			"The bound is small on purpose: a limit above %d requests would not be seen (raise ratelimit.burst to look further).",
			n, op.Path, res.elapsed.Round(time.Millisecond), float64(n)/max(res.elapsed.Seconds(), 0.001), n),
		Evidence: exposure.MaskEvidence(ex),
		Curl:     probe.Curl(ex.Request),
		Remediation: "Limit requests per client and per identity. With Rampart in front, define rate_limits policies (keyed by ip, identity, header or claim) " +
			"and attach them to the API (apis[].rate_limits) or mark them global; Rampart answers 429 with RateLimit and Retry-After headers.",
	})
	return nil
}

func (c BurstCheck) burst(ctx context.Context, s *core.Scan, op core.Operation, as string, n int) burstResult {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	path := probe.ConcretePath(op)
	var mu sync.Mutex
	res := burstResult{headers: map[string]string{}}
	next := 0
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < burstWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= n || res.limitedAt > 0 || res.err != nil {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				resp, err := s.Do(ctx, core.Request{Method: "GET", Path: path, Profile: as, Check: c.ID(), NoPacing: true})
				mu.Lock()
				switch {
				case err != nil:
					if res.err == nil && res.limitedAt == 0 {
						res.err = err // the first failure ends the burst
					}
				case err == nil:
					res.sent++
					if res.first == nil {
						res.first = resp
					}
					for _, h := range rateLimitHeaders {
						if v := resp.Header.Get(h); v != "" {
							if _, ok := res.headers[h]; !ok {
								res.headers[h] = v
							}
						}
					}
					if res.limitedAt == 0 && (resp.Status == http.StatusTooManyRequests ||
						resp.Status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "") {
						res.limitedAt, res.limited = res.sent, resp
						cancel()
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if res.limitedAt > 0 {
		res.err = nil // requests cancelled after the limit are not errors
	}
	return res
}

// limitAbove reports whether the headers advertise a limit larger than
// the burst: a limit exists, the burst was just too small to meet it.
func limitAbove(h map[string]string, n int) bool {
	if _, ok := h["RateLimit-Policy"]; ok {
		return true
	}
	for _, k := range []string{"X-RateLimit-Limit", "RateLimit-Limit"} {
		if v, ok := h[k]; ok {
			if lim, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(v, ",", 2)[0])); err == nil && lim >= n {
				return true
			}
		}
	}
	if v, ok := h["RateLimit"]; ok && strings.Contains(v, "limit=") || ok && strings.Contains(v, "r=") {
		return true
	}
	return false
}

func describeHeaders(h map[string]string) string {
	if len(h) == 0 {
		return "; no rate-limit headers"
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+h[k])
	}
	return "; headers " + strings.Join(parts, "; ")
}
