package authz

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Guard authorizes requests per route and method and manages the identity
// headers sent to the upstream. It is safe for concurrent use and immutable
// after New.
type Guard struct {
	routes  map[pipeline.Route]*routeRules
	headers *identityHeaders
	maxBody int64
}

var _ pipeline.Guard = (*Guard)(nil)

// New validates cfg and builds a Guard: CIDRs are parsed, path templates
// compiled, JSON pointers parsed and header names checked here, so the
// request path never re-validates.
func New(cfg Config, opts Options) (*Guard, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Guard{maxBody: cfg.MaxBodyBytes}
	switch {
	case g.maxBody == 0:
		g.maxBody = DefaultMaxBodyBytes
	case g.maxBody < 0:
		return nil, fmt.Errorf("authz: MaxBodyBytes %d is negative", cfg.MaxBodyBytes)
	}
	var err error
	if g.headers, err = compileIdentityHeaders(cfg.IdentityHeaders, cfg.StripHeaders, log); err != nil {
		return nil, err
	}
	if g.routes, err = compileRules(cfg.Rules); err != nil {
		return nil, err
	}
	return g, nil
}

// Name returns "authz".
func (g *Guard) Name() string { return "authz" }

// Check removes client-sent identity headers, sets them from the request's
// Identity, then applies the rule of the request's route and method. It
// changes r in place (headers, and the body when a body ownership rule read
// it), so the request that goes on is correct in monitor mode too.
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	g.headers.strip(r.Header)
	id := pipeline.IdentityOf(r)
	if id != nil {
		if err := g.headers.set(r, id); err != nil {
			return nil, forbidden(RuleInvalidIdentity, "", pipeline.SeverityHigh, err)
		}
	}
	if len(g.routes) == 0 {
		return r, nil
	}
	route := pipeline.RouteOf(r)
	// Methods are case-sensitive in HTTP, but some frameworks upper-case
	// them before routing; matching "delete" as DELETE keeps the rule on.
	c := g.ruleFor(route, strings.ToUpper(r.Method))
	if c != nil {
		if d := g.evaluate(r, id, c); d != nil {
			return nil, d
		}
	}
	var denied *pipeline.Denial
	overriddenMethods(r, func(method string) {
		if oc := g.ruleFor(route, method); denied == nil && oc != nil && oc != c {
			denied = g.evaluate(r, id, oc)
		}
	})
	if denied != nil {
		return nil, denied
	}
	return r, nil
}

// ruleFor finds the most specific rule for an upper-case method: the
// route's rule for the method, the route's rule for any method, then the
// same two of the API's default rule (Route ""). nil means no rule applies.
func (g *Guard) ruleFor(route pipeline.Route, method string) *rule {
	if c := g.routes[route].lookup(method); c != nil {
		return c
	}
	if route.Route != "" {
		return g.routes[pipeline.Route{API: route.API}].lookup(method)
	}
	return nil
}

func (rr *routeRules) lookup(method string) *rule {
	if rr == nil {
		return nil
	}
	if c, ok := rr.byMethod[method]; ok {
		return c
	}
	return rr.any
}

// evaluate applies a rule's checks, cheapest first: IP lists, identity,
// scopes and roles (OWASP API5:2023, BFLA), then ownership (API1:2023, BOLA).
func (g *Guard) evaluate(r *http.Request, id *pipeline.Identity, c *rule) *pipeline.Denial {
	if len(c.allow) > 0 || len(c.deny) > 0 {
		if d := checkIP(r, c); d != nil {
			return d
		}
	}
	if !c.needsIdentity {
		return nil
	}
	if id == nil {
		category := CategoryBFLA
		if len(c.scopes) == 0 && len(c.roles) == 0 {
			category = CategoryBOLA
		}
		return forbidden(RuleNoIdentity, category, pipeline.SeverityMedium,
			fmt.Errorf("%s: the rule needs an authenticated identity and the request has none", c.where))
	}
	for _, s := range c.scopes {
		if !slices.Contains(id.Scopes, s) {
			return forbidden(RuleMissingScope, CategoryBFLA, pipeline.SeverityHigh,
				fmt.Errorf("%s: subject %q lacks scope %q", c.where, id.Subject, s))
		}
	}
	if len(c.roles) > 0 && !holdsAny(id.Roles, c.roles) {
		return forbidden(RuleMissingRole, CategoryBFLA, pipeline.SeverityHigh,
			fmt.Errorf("%s: subject %q has none of the roles %q", c.where, id.Subject, c.roles))
	}
	if c.owner != nil {
		return g.checkOwner(r, id, c)
	}
	return nil
}

// checkIP applies the IP lists to the client address the chain resolved.
// Deny wins over allow. A client address that cannot be known fails closed.
func checkIP(r *http.Request, c *rule) *pipeline.Denial {
	// A zone ("fe80::1%eth0") would make every Prefix.Contains false and
	// slip past a deny list.
	addr := pipeline.ClientIP(r).Unmap().WithZone("")
	if !addr.IsValid() {
		return forbidden(RuleIPUnknown, "", pipeline.SeverityMedium,
			fmt.Errorf("%s: the client address is unknown and the rule has IP lists", c.where))
	}
	for _, p := range c.deny {
		if p.Contains(addr) {
			return forbidden(RuleIPDenied, "", pipeline.SeverityMedium, fmt.Errorf("%s: client %s is inside denied %s", c.where, addr, p))
		}
	}
	if len(c.allow) == 0 {
		return nil
	}
	for _, p := range c.allow {
		if p.Contains(addr) {
			return nil
		}
	}
	return forbidden(RuleIPNotAllowed, "", pipeline.SeverityMedium, fmt.Errorf("%s: client %s is outside the allowed networks", c.where, addr))
}
