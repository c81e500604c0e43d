package objects

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/jsonptr"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// accessRule is a compiled Rule: the check of one object type on a route.
type accessRule struct {
	where          string // "api/route /api/items/{id}", for causes in logs
	namespace      string
	template       *pathTemplate
	methods        map[string]bool // nil: every method but POST
	flag           bool            // Unknown == UnknownFlag
	overrideScopes []string
	overrideRoles  []string
	tag            *learnTag // for a request accessing this rule's objects only
}

// learnRule is a compiled LearnRule, with what it needs of its Rule.
type learnRule struct {
	namespace   string
	ttl         time.Duration
	reason      string          // the Reason of the marks it writes
	methods     map[string]bool // nil: every method
	idPointer   jsonptr.Pointer
	hasID       bool
	listPointer jsonptr.Pointer
	itemPointer jsonptr.Pointer
	hasList     bool
}

// routeRules are the rules that apply on one route.
type routeRules struct {
	access []*accessRule
	learn  []*learnRule
	// tagged: the route both checks and learns, so Check tags the
	// requests it admits for ObserveResponse (see learnTag).
	tagged bool
	plain  *learnTag // the tag of a request that is no object access
	// learnMethods are the methods whose responses teach on the route;
	// nil means every method.
	learnMethods map[string]bool
}

// teaches reports whether responses to method may teach on the route.
func (e *routeRules) teaches(method string) bool {
	return e.learnMethods == nil || e.learnMethods[upperASCII(method)]
}

// compileRules validates the rules and indexes them by route. A rule for
// a whole API (Route.Route "") is copied into every route of that API that
// has rules of its own, and looked up for the others.
func compileRules(rules []Rule) (map[pipeline.Route]*routeRules, error) {
	if len(rules) == 0 {
		return nil, errors.New("objects: no rules")
	}
	routes := map[pipeline.Route]*routeRules{}
	entry := func(r pipeline.Route) *routeRules {
		e := routes[r]
		if e == nil {
			e = &routeRules{}
			routes[r] = e
		}
		return e
	}
	for i := range rules {
		r := &rules[i]
		label := fmt.Sprintf("rule %d (%s/%s %s)", i, r.Route.API, r.Route.Route, r.PathTemplate)
		a, learns, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("objects: %s: %w", label, err)
		}
		e := entry(r.Route)
		e.access = append(e.access, a)
		for j, l := range learns {
			if r.Learn[j].Route.API == "" {
				return nil, fmt.Errorf("objects: %s: learn %d: route has no API name", label, j)
			}
			e := entry(r.Learn[j].Route)
			e.learn = append(e.learn, l)
		}
	}
	for route, e := range routes {
		if route.Route == "" {
			continue
		}
		if api := routes[pipeline.Route{API: route.API}]; api != nil {
			e.access = append(e.access, api.access...)
			e.learn = append(e.learn, api.learn...)
		}
	}
	for _, e := range routes {
		e.tagged = len(e.access) > 0 && len(e.learn) > 0
		e.plain = &learnTag{}
		for _, l := range e.learn {
			if l.methods == nil {
				e.learnMethods = nil
				break
			}
			if e.learnMethods == nil {
				e.learnMethods = map[string]bool{}
			}
			for m := range l.methods {
				e.learnMethods[m] = true
			}
		}
	}
	return routes, nil
}

// compileRule validates one Rule and its learn rules.
func compileRule(r *Rule) (*accessRule, []*learnRule, error) {
	if r.Route.API == "" {
		return nil, nil, errors.New("route has no API name")
	}
	if r.Param == "" {
		return nil, nil, errors.New("param is required")
	}
	if r.PathTemplate == "" {
		return nil, nil, errors.New("path_template is required")
	}
	t, err := compileTemplate(r.PathTemplate, r.Param)
	if err != nil {
		return nil, nil, err
	}
	a := &accessRule{
		where:     r.Route.API + "/" + r.Route.Route + " " + r.PathTemplate,
		namespace: r.Namespace,
		template:  t,
	}
	if a.namespace == "" {
		a.namespace = r.Param
	}
	a.tag = &learnTag{accessed: []string{a.namespace}}
	if !validName(a.namespace, 32) {
		return nil, nil, fmt.Errorf("namespace %q: want 1 to 32 characters of [A-Za-z0-9_.-]", a.namespace)
	}
	if a.methods, err = methodSet(r.Methods); err != nil {
		return nil, nil, err
	}
	switch r.Unknown {
	case "", UnknownDeny:
	case UnknownFlag:
		a.flag = true
	default:
		return nil, nil, fmt.Errorf("unknown %q: want %q or %q", r.Unknown, UnknownDeny, UnknownFlag)
	}
	if a.overrideScopes, err = nonEmpty("override scope", r.OverrideScopes); err != nil {
		return nil, nil, err
	}
	if a.overrideRoles, err = nonEmpty("override role", r.OverrideRoles); err != nil {
		return nil, nil, err
	}
	ttl := r.TTL
	switch {
	case ttl == 0:
		ttl = DefaultTTL
	case ttl < time.Second:
		return nil, nil, fmt.Errorf("ttl %v: want at least 1s", r.TTL)
	}
	if len(r.Learn) == 0 {
		return nil, nil, errors.New("no learn rules: ids must be learned from some response, or every access is refused")
	}
	learns := make([]*learnRule, 0, len(r.Learn))
	for j := range r.Learn {
		l, err := compileLearn(&r.Learn[j], a.namespace, ttl)
		if err != nil {
			return nil, nil, fmt.Errorf("learn %d: %w", j, err)
		}
		learns = append(learns, l)
	}
	return a, learns, nil
}

// compileLearn validates one LearnRule.
func compileLearn(lr *LearnRule, namespace string, ttl time.Duration) (*learnRule, error) {
	l := &learnRule{
		namespace: namespace,
		ttl:       ttl,
		reason:    "served by " + lr.Route.API + "/" + lr.Route.Route,
		hasID:     lr.IDPointer != "",
		hasList:   lr.ItemIDPointer != "",
	}
	if !l.hasID && !l.hasList {
		return nil, errors.New("id_pointer or item_id_pointer is required")
	}
	if lr.ListPointer != "" && !l.hasList {
		return nil, errors.New("list_pointer needs item_id_pointer")
	}
	var err error
	if l.idPointer, err = jsonptr.Parse(lr.IDPointer); err != nil {
		return nil, fmt.Errorf("id_pointer: %w", err)
	}
	if l.listPointer, err = jsonptr.Parse(lr.ListPointer); err != nil {
		return nil, fmt.Errorf("list_pointer: %w", err)
	}
	if l.itemPointer, err = jsonptr.Parse(lr.ItemIDPointer); err != nil {
		return nil, fmt.Errorf("item_id_pointer: %w", err)
	}
	if len(lr.Methods) > 0 {
		if l.methods, err = methodSet(lr.Methods); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// methodSet validates and upper-cases methods; nil for none. GET brings
// HEAD: most frameworks serve HEAD with the GET handler, so a check
// written for GET must hold for HEAD too.
func methodSet(methods []string) (map[string]bool, error) {
	if len(methods) == 0 {
		return nil, nil
	}
	set := map[string]bool{}
	for _, m := range methods {
		if !validToken(m) {
			return nil, fmt.Errorf("invalid method %q", m)
		}
		set[strings.ToUpper(m)] = true
	}
	if set[http.MethodGet] {
		set[http.MethodHead] = true
	}
	return set, nil
}

// validToken reports whether s is an RFC 9110 token (a method name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func nonEmpty(what string, list []string) ([]string, error) {
	for _, s := range list {
		if s == "" {
			return nil, fmt.Errorf("empty %s", what)
		}
	}
	return list, nil
}
