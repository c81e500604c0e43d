package attack

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// runStages runs the selected checks in stage order, one at a time: the
// checks share the budget and the target's patience, and their evidence is
// easier to read when their requests do not interleave. After each stage
// that sent requests, the auth canaries run, so that a profile a stage
// broke (an account locked by the brute-force probe) is caught before the
// next stage trusts it.
func (r *runner) runStages(ctx context.Context) {
	if d := r.scan.Deadline(); !d.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d)
		defer cancel()
	}
	for _, st := range core.Stages {
		var stageChecks []core.Check
		for _, c := range r.selected {
			if c.Stage() == st {
				stageChecks = append(stageChecks, c)
			}
		}
		if len(stageChecks) == 0 {
			continue
		}
		r.setStage(st)
		r.emit(Progress{Kind: ProgressStage})
		before := r.scan.Sent()
		for _, c := range stageChecks {
			cr := r.runCheck(ctx, c)
			r.runs = append(r.runs, cr)
			r.checkDone()
			r.emit(Progress{Kind: ProgressCheckDone, Check: c.ID(), Status: cr.Status, Message: cr.Reason})
		}
		if r.scan.Sent() > before && r.scan.Exhausted() == nil && ctx.Err() == nil {
			r.scan.CheckAuth(ctx)
		}
	}
	// Checks of a stage core.Stages does not name still run, last.
	for _, c := range r.selected {
		if !knownStage(c.Stage()) {
			r.setStage(c.Stage())
			cr := r.runCheck(ctx, c)
			r.runs = append(r.runs, cr)
			r.checkDone()
			r.emit(Progress{Kind: ProgressCheckDone, Check: c.ID(), Status: cr.Status, Message: cr.Reason})
		}
	}
	if r.scan.Exhausted() == nil && ctx.Err() == nil {
		r.scan.CheckAuth(ctx)
	}
}

func knownStage(s core.Stage) bool {
	for _, st := range core.Stages {
		if st == s {
			return true
		}
	}
	return false
}

// stopReason says why no further check may start, "" when they may.
func (r *runner) stopReason(ctx context.Context) string {
	if err := r.scan.Exhausted(); err != nil {
		return r.budgetReason(err)
	}
	if ctx.Err() != nil {
		if !r.scan.Deadline().IsZero() && !time.Now().Before(r.scan.Deadline()) {
			return fmt.Sprintf("the scan duration of %s ran out", r.opts.Duration)
		}
		return "interrupted"
	}
	return ""
}

// budgetReason words an ErrBudget or ErrDeadline for the report.
func (r *runner) budgetReason(err error) string {
	if errors.Is(err, core.ErrDeadline) {
		return fmt.Sprintf("the scan duration of %s ran out", r.opts.Duration)
	}
	return fmt.Sprintf("the request budget of %d ran out", r.opts.MaxRequests)
}

// panicError is a check's panic turned into an error.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// runCheck runs one check and says what happened to it. A check that
// panics is recovered and recorded as failed; one that does not return
// when the scan ends is waited for briefly, then left behind (its
// requests are refused by then).
func (r *runner) runCheck(ctx context.Context, c core.Check) core.CheckRun {
	cr := core.CheckRun{ID: c.ID(), Stage: c.Stage(), Title: c.Title()}
	if why := r.stopReason(ctx); why != "" {
		cr.Status, cr.Reason = core.CheckNotReached, why
		r.scan.Cover("*", c.ID(), core.NotReached, why)
		r.incomplete(why)
		return cr
	}
	r.emit(Progress{Kind: ProgressCheckStart, Check: c.ID()})
	start := time.Now()
	before := r.scan.SentBy(c.ID()) + r.scan.SentBy("")
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- &panicError{value: v, stack: debug.Stack()}
			}
		}()
		done <- c.Run(ctx, r.scan)
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		grace := stopGrace
		if r.opts.grace > 0 {
			grace = r.opts.grace
		}
		t := time.NewTimer(grace)
		select {
		case err = <-done:
		case <-t.C:
			err = fmt.Errorf("did not stop within %s of the scan's end", grace)
		}
		t.Stop()
	}
	cr.Seconds = time.Since(start).Seconds()
	cr.Requests = r.scan.SentBy(c.ID()) + r.scan.SentBy("") - before
	r.classify(ctx, &cr, err)
	return cr
}

// classify turns a check's result into its CheckRun status.
func (r *runner) classify(ctx context.Context, cr *core.CheckRun, err error) {
	var pe *panicError
	reason, skipped := core.IsSkip(err)
	switch {
	case err == nil:
		cr.Status = core.CheckRan
	case skipped:
		cr.Status, cr.Reason = core.CheckSkipped, reason
	case errors.As(err, &pe):
		cr.Status, cr.Reason = core.CheckFailed, pe.Error()
		r.logf("check %s panicked: %v\n%s", cr.ID, pe.value, pe.stack)
		r.incomplete(fmt.Sprintf("check %s failed: %s", cr.ID, pe.Error()))
	case errors.Is(err, core.ErrBudget):
		why := r.stopReason(ctx)
		if why == "" {
			why = r.budgetReason(err)
		}
		cr.Status, cr.Reason = core.CheckRan, "cut short: "+why
		r.incomplete(why)
	case errors.Is(err, core.ErrProfileDown):
		cr.Status, cr.Reason = core.CheckSkipped, err.Error()
	case ctx.Err() != nil:
		why := r.stopReason(ctx)
		cr.Status, cr.Reason = core.CheckRan, "cut short: "+why
		r.incomplete(why)
	default:
		cr.Status, cr.Reason = core.CheckFailed, err.Error()
		r.incomplete(fmt.Sprintf("check %s failed: %s", cr.ID, err.Error()))
	}
}
