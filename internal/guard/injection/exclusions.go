package injection

import (
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// exclusion is one compiled Exclusion.
type exclusion struct {
	location string // exact location, or prefix when prefix is set; "" = all
	prefix   bool
	foldCase bool     // header locations compare without regard to case
	rules    []string // nil = every rule
}

// exclusionList is the exclusions that apply to one route.
type exclusionList []exclusion

// exclusionSet holds the exclusions by route, each list already merged
// with those of the route's API and the global ones, so a request costs at
// most two map lookups.
type exclusionSet struct {
	byRoute map[pipeline.Route]exclusionList
	global  exclusionList
}

// locationSources are the first components of the locations inputs are
// reported under (inspect.Input.Location) and of the CRS engine's own
// ("path" for the URL path, "uri" for the raw request line).
var locationSources = []string{"path", "query", "header", "cookie", "form", "multipart", "body", "xml", "uri"}

// compileExclusions validates the exclusions. validRule reports whether a
// rule id means something to the engine in use, so that a misspelt id is a
// configuration error instead of an exclusion that never applies.
func compileExclusions(list []Exclusion, validRule func(string) bool) (*exclusionSet, error) {
	s := &exclusionSet{}
	byKey := map[pipeline.Route]exclusionList{}
	for i, x := range list {
		if x.Route.API == "" && x.Route.Route != "" {
			return nil, fmt.Errorf("exclusion %d: route %q has no API name", i, x.Route.Route)
		}
		c, err := compileExclusion(x, validRule)
		if err != nil {
			return nil, fmt.Errorf("exclusion %d: %w", i, err)
		}
		if x.Route.API == "" {
			s.global = append(s.global, c)
		} else {
			byKey[x.Route] = append(byKey[x.Route], c)
		}
	}
	if len(byKey) == 0 {
		return s, nil
	}
	s.byRoute = make(map[pipeline.Route]exclusionList, len(byKey))
	for key, own := range byKey {
		merged := append(exclusionList(nil), own...)
		if key.Route != "" {
			merged = append(merged, byKey[pipeline.Route{API: key.API}]...)
		}
		s.byRoute[key] = append(merged, s.global...)
	}
	return s, nil
}

func compileExclusion(x Exclusion, validRule func(string) bool) (exclusion, error) {
	c := exclusion{location: x.Location}
	if strings.HasSuffix(c.location, "*") {
		c.location, c.prefix = strings.TrimSuffix(c.location, "*"), true
		if strings.Contains(c.location, "*") {
			return c, fmt.Errorf("location %q: only a trailing \"*\" is supported", x.Location)
		}
	} else if strings.Contains(c.location, "*") {
		return c, fmt.Errorf("location %q: \"*\" is only allowed at the end", x.Location)
	}
	if c.location != "" {
		src, _, _ := strings.Cut(c.location, ".")
		known := false
		for _, s := range locationSources {
			known = known || s == src
		}
		if !known {
			return c, fmt.Errorf("location %q: unknown source %q (want one of %s)", x.Location, src,
				strings.Join(locationSources, ", "))
		}
		if src == "header" {
			// Header names are case-insensitive (RFC 9110 5.1): match them so.
			c.foldCase = true
		}
	}
	for _, id := range x.Rules {
		if !validRule(id) {
			return c, fmt.Errorf("unknown rule %q", id)
		}
		c.rules = append(c.rules, id)
	}
	return c, nil
}

// forRoute returns the exclusions that apply on route.
func (s *exclusionSet) forRoute(route pipeline.Route) exclusionList {
	if s.byRoute != nil {
		if l, ok := s.byRoute[route]; ok {
			return l
		}
		if route.Route != "" {
			if l, ok := s.byRoute[pipeline.Route{API: route.API}]; ok {
				return l
			}
		}
	}
	return s.global
}

// wholeRoute reports whether an exclusion switches the guard off on the
// route (no location, no rules): then nothing is read or scanned.
func (l exclusionList) wholeRoute() bool {
	for i := range l {
		if l[i].location == "" && l[i].rules == nil {
			return true
		}
	}
	return false
}

// skipsLocation reports whether every rule is excluded at loc, so the
// input need not be scanned at all.
func (l exclusionList) skipsLocation(loc string) bool {
	for i := range l {
		if l[i].rules == nil && l[i].matchesLocation(loc) {
			return true
		}
	}
	return false
}

// excludes reports whether a match of rule id (or of a rule of family,
// for CRS matches; "" for none) at loc is excluded.
func (l exclusionList) excludes(loc, id, family string) bool {
	for i := range l {
		if l[i].matchesRule(id, family) && l[i].matchesLocation(loc) {
			return true
		}
	}
	return false
}

func (x *exclusion) matchesLocation(loc string) bool {
	n := len(x.location)
	switch {
	case n == 0:
		return true
	case x.prefix && len(loc) < n, !x.prefix && len(loc) != n:
		return false
	case x.foldCase:
		return strings.EqualFold(loc[:n], x.location)
	}
	return loc[:n] == x.location
}

func (x *exclusion) matchesRule(id, family string) bool {
	if x.rules == nil {
		return true
	}
	for _, r := range x.rules {
		if r == id || (family != "" && r == family) {
			return true
		}
	}
	return false
}
