package authz

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"unicode"

	"github.com/rampartsec/rampart/internal/jsonptr"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// rule is a compiled Rule: CIDRs parsed, template compiled, pointer parsed.
type rule struct {
	where         string // "api/route METHODS", for causes in logs
	scopes, roles []string
	allow, deny   []netip.Prefix
	needsIdentity bool
	owner         *ownerCheck
}

// ownerCheck is a compiled OwnerRule.
type ownerCheck struct {
	param, in, claim string
	template         *pathTemplate
	segment          int             // index of Param in template (in path)
	pointer          jsonptr.Pointer // in body
	overrideScopes   []string
	overrideRoles    []string
}

// routeRules holds the rules of one route.
type routeRules struct {
	byMethod map[string]*rule
	any      *rule // for methods without their own rule; nil = none
}

// compileRules validates the rules and indexes them by route and method.
func compileRules(rules []RouteRule) (map[pipeline.Route]*routeRules, error) {
	routes := map[pipeline.Route]*routeRules{}
	for i := range rules {
		rr := &rules[i]
		label := fmt.Sprintf("rule %d (%s/%s)", i, rr.Route.API, rr.Route.Route)
		if rr.Route.API == "" {
			return nil, fmt.Errorf("authz: %s: route has no API name", label)
		}
		c, err := compileRule(&rr.Rule)
		if err != nil {
			return nil, fmt.Errorf("authz: %s: %w", label, err)
		}
		c.where = rr.Route.API + "/" + rr.Route.Route
		entry := routes[rr.Route]
		if entry == nil {
			entry = &routeRules{byMethod: map[string]*rule{}}
			routes[rr.Route] = entry
		}
		if len(rr.Methods) == 0 {
			if entry.any != nil {
				return nil, fmt.Errorf("authz: %s: the route already has a rule for every method", label)
			}
			entry.any = c
			c.where += " *"
			continue
		}
		for _, m := range rr.Methods {
			if !validToken(m) {
				return nil, fmt.Errorf("authz: %s: invalid method %q", label, m)
			}
			m = strings.ToUpper(m)
			if _, dup := entry.byMethod[m]; dup {
				return nil, fmt.Errorf("authz: %s: method %s already has a rule on this route", label, m)
			}
			entry.byMethod[m] = c
		}
		c.where += " " + strings.ToUpper(strings.Join(rr.Methods, ","))
	}
	// HEAD is served by the GET handler in most frameworks (net/http's
	// ServeMux, Express, Flask, Spring): a rule written for GET must hold
	// for HEAD too, or HEAD reads what GET protects.
	for _, entry := range routes {
		if get, ok := entry.byMethod[http.MethodGet]; ok {
			if _, ok := entry.byMethod[http.MethodHead]; !ok {
				entry.byMethod[http.MethodHead] = get
			}
		}
	}
	return routes, nil
}

// compileRule validates one Rule.
func compileRule(r *Rule) (*rule, error) {
	c := &rule{}
	var err error
	if c.scopes, err = tokenList("scope", r.Scopes); err != nil {
		return nil, err
	}
	if c.roles, err = tokenList("role", r.Roles); err != nil {
		return nil, err
	}
	if c.allow, err = prefixList(r.AllowIPs); err != nil {
		return nil, fmt.Errorf("allow_ips: %w", err)
	}
	if c.deny, err = prefixList(r.DenyIPs); err != nil {
		return nil, fmt.Errorf("deny_ips: %w", err)
	}
	if r.Owner != nil {
		if c.owner, err = compileOwner(r.Owner, r.PathTemplate); err != nil {
			return nil, fmt.Errorf("owner: %w", err)
		}
	} else if r.PathTemplate != "" {
		return nil, errors.New("path_template is only used by an owner rule in the path; none is set")
	}
	c.needsIdentity = len(c.scopes) > 0 || len(c.roles) > 0 || c.owner != nil
	return c, nil
}

// compileOwner validates an OwnerRule.
func compileOwner(o *OwnerRule, template string) (*ownerCheck, error) {
	if o.Param == "" {
		return nil, errors.New("param is required")
	}
	if o.Claim == "" {
		return nil, errors.New("claim is required")
	}
	c := &ownerCheck{param: o.Param, in: o.In, claim: o.Claim}
	var err error
	if c.overrideScopes, err = tokenList("override scope", o.OverrideScopes); err != nil {
		return nil, err
	}
	if c.overrideRoles, err = tokenList("override role", o.OverrideRoles); err != nil {
		return nil, err
	}
	if o.In != InPath && template != "" {
		return nil, fmt.Errorf("path_template is set but the owner param is in %q, not the path", o.In)
	}
	switch o.In {
	case InPath:
		if template == "" {
			return nil, errors.New("a param in the path needs the rule's path_template")
		}
		if c.template, err = compileTemplate(template); err != nil {
			return nil, err
		}
		if c.segment = c.template.paramIndex(o.Param); c.segment < 0 {
			return nil, fmt.Errorf("path template %q has no parameter {%s}", template, o.Param)
		}
	case InQuery:
		if strings.ContainsAny(o.Param, "&;=#") {
			return nil, fmt.Errorf("query parameter name %q contains a delimiter", o.Param)
		}
	case InBody:
		if c.pointer, err = parsePointer(o.Param); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("in must be %q, %q or %q, not %q", InPath, InQuery, InBody, o.In)
	}
	return c, nil
}

// tokenList validates scope or role names: non-empty, without whitespace
// or control characters (scopes are space-separated, RFC 6749 §3.3).
func tokenList(what string, list []string) ([]string, error) {
	for _, s := range list {
		if s == "" || strings.IndexFunc(s, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) >= 0 {
			return nil, fmt.Errorf("invalid %s %q (want a non-empty name without spaces)", what, s)
		}
	}
	return append([]string(nil), list...), nil
}

// prefixList parses CIDRs and addresses. A client address is always plain
// IPv4 for IPv4 clients (pipeline unmaps ::ffff:a.b.c.d), so IPv4-mapped
// IPv6 prefixes are converted to IPv4 ones; otherwise "::ffff:10.0.0.0/104"
// in a deny list would match nobody.
func prefixList(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		p, err := pipeline.ParsePrefixOrAddr(s)
		if err != nil {
			return nil, err
		}
		// A masked prefix has an IPv4-mapped address only when it is /96 or
		// longer, i.e. lies wholly inside ::ffff:0:0/96. Shorter IPv6
		// prefixes ("::/0") keep meaning IPv6 clients only.
		if a := p.Addr(); a.Is4In6() {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p)
	}
	return out, nil
}

// validToken reports whether s is an RFC 9110 token (method, header name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
