package objects

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// storeWarnEvery bounds the store failure warnings: one a minute.
const storeWarnEvery = time.Minute

// Guard refuses direct access to objects the API never served to the
// subject, and learns what it serves from responses. It is safe for
// concurrent use and immutable after New (but for its warning clock).
type Guard struct {
	routes       map[pipeline.Route]*routeRules
	marks        Marks
	maxBody      int64
	maxIDs       int
	failOpen     bool
	log          *slog.Logger
	now          func() time.Time
	onDenied     func(namespace, rule string)
	onLearned    func(namespace string, n int)
	onStoreError func(op string)
	lastWarn     atomic.Int64 // Unix ns of the last store failure warning
}

var (
	_ pipeline.Guard            = (*Guard)(nil)
	_ pipeline.ResponseObserver = (*Guard)(nil)
)

// learnTagKey is the context key of a learnTag.
type learnTagKey struct{}

// learnTag is what Check tells ObserveResponse about a request it admitted
// on a route that both checks and learns: the object types the request
// accessed directly (none for a list or a create). A request without a
// tag was refused and let through (monitor mode, a flagging rule, an open
// store failure): its response teaches nothing, or the access the guard
// refused would legitimise itself.
//
// The tag is set by Check, which reads the path as the client sent it;
// ObserveResponse sees the upstream's request, whose path the proxy may
// have rewritten (StripPrefix), so it could not reliably tell accesses
// apart by itself.
type learnTag struct {
	accessed []string
}

// New validates cfg and builds a Guard: templates, pointers and methods
// are compiled here, so the request path never re-validates.
func New(cfg Config, opts Options) (*Guard, error) {
	if opts.Marks == nil {
		return nil, errors.New("objects: Options.Marks is required")
	}
	g := &Guard{
		marks:        opts.Marks,
		maxBody:      cfg.MaxBodyBytes,
		maxIDs:       cfg.MaxIDsPerResponse,
		log:          opts.Logger,
		now:          opts.Now,
		onDenied:     opts.OnDenied,
		onLearned:    opts.OnLearned,
		onStoreError: opts.OnStoreError,
	}
	switch {
	case g.maxBody < 0:
		return nil, fmt.Errorf("objects: MaxBodyBytes %d is negative", g.maxBody)
	case g.maxBody == 0:
		g.maxBody = DefaultMaxBodyBytes
	}
	switch {
	case g.maxIDs < 0:
		return nil, fmt.Errorf("objects: MaxIDsPerResponse %d is negative", g.maxIDs)
	case g.maxIDs == 0:
		g.maxIDs = DefaultMaxIDsPerResponse
	}
	switch cfg.OnStoreError {
	case "", FailClosed:
	case FailOpen:
		g.failOpen = true
	default:
		return nil, fmt.Errorf("objects: unknown fail mode %q (want open or closed)", cfg.OnStoreError)
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	var err error
	if g.routes, err = compileRules(cfg.Rules); err != nil {
		return nil, err
	}
	return g, nil
}

// Name returns "objects".
func (g *Guard) Name() string { return "objects" }

// rulesFor returns the rules of a route: its own (with its API's), or its
// API's.
func (g *Guard) rulesFor(route pipeline.Route) *routeRules {
	if e := g.routes[route]; e != nil {
		return e
	}
	if route.Route != "" {
		return g.routes[pipeline.Route{API: route.API}]
	}
	return nil
}

// Check refuses a direct object access (a request whose path matches a
// rule's template, with a checked method) unless the object's id was
// served to the request's subject. A request without an Identity passes:
// the guard cannot tell whose it is, and authentication (authn, authz's
// rules) decides whether it may go on at all.
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	e := g.rulesFor(pipeline.RouteOf(r))
	if e == nil || len(e.access) == 0 {
		return r, nil
	}
	id := pipeline.IdentityOf(r)
	if id == nil {
		return r, nil
	}
	var tag *learnTag
	allServed := true
	for _, a := range e.access {
		if !a.checks(r) {
			continue
		}
		ids, n := a.template.objectIDs(r.URL)
		if n == 0 {
			continue
		}
		tag = tag.with(a)
		if holdsAny(id.Scopes, a.overrideScopes) || holdsAny(id.Roles, a.overrideRoles) {
			continue
		}
		for _, objectID := range ids[:n] {
			served, d := g.checkServed(r, id, a, objectID)
			if d != nil {
				return nil, d
			}
			allServed = allServed && served
		}
	}
	if !e.tagged || !allServed || !e.teaches(r.Method) {
		return r, nil
	}
	if tag == nil {
		tag = e.plain
	}
	return r.WithContext(context.WithValue(r.Context(), learnTagKey{}, tag)), nil
}

// with adds a's type to the tag: a's own shared tag for a first access,
// a new one for a path that accesses several types.
func (t *learnTag) with(a *accessRule) *learnTag {
	switch {
	case t == nil:
		return a.tag
	case slices.Contains(t.accessed, a.namespace):
		return t
	}
	return &learnTag{accessed: append(slices.Clip(t.accessed), a.namespace)}
}

// checkServed looks up the mark of objectID for the identity. It reports
// whether the id was served, and the Denial when the request must stop;
// neither means a flagging rule or an open store failure let it pass.
func (g *Guard) checkServed(r *http.Request, id *pipeline.Identity, a *accessRule, objectID string) (bool, *pipeline.Denial) {
	if id.Subject == "" {
		return false, g.refuse(r, a, RuleNoSubject,
			fmt.Errorf("%s: the identity has no subject to tie %s %q to", a.where, a.namespace, clip(objectID)))
	}
	_, found, err := g.marks.GetMark(r.Context(), Namespace, markKey(a.namespace, id, objectID))
	switch {
	case err != nil:
		return false, g.storeFailed(r, "get", fmt.Errorf("%s: checking %s %q of subject %q: %w", a.where, a.namespace, clip(objectID), id.Subject, err))
	case found:
		return true, nil
	}
	return false, g.refuse(r, a, RuleNotServed,
		fmt.Errorf("%s: %s %q was never served to subject %q", a.where, a.namespace, clip(objectID), id.Subject))
}

// refuse reports a refused access, and returns its Denial, or nil when the
// rule only flags: then the request goes on with the same "denial" Event a
// monitored denial leaves, so detectors see one shape either way.
func (g *Guard) refuse(r *http.Request, a *accessRule, rule string, cause error) *pipeline.Denial {
	if g.onDenied != nil {
		g.onDenied(a.namespace, rule)
	}
	d := forbidden(rule, cause)
	if !a.flag {
		return d
	}
	g.log.LogAttrs(r.Context(), slog.LevelDebug, "object access flagged", slog.String("guard", g.Name()),
		slog.String("rule", rule), slog.String("request_id", pipeline.RequestID(r)), slog.Any("cause", cause))
	pipeline.AddEvent(r, pipeline.Event{Kind: "denial", Severity: d.Severity, Category: d.Category,
		Guard: g.Name(), Rule: rule, Message: d.PublicMessage, Monitor: true})
	return nil
}

// storeFailed applies the fail mode: nil to go on (open), or the 503.
func (g *Guard) storeFailed(r *http.Request, op string, err error) *pipeline.Denial {
	if r.Context().Err() != nil {
		// The client went away and took the lookup with it: no store
		// failure to report, and no one to answer.
		return unavailable(true, err)
	}
	first := g.storeError(r.Context(), op, err)
	if g.failOpen {
		return nil
	}
	return unavailable(!first, err)
}

// storeError reports a store failure to the hook, and to the log at most
// once per storeWarnEvery; it reports whether it logged.
func (g *Guard) storeError(ctx context.Context, op string, err error) bool {
	if g.onStoreError != nil {
		g.onStoreError(op)
	}
	now := g.now().UnixNano()
	last := g.lastWarn.Load()
	if last != 0 && now-last < int64(storeWarnEvery) || !g.lastWarn.CompareAndSwap(last, now) {
		return false
	}
	g.log.LogAttrs(ctx, slog.LevelWarn, "objects store failed", slog.String("op", op),
		slog.Bool("fail_open", g.failOpen), slog.Any("error", err))
	return true
}

// checks reports whether r is checked by the rule: its method, or a
// method it asks the upstream to take it for, is one the rule covers.
func (a *accessRule) checks(r *http.Request) bool {
	if a.coversMethod(r.Method) {
		return true
	}
	covered := false
	overriddenMethods(r, func(m string) {
		covered = covered || a.coversMethod(m)
	})
	return covered
}

func (a *accessRule) coversMethod(m string) bool {
	m = upperASCII(m)
	if a.methods == nil {
		return m != http.MethodPost
	}
	return a.methods[m]
}

// upperASCII upper-cases m without allocating when it already is.
func upperASCII(m string) string {
	for i := 0; i < len(m); i++ {
		if m[i] >= 'a' && m[i] <= 'z' {
			return strings.ToUpper(m)
		}
	}
	return m
}

// holdsAny reports whether held contains one of want.
func holdsAny(held, want []string) bool {
	for _, w := range want {
		if slices.Contains(held, w) {
			return true
		}
	}
	return false
}

// clip bounds an attacker-chosen id quoted in a log cause.
func clip(s string) string {
	const max = 128
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
