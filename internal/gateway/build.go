package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/rampartsec/rampart/internal/audit"
	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/guard/ban"
	"github.com/rampartsec/rampart/internal/guard/bodylimit"
	"github.com/rampartsec/rampart/internal/guard/shed"
	"github.com/rampartsec/rampart/internal/metrics"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/proxy"
	"github.com/rampartsec/rampart/internal/store"
)

// env holds the collaborators that outlive a configuration: a reload builds
// new chains and proxies but keeps the logger, metrics and sinks.
type env struct {
	log      *slog.Logger
	metrics  *metrics.Metrics
	outcomes []pipeline.OutcomeSink
	events   []pipeline.EventSink
	// store is the shared state (memory, or Redis behind a failover); it
	// outlives reloads.
	store store.Store
	// audit is the tamper-evident log, nil when off.
	audit *audit.Log
	// denialBans are the sinks (also in outcomes) that ban sources of
	// repeated denials; the admin API tells them when a ban is lifted.
	denialBans []*ban.OnDenials
	// offline is set by Check: build everything, reach nothing (no JWKS
	// fetch; the store is memory only).
	offline bool

	// The shedder outlives a reload when its limits did not change, so the
	// requests in flight on the old configuration still count against
	// limits.max_concurrent (a reload must not double the allowance).
	shedder    *shed.Shedder
	shedConfig shed.Config
}

// closeAudit flushes and closes the audit log (a final checkpoint).
func (e *env) closeAudit() {
	if e.audit != nil {
		if err := e.audit.Close(); err != nil {
			e.log.Error("closing the audit log", "error", err)
		}
	}
}

// shedderFor returns the current shedder when cfg is unchanged, else a new
// one; the service adopts it (adoptShedder) once its generation is serving.
func (e *env) shedderFor(cfg shed.Config) (*shed.Shedder, error) {
	if e.shedder != nil && e.shedConfig == cfg {
		return e.shedder, nil
	}
	return shed.New(cfg, shed.Options{OnShed: e.metrics.Shed})
}

// adoptShedder records the shedder of the generation now serving.
func (e *env) adoptShedder(g *generation) {
	e.shedder, e.shedConfig = g.shedder, g.shedConfig
}

// generation is everything built from one configuration: the router with
// its per-route chains and the per-API proxies.
type generation struct {
	cfg        *config.Config
	security   *securityGuards
	shedder    *shed.Shedder
	shedConfig shed.Config
	router     *router
	proxies    []*proxy.Proxy
}

func (g *generation) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.router.ServeHTTP(w, r) }

// close releases the generation's idle upstream connections. In-flight
// requests keep their connections and finish normally.
func (g *generation) close() {
	for _, p := range g.proxies {
		_ = p.Close()
	}
	g.security.close()
}

// build compiles cfg into a generation. The guard order is fixed here, in
// one place: load shedding first (it protects everything after it), then the
// request body cap. Later guards slot into guardsFor.
func build(cfg *config.Config, e *env) (*generation, error) {
	resolver, err := pipeline.NewClientIPResolver(cfg.TrustedProxies)
	if err != nil {
		return nil, atField("trusted_proxies", err)
	}
	shedConfig := shed.Config{
		MaxConcurrent: cfg.Limits.MaxConcurrent,
		MaxQueue:      cfg.Limits.MaxQueue,
		QueueTimeout:  cfg.Limits.QueueTimeout,
	}
	shedder, err := e.shedderFor(shedConfig)
	if err != nil {
		return nil, atField("limits", err)
	}
	bodies, err := bodylimit.New(bodyLimits(cfg))
	if err != nil {
		return nil, atField("limits.max_body_bytes", err)
	}
	g := &generation{cfg: cfg, router: &router{}, shedder: shedder, shedConfig: shedConfig}
	newChain := func(route pipeline.Route, next http.Handler, stages ...pipeline.Stage) (http.Handler, error) {
		return pipeline.NewChain(pipeline.Options{
			Stages:   stages,
			Next:     next,
			Route:    route,
			ClientIP: resolver,
			Outcomes: e.outcomes,
			Events:   e.events,
			Logger:   e.log,
		})
	}
	sec, err := buildSecurity(cfg, e)
	if err != nil {
		// The security guards blame their own fields where a file or a
		// secret failed; anything else the file as a whole.
		return nil, atField("", err)
	}
	g.security = sec
	det, err := buildDetection(cfg)
	if err != nil {
		g.close()
		return nil, err
	}
	// stagesFor is the one place the guard order is decided: load shedding
	// first (it protects everything after it), then the security guards
	// that need no body, the body cap, and the guards that may read it.
	stagesFor := func(i int, route *config.Route, j int) ([]pipeline.Stage, error) {
		api := &cfg.APIs[i]
		if err := checkRouteAuth(sec.authn, api, route, routeAuthField(i, route, j)); err != nil {
			return nil, err
		}
		before, after, err := sec.routeStages(api, route)
		if err != nil {
			field := fmt.Sprintf("apis[%d]", i)
			if route != nil {
				field = fmt.Sprintf("apis[%d].routes[%d]", i, j)
			}
			return nil, atField(field, err)
		}
		stages := []pipeline.Stage{{Guard: shedder}}
		if e.audit != nil && cfg.Audit.OnAuditFailure == "refuse" {
			stages = append(stages, pipeline.Stage{Guard: auditGate{log: e.audit}})
		}
		stages = append(stages, before...)
		stages = append(stages, pipeline.Stage{Guard: bodies})
		stages = append(stages, after...)
		return append(stages, det.stages(api)...), nil
	}
	for i := range cfg.APIs {
		api := &cfg.APIs[i]
		if f := api.UpstreamTLS.CAFile; f != "" {
			if _, err := loadCABundle(fmt.Sprintf("apis[%d].upstream_tls.ca_file", i), f); err != nil {
				g.close()
				return nil, err
			}
		}
		p, err := proxy.New(api.Name, proxyConfig(cfg, api), proxy.Options{
			Logger:          e.log,
			ObserveResponse: pipeline.ObserveResponse,
			OnUpstreamError: e.metrics.UpstreamError,
			TrustedPeer:     resolver.Trusted,
		})
		if err != nil {
			g.close()
			return nil, atField(fmt.Sprintf("apis[%d]", i), err)
		}
		g.proxies = append(g.proxies, p)
		ar := &apiRoutes{name: api.Name, prefix: api.PathPrefix}
		if len(api.Hosts) > 0 {
			ar.hosts = map[string]bool{}
			for _, h := range api.Hosts {
				ar.hosts[hostOnly(h)] = true
			}
		}
		stages, err := stagesFor(i, nil, -1)
		if err == nil {
			ar.fallback, err = newChain(pipeline.Route{API: api.Name, Route: config.DefaultRouteName}, p, stages...)
		}
		if err != nil {
			g.close()
			return nil, err
		}
		for j := range api.Routes {
			rc := &api.Routes[j]
			entry := &routeEntry{name: rc.Name, path: rc.Path}
			if len(rc.Methods) > 0 {
				entry.methods = map[string]bool{}
				for _, m := range rc.Methods {
					entry.methods[m] = true
				}
			}
			stages, err := stagesFor(i, rc, j)
			if err == nil {
				entry.handler, err = newChain(pipeline.Route{API: api.Name, Route: rc.Name}, p, stages...)
			}
			if err != nil {
				g.close()
				return nil, err
			}
			ar.routes = append(ar.routes, entry)
		}
		g.router.apis = append(g.router.apis, ar)
	}
	// Unrouted and malformed requests still pass the shedder and the ban
	// check and leave an Outcome, so a scan of random paths is visible,
	// bounded, and refused once its source is banned.
	if g.router.notFound, err = newChain(pipeline.Route{}, http.HandlerFunc(notFoundHandler),
		pipeline.Stage{Guard: shedder}, pipeline.Stage{Guard: sec.ban}); err != nil {
		return nil, err
	}
	if g.router.badPath, err = newChain(pipeline.Route{}, http.HandlerFunc(badPathHandler),
		pipeline.Stage{Guard: shedder}, pipeline.Stage{Guard: sec.ban}); err != nil {
		return nil, err
	}
	g.router.sortRoutes()
	if len(g.router.apis) == 0 {
		return nil, atField("apis", errors.New("no APIs configured"))
	}
	return g, nil
}

// bodyLimits maps the per-API and per-route body caps. Config defaults have
// already resolved inheritance (route → API → limits).
func bodyLimits(cfg *config.Config) bodylimit.Config {
	bc := bodylimit.Config{MaxBytes: int64(cfg.Limits.MaxBodyBytes), Routes: map[pipeline.Route]int64{}}
	for _, a := range cfg.APIs {
		bc.Routes[pipeline.Route{API: a.Name, Route: config.DefaultRouteName}] = int64(a.MaxBodyBytes)
		for _, r := range a.Routes {
			bc.Routes[pipeline.Route{API: a.Name, Route: r.Name}] = int64(r.MaxBodyBytes)
		}
	}
	return bc
}

func proxyConfig(cfg *config.Config, api *config.API) proxy.Config {
	pc := proxy.Config{
		Upstreams:             api.Upstreams,
		PassHost:              api.PassHost,
		DialTimeout:           api.Timeouts.Dial,
		ResponseHeaderTimeout: api.Timeouts.ResponseHeader,
		IdleConnTimeout:       api.Timeouts.IdleConn,
		MaxIdleConnsPerHost:   api.Timeouts.MaxIdleConnsPerHost,
		CAFile:                api.UpstreamTLS.CAFile,
		TLSInsecureSkipVerify: api.UpstreamTLS.InsecureSkipVerify,
		Health:                proxy.HealthConfig{EjectAfter: api.Health.EjectAfter, EjectFor: api.Health.EjectFor},
		Breaker: proxy.BreakerConfig{
			Enabled:             api.Breaker.Enabled,
			ConsecutiveFailures: api.Breaker.Failures,
			OpenTimeout:         api.Breaker.OpenFor,
		},
	}
	if api.StripPrefix && api.PathPrefix != "/" {
		pc.StripPrefix = api.PathPrefix
	}
	h := cfg.Hygiene
	if h.Enabled != nil && *h.Enabled {
		pc.Hygiene = proxy.HygieneConfig{StripHeaders: h.StripHeaders, NoSniff: h.NoSniff, MaskStackTraces: h.MaskStackTraces}
	} else {
		off := false
		pc.Hygiene = proxy.HygieneConfig{StripHeaders: []string{}, NoSniff: &off, MaskStackTraces: &off}
	}
	return pc
}
