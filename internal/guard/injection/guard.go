package injection

import (
	"fmt"
	"net/http"
	"slices"
	"sync"

	detector "github.com/rampartsec/rampart/internal/injection"
	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/openapi"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// Guard detects injection attacks in requests. It is safe for concurrent
// use and immutable after New.
type Guard struct {
	crs        *crsEngine // nil for the native engine
	maxBody    int64
	scanPrefix bool
	inspect    inspect.Options
	sniffJSON  bool // scan JSON sent without a JSON media type as JSON
	planFor    func(*http.Request) *openapi.ScanPlan
	exclusions *exclusionSet
	// settings per route, with the API's entry and the defaults merged in.
	defaults routeSettings
	routes   map[pipeline.Route]*routeSettings
	pool     sync.Pool // *verdict
}

// routeSettings is what detection uses on one route.
type routeSettings struct {
	native    *detector.Engine // native engine
	threshold int              // total score that blocks (both engines)
}

var _ pipeline.Guard = (*Guard)(nil)

// New validates cfg and builds a Guard: the detection engines (one per
// sensitivity in use) or the CRS rules are compiled and the exclusions
// checked here, so the request path never re-validates.
func New(cfg Config) (*Guard, error) {
	g := &Guard{
		maxBody: cfg.MaxBodyBytes,
		inspect: inspect.Options{Limits: cfg.Limits, Headers: cfg.Headers, Cookies: cfg.Cookies,
			ScanUnknownBodies: !cfg.SkipUnknownBodies},
		sniffJSON: !cfg.SkipUnknownBodies,
		planFor:   cfg.PlanFor,
	}
	switch {
	case g.maxBody == 0:
		g.maxBody = DefaultMaxBodyBytes
	case g.maxBody < 0:
		return nil, fmt.Errorf("injection: MaxBodyBytes %d is negative", cfg.MaxBodyBytes)
	}
	switch cfg.Oversize {
	case "", OversizeDeny:
	case OversizeScanPrefix:
		g.scanPrefix = true
	default:
		return nil, fmt.Errorf("injection: unknown oversize %q (want %q or %q)", cfg.Oversize, OversizeDeny, OversizeScanPrefix)
	}
	var err error
	validRule := nativeRule
	switch cfg.Engine {
	case "", EngineNative:
		if err := g.buildNative(cfg); err != nil {
			return nil, err
		}
	case EngineCRS:
		if g.crs, err = buildCRS(cfg, g.maxBody); err != nil {
			return nil, fmt.Errorf("injection: %w", err)
		}
		validRule = crsRule
		if err := g.buildRoutes(cfg, func(rs RouteSettings) (routeSettings, error) {
			t := rs.InboundThreshold
			if t == 0 {
				t = g.crs.threshold
			}
			if t < 0 {
				return routeSettings{}, fmt.Errorf("inbound threshold %d is negative", t)
			}
			return routeSettings{threshold: t}, nil
		}); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("injection: unknown engine %q (want %q or %q)", cfg.Engine, EngineNative, EngineCRS)
	}
	if g.exclusions, err = compileExclusions(cfg.Exclusions, validRule); err != nil {
		return nil, fmt.Errorf("injection: %w", err)
	}
	g.pool.New = func() any { return new(verdict) }
	return g, nil
}

// buildNative builds one detection engine per sensitivity in use.
func (g *Guard) buildNative(cfg Config) error {
	engines := map[detector.Sensitivity]*detector.Engine{}
	engineFor := func(s detector.Sensitivity) (*detector.Engine, error) {
		if e, ok := engines[s]; ok {
			return e, nil
		}
		e, err := detector.NewEngine(detector.Config{Sensitivity: s})
		if err != nil {
			return nil, err
		}
		engines[s] = e
		return e, nil
	}
	e, err := engineFor(cfg.Sensitivity)
	if err != nil {
		return fmt.Errorf("injection: %w", err)
	}
	g.defaults = routeSettings{native: e, threshold: e.Threshold()}
	return g.buildRoutes(cfg, func(rs RouteSettings) (routeSettings, error) {
		s := rs.Sensitivity
		if s == 0 {
			s = cfg.Sensitivity
		}
		e, err := engineFor(s)
		if err != nil {
			return routeSettings{}, err
		}
		return routeSettings{native: e, threshold: e.Threshold()}, nil
	})
}

// buildCRS builds the CRS engine with cfg.CRS's defaults applied.
func buildCRS(cfg Config, maxBody int64) (*crsEngine, error) {
	c := cfg.CRS
	if c.Paranoia == 0 {
		c.Paranoia = DefaultParanoia
	}
	if c.Paranoia < 1 || c.Paranoia > 4 {
		return nil, fmt.Errorf("crs paranoia level %d is out of range (want 1 to 4)", c.Paranoia)
	}
	if c.InboundThreshold == 0 {
		c.InboundThreshold = DefaultInboundThreshold
	}
	if c.InboundThreshold < 0 {
		return nil, fmt.Errorf("crs inbound threshold %d is negative", c.InboundThreshold)
	}
	return newCRSEngine(c, maxBody)
}

// buildRoutes compiles cfg.Routes with build, and the defaults for the CRS.
func (g *Guard) buildRoutes(cfg Config, build func(RouteSettings) (routeSettings, error)) error {
	if g.crs != nil {
		g.defaults = routeSettings{threshold: g.crs.threshold}
	}
	if len(cfg.Routes) == 0 {
		return nil
	}
	g.routes = make(map[pipeline.Route]*routeSettings, len(cfg.Routes))
	for i, rs := range cfg.Routes {
		if rs.Route.API == "" {
			return fmt.Errorf("injection: routes[%d]: route %q has no API name", i, rs.Route.Route)
		}
		if _, dup := g.routes[rs.Route]; dup {
			return fmt.Errorf("injection: routes[%d]: %s/%s appears twice", i, rs.Route.API, rs.Route.Route)
		}
		s, err := build(rs)
		if err != nil {
			return fmt.Errorf("injection: routes[%d] (%s/%s): %w", i, rs.Route.API, rs.Route.Route, err)
		}
		g.routes[rs.Route] = &s
	}
	return nil
}

// settingsFor returns the settings of route: its own entry, its API's, or
// the defaults.
func (g *Guard) settingsFor(route pipeline.Route) *routeSettings {
	if g.routes != nil {
		if s, ok := g.routes[route]; ok {
			return s
		}
		if route.Route != "" {
			if s, ok := g.routes[pipeline.Route{API: route.API}]; ok {
				return s
			}
		}
	}
	return &g.defaults
}

// nativeRule reports whether id is a rule of the native engine.
func nativeRule(id string) bool {
	return slices.ContainsFunc(detector.Rules(), func(r detector.Rule) bool { return r.ID == id })
}

// Name returns "injection".
func (g *Guard) Name() string { return "injection" }

// Check reads the body once (pipeline.ReadBody), scans the request with
// the configured engine and denies it (403) when its total score reaches
// the route's threshold. A request that cannot be inspected safely
// (malformed body, over the inspection limits, unsupported media type) is
// answered 400, 413 or 415 instead: an input the guard cannot read is an
// input it cannot vouch for.
//
// The 403's Evidence (copied to the Event, never sent to the client):
//
//	engine          "native" or "crs"
//	rule            the rule of the highest-scoring match ("sqli", "942100")
//	location        where it was ("query.q", "body./user/name", "header.User-Agent")
//	key             "true" when the input was a name (a JSON key, a parameter name)
//	cwe             "CWE-89"
//	snippet         up to 64 bytes around the evidence, escaped; "[redacted]" for
//	                cookies and secret-named inputs; card-length digit runs masked
//	score           the request's total score; threshold: the route's threshold
//	variant         native: the normalisation that revealed it ("url-decoded×2")
//	reason          native: the evidence's name ("union select", "libinjection")
//	matches         every rule@location matched, up to 8, then ",+N"
//	body_truncated  "true" when Oversize "scan-prefix" cut the body
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	route := pipeline.RouteOf(r)
	excl := g.exclusions.forRoute(route)
	if excl.wholeRoute() {
		return r, nil
	}
	body, truncated, d := g.readBody(r)
	if d != nil {
		return nil, d
	}
	settings := g.settingsFor(route)
	v := g.pool.Get().(*verdict)
	defer g.release(v)
	v.reset(settings.threshold, truncated)
	var err error
	if g.crs != nil {
		err = g.crs.scan(r, body, excl, v)
	} else {
		err = g.scanNative(r, body, settings.native, excl, v)
	}
	if err != nil {
		return nil, err
	}
	if d := v.denial(); d != nil {
		return nil, d
	}
	return r, nil
}

// release returns a verdict to the pool. Its slices stay small: findings
// are capped at maxFindings, scores hold one entry per (rule, reason).
func (g *Guard) release(v *verdict) {
	v.clear()
	g.pool.Put(v)
}
