package exposure

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// MaxCrawlOperations bounds the GET operations the crawl reads. Each is
// read once per working profile, and once anonymously when the spec does
// not declare security for it.
const MaxCrawlOperations = 100

// crawlKey is the Scan value holding the shared crawl, so the three
// checks that analyse GET answers read the target once between them.
const crawlKey = "exposure.crawl"

// answer is one crawled response.
type answer struct {
	op      core.Operation
	path    string // the concrete path requested
	profile string // "" anonymous
	resp    *core.Response
}

// crawl is the shared result; once guards the first run.
type crawl struct {
	once    sync.Once
	answers []answer
	err     error
}

// sharedCrawl returns the scan's crawl, running it on first use. Two
// checks starting at the same instant may each crawl (Scan has no
// compare-and-set); that costs requests, never wrong results.
func sharedCrawl(ctx context.Context, s *core.Scan, check string) *crawl {
	c, _ := s.Get(crawlKey).(*crawl)
	if c == nil {
		c = &crawl{}
		s.Set(crawlKey, c)
	}
	c.once.Do(func() { c.run(ctx, s, check) })
	return c
}

// crawlTargets lists the GET operations read and as whom.
func crawlTargets(s *core.Scan) (ops []core.Operation, profiles []string) {
	ops = probe.Operations(s, "GET")
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Source == "spec" && ops[j].Source != "spec" })
	if len(ops) > MaxCrawlOperations {
		ops = ops[:MaxCrawlOperations]
	}
	return ops, probe.Profiles(s)
}

func (c *crawl) run(ctx context.Context, s *core.Scan, check string) {
	ops, profiles := crawlTargets(s)
	for _, op := range ops {
		as := append([]string(nil), profiles...)
		if !op.Secured {
			as = append([]string{""}, as...)
		}
		path := probe.ConcretePath(op)
		for _, p := range as {
			resp, err := s.Do(ctx, core.Request{Method: "GET", Path: path, Profile: p, Check: check})
			if probe.Stopped(ctx, err) {
				c.err = fmt.Errorf("crawling GET operations: %w", err)
				return
			}
			if err != nil || resp == nil || resp.Exchange.Response == nil {
				continue
			}
			c.answers = append(c.answers, answer{op: op, path: path, profile: p, resp: resp})
		}
	}
}

// covered records, for every crawled operation, that check analysed it.
func (c *crawl) cover(s *core.Scan, check string) {
	seen := map[string]bool{}
	for _, a := range c.answers {
		if !seen[a.op.Key()] {
			seen[a.op.Key()] = true
			s.Cover(a.op.Key(), check, core.Tested, "")
		}
	}
	ops, _ := crawlTargets(s)
	for _, op := range ops {
		if !seen[op.Key()] {
			status := core.Skipped
			reason := "no answer"
			if c.err != nil {
				status, reason = core.NotReached, c.err.Error()
			}
			s.Cover(op.Key(), check, status, reason)
		}
	}
}

// planCrawl lists the crawl's requests for --plan.
func planCrawl(s *core.Scan) []core.PlannedRequest {
	ops, profiles := crawlTargets(s)
	var out []core.PlannedRequest
	for _, op := range ops {
		n := len(profiles)
		if !op.Secured {
			n++
		}
		out = append(out, core.PlannedRequest{Endpoint: op.Key(), Class: "read as each profile (shared by the exposure checks)", Count: n})
	}
	return out
}
