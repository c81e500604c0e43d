package schema

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/openapi"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// Guard validates requests against an OpenAPI document and hardens JSON
// bodies. It is safe for concurrent use and immutable after New.
type Guard struct {
	spec         *openapi.Spec
	mode         Mode
	ops          map[*openapi.Operation]*operation
	undocumented Mode
	response     Mode
	limits       inspect.Limits
	maxBody      int64
	maxResponse  int64
	prefix       string
}

// operation is the guard's per-operation setting, resolved at New.
type operation struct {
	mode Mode
	// plan is handed to requests that pass in enforce mode; nil otherwise.
	plan *openapi.ScanPlan
}

var (
	_ pipeline.Guard            = (*Guard)(nil)
	_ pipeline.ResponseObserver = (*Guard)(nil)
)

// New validates cfg and builds a Guard.
func New(cfg Config) (*Guard, error) {
	g := &Guard{
		spec:         cfg.Spec,
		mode:         cfg.Mode.or(Enforce),
		undocumented: cfg.Undocumented.or(Enforce),
		response:     cfg.ResponseValidation.or(Off),
		limits:       cfg.JSONLimits,
		maxBody:      cfg.MaxBodyBytes,
		maxResponse:  cfg.MaxResponseBytes,
	}
	switch {
	case g.maxBody == 0:
		g.maxBody = DefaultMaxBodyBytes
	case g.maxBody < 0:
		return nil, fmt.Errorf("schema: max body bytes %d is negative", g.maxBody)
	}
	switch {
	case g.maxResponse == 0:
		g.maxResponse = DefaultMaxResponseBytes
	case g.maxResponse < 0:
		return nil, fmt.Errorf("schema: max response bytes %d is negative", g.maxResponse)
	}
	if p := cfg.PathPrefix; p != "" {
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#") {
			return nil, fmt.Errorf("schema: path prefix %q must be a path starting with /", p)
		}
		g.prefix = strings.TrimRight(p, "/")
	}
	if cfg.Spec == nil {
		if len(cfg.Operations) > 0 {
			return nil, errors.New("schema: operations are set but there is no spec")
		}
		return g, nil
	}
	g.ops = make(map[*openapi.Operation]*operation, len(cfg.Spec.Operations()))
	for _, op := range cfg.Spec.Operations() {
		g.ops[op] = &operation{mode: g.mode}
	}
	for key, m := range cfg.Operations {
		op := cfg.Spec.Operation(key)
		if op == nil {
			return nil, fmt.Errorf("schema: operations: %q names no operation of %s (use an operationId or \"METHOD /path\")", key, cfg.Spec.File())
		}
		g.ops[op].mode = m.or(g.mode)
	}
	offset := strings.Count(g.prefix, "/")
	for op, o := range g.ops {
		if o.mode == Enforce {
			o.plan = op.Plan().WithPathOffset(offset)
		}
	}
	return g, nil
}

// Name returns "schema".
func (g *Guard) Name() string { return "schema" }

// PlanFor returns the scan plan of a request this guard validated and
// admitted in enforce mode, or nil (skip nothing): call it from a later
// guard (the injection detector) with the request that guard received.
func (g *Guard) PlanFor(r *http.Request) *openapi.ScanPlan {
	return openapi.PlanFromContext(r.Context())
}

// Check hardens a JSON body, matches the request to an operation and
// validates it. A request that passes in enforce mode continues with its
// scan plan in its context.
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	if g.spec == nil {
		return r, g.harden(r)
	}
	path, ok := g.stripPrefix(r.URL.EscapedPath())
	var op *openapi.Operation
	var params map[string]string
	status := http.StatusNotFound
	if ok {
		op, params, status = g.spec.Find(r.Method, path)
	}
	if op == nil {
		return g.undocumentedDenial(r, status, path)
	}
	o := g.ops[op]
	body, err := g.body(r, o.mode != Off && op.BodyWanted(r.Header))
	if err != nil {
		return nil, err
	}
	if o.mode == Off {
		return r, nil
	}
	if verr := op.ValidateRequest(r, params, body); verr != nil {
		// In monitor mode the request goes on: response validation still
		// needs its operation (no scan plan: nothing was enforced).
		return g.deny(g.remember(r, op, nil), o.mode, validationDenial(op, verr))
	}
	return g.remember(r, op, o.plan), nil
}

// operationKey carries the matched operation to ObserveResponse: the
// proxy may rewrite the path (strip a prefix) before the response comes
// back, so the response's request cannot be matched again reliably.
type operationKey struct{}

// remember attaches what later stages and the response observer need:
// the scan plan of a request admitted in enforce mode, and the operation
// when responses are validated. Each costs a context value, so only what
// is used is attached.
func (g *Guard) remember(r *http.Request, op *openapi.Operation, plan *openapi.ScanPlan) *http.Request {
	if plan == nil && g.response == Off {
		return r
	}
	ctx := r.Context()
	if plan != nil {
		ctx = openapi.ContextWithPlan(ctx, plan)
	}
	if g.response != Off {
		ctx = context.WithValue(ctx, operationKey{}, op)
	}
	return r.WithContext(ctx)
}

// stripPrefix removes the configured prefix at a segment boundary.
func (g *Guard) stripPrefix(path string) (string, bool) {
	if g.prefix == "" {
		return path, true
	}
	rest, ok := strings.CutPrefix(path, g.prefix)
	switch {
	case !ok:
		return "", false
	case rest == "":
		return "/", true
	case rest[0] != '/':
		return "", false // "/apix" is not under "/api"
	}
	return rest, true
}

// undocumentedDenial refuses, reports or lets through a request the
// document does not describe.
func (g *Guard) undocumentedDenial(r *http.Request, status int, path string) (*http.Request, error) {
	if g.undocumented != Enforce {
		// It goes on: its JSON body is still hardened.
		if err := g.harden(r); err != nil {
			return nil, err
		}
	}
	if g.undocumented == Off {
		return r, nil
	}
	var d *pipeline.Denial
	if status == http.StatusMethodNotAllowed {
		d = methodDenial(r.Method, g.spec.Allowed(path))
	} else {
		d = undocumentedEndpoint()
	}
	return g.deny(r, g.undocumented, d)
}

// deny returns d as the guard's verdict. In monitor mode (per operation,
// finer than the guard's stage) the denial asks the Chain to record it as
// monitored: the request goes on and its Outcome is flagged.
func (g *Guard) deny(r *http.Request, mode Mode, d *pipeline.Denial) (*http.Request, error) {
	if mode == Monitor {
		d.Monitor = true
		return r, d
	}
	return nil, d
}
