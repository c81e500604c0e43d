package attack

import (
	"context"
	"fmt"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// plan asks every selected check what it would send. The only requests
// are the spec discovery's, when no --spec file was given: the plan needs
// the operations.
func (r *runner) plan(ctx context.Context) *core.Report {
	if r.opts.SpecFile == "" {
		r.discoverSpec(ctx)
	}
	for _, c := range r.selected {
		pc := core.PlannedCheck{ID: c.ID(), Stage: c.Stage(), Title: c.Title()}
		reqs, err := planOf(c, r.scan)
		if err != nil {
			r.incomplete(fmt.Sprintf("check %s: plan failed: %v", c.ID(), err))
		}
		pc.Requests = reqs
		if pc.Requests == nil {
			pc.Requests = []core.PlannedRequest{}
		}
		r.rep.Plan = append(r.rep.Plan, pc)
	}
	rep := r.rep
	rep.Finished = time.Now().UTC()
	rep.Requests = r.scan.Sent()
	rep.Operations = r.scan.Operations()
	if rep.Operations == nil {
		rep.Operations = []core.Operation{}
	}
	rep.Profiles = r.scan.ProfileInfos()
	rep.Complete = len(rep.Incomplete) == 0
	return rep
}

// planOf calls c.Plan, turning a panic into an error.
func planOf(c core.Check, s *core.Scan) (reqs []core.PlannedRequest, err error) {
	defer func() {
		if v := recover(); v != nil {
			reqs, err = nil, fmt.Errorf("panic: %v", v)
		}
	}()
	return c.Plan(s), nil
}
