package resource

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// DefaultLevels are the concurrency steps of the ramp.
var DefaultLevels = []int{1, 4, 16}

// maxLevel bounds any configured step.
const maxLevel = 64

// collapsed decides the ramp: the top step's median answer time is at
// least four times the single request's and 100 ms more.
func collapsed(single, top time.Duration) bool {
	return single > 0 && top >= 4*single && top-single >= 100*time.Millisecond
}

// ConcurrencyCheck ramps concurrent requests on the request page_size
// found expensive (its parameter one step below the reported value),
// through Levels. Every request goes out with NoPacing, so a 429 or 503 is
// seen as sent. No 429/503 at any step, the top step's median four times
// the single request's (and 100 ms more) twice, and a single request fast
// again afterwards: nothing limits concurrent expensive work (CWE-400). It
// runs only against a loopback target or with --i-own-this-target, and
// only when page_size found an expensive request.
type ConcurrencyCheck struct {
	Levels []int // DefaultLevels (1, 4, 16) when empty; each at most 64
}

// ID implements core.Check.
func (ConcurrencyCheck) ID() string { return "resource.concurrency" }

// Stage implements core.Check.
func (ConcurrencyCheck) Stage() core.Stage { return core.StageResource }

// Title implements core.Check.
func (ConcurrencyCheck) Title() string { return "Concurrent expensive requests are not limited" }

func (c ConcurrencyCheck) levels() []int {
	ls := c.Levels
	if len(ls) == 0 {
		ls = DefaultLevels
	}
	out := make([]int, 0, len(ls))
	for _, l := range ls {
		out = append(out, min(max(l, 1), maxLevel))
	}
	return out
}

// Plan implements core.Check.
func (c ConcurrencyCheck) Plan(s *core.Scan) []core.PlannedRequest {
	n := 2 * aloneSamples
	ls := c.levels()
	for _, l := range ls {
		if l > 1 {
			n += l
		}
	}
	n += ls[len(ls)-1]
	return []core.PlannedRequest{{Endpoint: "*", Class: fmt.Sprintf("concurrency ramp %v on the expensive request page_size finds (loopback or --i-own-this-target only)", ls), Count: n}}
}

// Run implements core.Check.
func (c ConcurrencyCheck) Run(ctx context.Context, s *core.Scan) error {
	if !loopback(s) && !s.Config().OwnTarget {
		return core.Skip("the ramp runs only against a loopback target or with --i-own-this-target")
	}
	ex, ok := s.Get(expensiveKey).(expensive)
	if !ok {
		return core.Skip("no expensive request known: resource.page_size found no parameter that sets the cost")
	}
	ls := c.levels()
	stop := func(err error) error {
		if probe.Stopped(ctx, err) {
			s.CoverAs(ex.op.Key(), c.ID(), core.NotReached, "the scan ended first: "+err.Error())
			return err
		}
		s.CoverAs(ex.op.Key(), c.ID(), core.Skipped, err.Error(), present(ex.profile)...)
		return nil
	}
	single, err := c.alone(ctx, s, ex)
	if err != nil {
		return stop(err)
	}
	var steps []rampStep
	for _, l := range ls {
		if l == 1 {
			continue // measured alone, three times
		}
		st, err := c.step(ctx, s, ex, l)
		if err != nil {
			return stop(err)
		}
		steps = append(steps, st)
		if st.limited > 0 {
			s.CoverAs(ex.op.Key(), c.ID(), core.Tested, fmt.Sprintf("not vulnerable: %d of %d requests at concurrency %d were refused with 429/503",
				st.limited, l, l), present(ex.profile)...)
			return nil
		}
	}
	if len(steps) == 0 {
		return core.Skip("no concurrency step above 1 configured")
	}
	top := steps[len(steps)-1]
	if !collapsed(single.median, top.median) {
		s.CoverAs(ex.op.Key(), c.ID(), core.Tested, fmt.Sprintf("not vulnerable: median %s at concurrency %d against %s alone",
			top.median.Round(time.Millisecond), top.level, single.median.Round(time.Millisecond)), present(ex.profile)...)
		return nil
	}
	again, err := c.step(ctx, s, ex, top.level)
	if err != nil {
		return stop(err)
	}
	after, err := c.alone(ctx, s, ex)
	if err != nil {
		return stop(err)
	}
	if again.limited > 0 || !collapsed(single.median, again.median) || after.median > 2*single.median+50*time.Millisecond {
		s.CoverAs(ex.op.Key(), c.ID(), core.Tested, fmt.Sprintf("inconclusive: the repeat at %d gave %s (%d limited), a single request afterwards %s",
			top.level, again.median.Round(time.Millisecond), again.limited, after.median.Round(time.Millisecond)), present(ex.profile)...)
		return nil
	}
	steps = append([]rampStep{single}, steps...)
	var line []string
	for _, st := range steps {
		line = append(line, fmt.Sprintf("%d → %s", st.level, st.median.Round(time.Millisecond)))
	}
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            "Concurrent expensive requests are not limited",
		OWASP:            core.API4Resources,
		CWE:              400,
		Severity:         core.SeverityMedium,
		Confidence:       core.Confirmed,
		ConfidenceReason: "the top step slowed down twice without a single 429 or 503, and a lone request was fast again afterwards",
		Endpoint:         ex.op.Key(),
		Description: fmt.Sprintf("Concurrent calls of %s (%s) queue up instead of being limited: median answer time by concurrency %s, "+
			"repeat at %d: %s, no 429 or 503 at any step. A few clients make the API slow for everyone.",
			ex.op.Key(), ex.path, strings.Join(line, ", "), again.level, again.median.Round(time.Millisecond)),
		Evidence: []core.Exchange{
			noted(top.slowest, fmt.Sprintf("probe: the slowest of %d concurrent requests", top.level)),
			noted(again.slowest, "second probe: the slowest of the repeated step"),
			noted(single.slowest, "control: the request alone"),
			noted(after.slowest, "control: the request alone again, afterwards"),
		},
		Curl: probe.Curl(top.slowest.Exchange.Request),
		Remediation: "Bound concurrent expensive work in the API (a worker pool, a per-client semaphore). At the gateway: rate_limits " +
			"policies keyed by identity with a route cost (apis[].routes[].cost) for this operation, and load shedding " +
			"(limits.max_concurrent, limits.max_queue, limits.queue_timeout) so excess requests get 503 + Retry-After instead of queueing.",
	})
	s.CoverAs(ex.op.Key(), c.ID(), core.Tested, "vulnerable: no limit on concurrent expensive requests", present(ex.profile)...)
	return nil
}

// rampStep is what one concurrency step saw.
type rampStep struct {
	level   int
	median  time.Duration
	limited int // 429 and 503 answers
	slowest *core.Response
}

// aloneSamples is how many sequential requests measure the request alone.
const aloneSamples = 3

// alone sends the expensive request aloneSamples times, one after another.
func (c ConcurrencyCheck) alone(ctx context.Context, s *core.Scan, ex expensive) (rampStep, error) {
	st := rampStep{level: 1}
	var ds []time.Duration
	for range aloneSamples {
		one, err := c.step(ctx, s, ex, 1)
		if err != nil {
			return rampStep{}, err
		}
		st.limited += one.limited
		ds = append(ds, one.median)
		if st.slowest == nil || one.slowest.Duration > st.slowest.Duration {
			st.slowest = one.slowest
		}
	}
	st.median = median(ds)
	return st, nil
}

// step sends level copies of the expensive request at once.
func (c ConcurrencyCheck) step(ctx context.Context, s *core.Scan, ex expensive, level int) (rampStep, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		resps []*core.Response
		first error
	)
	for range level {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Do(ctx, core.Request{Method: http.MethodGet, Path: ex.path, Profile: ex.profile, Check: c.ID(),
				NoPacing: true, Timeout: sizeTimeout})
			mu.Lock()
			defer mu.Unlock()
			if err != nil && (r == nil || probe.Stopped(ctx, err)) {
				if first == nil {
					first = err
				}
				return
			}
			resps = append(resps, r)
		}()
	}
	wg.Wait()
	if first != nil && probe.Stopped(ctx, first) {
		return rampStep{}, first
	}
	if len(resps) == 0 {
		return rampStep{}, fmt.Errorf("no answer at concurrency %d: %w", level, first)
	}
	st := rampStep{level: level, slowest: resps[0]}
	var ds []time.Duration
	for _, r := range resps {
		ds = append(ds, r.Duration)
		if r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable {
			st.limited++
		}
		if r.Duration > st.slowest.Duration {
			st.slowest = r
		}
	}
	st.median = median(ds)
	return st, nil
}
