package attack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/attack/spec"
)

// Engine request ids (core.Request.Check) for what the engine itself sends.
const (
	preflightCheck = "rampart.preflight"
)

// stopGrace is how long a check that ignores the end of the scan (its
// context) is waited for before the engine gives up on it.
const stopGrace = 3 * time.Second

// Run performs one scan and returns its report; see the package doc.
func Run(ctx context.Context, opts Options) (*core.Report, error) {
	registry := opts.checks
	if registry == nil {
		registry = allChecks()
	}
	selected, err := selectChecks(registry, opts.Checks)
	if err != nil {
		return nil, err
	}
	target, err := url.Parse(opts.Target)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, &OptionsError{Msg: fmt.Sprintf("target %q: want an absolute http:// or https:// URL", opts.Target)}
	}
	var ops []core.Operation
	var specErr error
	specNote := ""
	if opts.SpecFile != "" {
		ops, specErr = spec.LoadFile(opts.SpecFile, spec.Options{AdminEndpoints: opts.AdminEndpoints, TargetPath: target.Path})
		var se *spec.Error
		if specErr != nil && !errors.As(specErr, &se) {
			return nil, &OptionsError{Msg: specErr.Error()} // missing or unreadable: a usage error
		}
		specNote = "file " + opts.SpecFile
	}
	r := &runner{opts: opts, selected: selected, rep: &core.Report{
		Tool: "rampart attack", Version: opts.Version, Target: opts.Target, Started: time.Now().UTC(), Spec: specNote,
	}}
	s, err := core.NewScan(core.Config{
		Target: opts.Target, Scope: opts.Scope, MaxRequests: opts.MaxRequests, Rate: opts.Rate,
		Duration: opts.Duration, Safe: opts.Safe, OwnTarget: opts.OwnTarget, Timeout: opts.Timeout,
		Profiles: opts.Profiles, Operations: ops, CanaryEvery: opts.CanaryEvery, TLSClientConfig: opts.TLS,
		Logf: r.logf, OnRequest: r.onRequest,
	})
	if err != nil {
		return nil, &OptionsError{Msg: err.Error()}
	}
	defer s.Close()
	r.scan = s
	if specErr != nil {
		r.incomplete("spec: " + specErr.Error())
		r.rep.Spec = "file " + opts.SpecFile + " (did not parse)"
		return r.finish(ctx, "the spec did not parse"), nil
	}
	if opts.Plan {
		return r.plan(ctx), nil
	}
	if err := r.preflight(ctx); err != nil {
		r.incomplete(err.Error())
		return r.finish(ctx, "the target did not answer"), nil
	}
	if opts.SpecFile == "" {
		r.discoverSpec(ctx)
	} else {
		r.note(fmt.Sprintf("spec: %d operations from %s", len(ops), opts.SpecFile))
	}
	r.login(ctx)
	r.runStages(ctx)
	return r.finish(ctx, ""), nil
}

// runner is one Run's state.
type runner struct {
	opts     Options
	selected []core.Check
	scan     *core.Scan
	rep      *core.Report
	runs     []core.CheckRun

	// mu guards what progress events read: requests are counted on the
	// checks' goroutines.
	mu    sync.Mutex
	done  int
	stage core.Stage
}

func (r *runner) setStage(st core.Stage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stage = st
}

func (r *runner) checkDone() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done++
}

func (r *runner) logf(format string, args ...any) {
	if r.opts.Logf != nil {
		r.opts.Logf(format, args...)
	}
}

func (r *runner) emit(p Progress) {
	if r.opts.Progress == nil {
		return
	}
	r.mu.Lock()
	p.Total, p.Done, p.MaxRequests = len(r.selected), r.done, r.opts.MaxRequests
	if p.Stage == "" {
		p.Stage = r.stage
	}
	r.mu.Unlock()
	if r.scan != nil && p.Kind != ProgressRequest {
		p.Requests = r.scan.Sent()
		p.Findings = len(r.scan.Findings())
	}
	r.opts.Progress(p)
}

func (r *runner) onRequest(check string, sent int) {
	r.emit(Progress{Kind: ProgressRequest, Check: check, Requests: sent})
}

func (r *runner) note(msg string) { r.emit(Progress{Kind: ProgressNote, Message: msg}) }

// incomplete adds a reason the scan is not complete (once).
func (r *runner) incomplete(reason string) {
	for _, have := range r.rep.Incomplete {
		if have == reason {
			return
		}
	}
	r.rep.Incomplete = append(r.rep.Incomplete, reason)
}

// preflight asks for the target's base URL once: any HTTP answer will do.
// Without one there is nothing to test, and every check would fail alike.
func (r *runner) preflight(ctx context.Context) error {
	resp, err := r.scan.Do(ctx, core.Request{Check: preflightCheck})
	if err == nil {
		r.note(fmt.Sprintf("target answers: %d on GET %s", resp.Status, r.opts.Target))
		return nil
	}
	var te *core.TimeoutError
	switch {
	case errors.As(err, &te):
		return fmt.Errorf("target did not answer within %s (GET %s)", te.After, te.URL)
	case ctx.Err() != nil:
		return errors.New("interrupted")
	case errors.Is(err, core.ErrBudget):
		return fmt.Errorf("no request allowed: %v", err)
	}
	return fmt.Errorf("target unreachable or not speaking HTTP: %v", err)
}

// discoverSpec looks for the spec on the target; the scan goes on without
// one (discovery checks find endpoints by other means).
func (r *runner) discoverSpec(ctx context.Context) {
	ops, where, err := spec.Discover(ctx, r.scan, spec.Options{AdminEndpoints: r.opts.AdminEndpoints, TargetPath: r.scan.Target().Path})
	var se *spec.Error
	switch {
	case err == nil:
		for _, op := range ops {
			r.scan.AddOperation(op)
		}
		r.rep.Spec = "discovered at " + where
		r.note(fmt.Sprintf("spec: %d operations discovered at %s", len(ops), where))
	case errors.As(err, &se):
		r.rep.Spec = "found at " + se.Source + " but it did not parse"
		r.incomplete("spec: " + err.Error())
		r.note("spec: " + err.Error())
	case errors.Is(err, spec.ErrNotFound):
		r.rep.Spec = "none found at the well-known locations"
		r.note("spec: none found at the well-known locations; testing discovered endpoints only (give one with --spec)")
	default:
		r.rep.Spec = "not looked for: " + err.Error()
		r.note("spec: " + err.Error())
	}
}

// login logs the profiles in and proves them with their canaries. A
// failure makes the scan incomplete but not pointless: anonymous checks
// and the other profiles still run.
func (r *runner) login(ctx context.Context) {
	if len(r.opts.Profiles) == 0 {
		return
	}
	err := r.scan.Login(ctx)
	for _, e := range unjoin(err) {
		r.incomplete("login: " + e.Error())
	}
	for _, pi := range r.scan.ProfileInfos() {
		state := "ok"
		if !pi.Working {
			state = "NOT WORKING"
		}
		r.note(fmt.Sprintf("auth profile %s: %s (%s)", pi.Name, state, pi.Detail))
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// finish builds the report. why, when set, is the reason no check ran.
func (r *runner) finish(ctx context.Context, why string) *core.Report {
	ran := map[string]bool{}
	for _, cr := range r.runs {
		ran[cr.ID] = true
	}
	for _, c := range r.selected {
		if ran[c.ID()] {
			continue
		}
		reason := why
		if reason == "" {
			reason = "the scan ended first"
		}
		r.runs = append(r.runs, core.CheckRun{ID: c.ID(), Stage: c.Stage(), Title: c.Title(), Status: core.CheckNotReached, Reason: reason})
		r.scan.Cover("*", c.ID(), core.NotReached, reason)
	}
	s := r.scan
	if ctx.Err() != nil {
		r.incomplete("interrupted")
	}
	for _, pi := range s.ProfileInfos() {
		if !pi.Working && !r.loginFailureRecorded(pi.Name) {
			r.incomplete(fmt.Sprintf("auth profile %s stopped working: %s", pi.Name, pi.Detail))
		}
	}
	rep := r.rep
	rep.Finished = time.Now().UTC()
	rep.Requests = s.Sent()
	rep.Checks = r.runs
	rep.Operations = s.Operations()
	rep.Findings = s.Findings()
	rep.Coverage = s.Ledger()
	rep.Profiles = s.ProfileInfos()
	rep.Complete = len(rep.Incomplete) == 0
	if rep.Operations == nil {
		rep.Operations = []core.Operation{}
	}
	return rep
}

func (r *runner) loginFailureRecorded(profile string) bool {
	for _, reason := range r.rep.Incomplete {
		if strings.HasPrefix(reason, "login: ") && strings.Contains(reason, "profile "+profile+":") {
			return true
		}
	}
	return false
}
