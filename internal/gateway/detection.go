package gateway

import (
	"fmt"

	"net/http"

	"github.com/rampartsec/rampart/internal/config"
	injectionguard "github.com/rampartsec/rampart/internal/guard/injection"
	"github.com/rampartsec/rampart/internal/guard/schema"
	"github.com/rampartsec/rampart/internal/injection"
	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/openapi"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// detectionGuards are the input-validation guards of a generation: one
// injection guard per engine in use (APIs may pick their engine), with
// per-API sensitivity and mode.
type detectionGuards struct {
	engines map[string]*injectionguard.Guard // by engine name
	apis    map[string]apiDetection          // by API name
}

// apiDetection is what one API uses.
type apiDetection struct {
	schema        *schema.Guard
	injection     *injectionguard.Guard
	injectionMode pipeline.Mode
}

func buildDetection(cfg *config.Config) (*detectionGuards, error) {
	dg := &detectionGuards{engines: map[string]*injectionguard.Guard{}, apis: map[string]apiDetection{}}
	in := &cfg.Injection
	sensitivity, err := injection.ParseSensitivity(in.Sensitivity)
	if err != nil {
		return nil, atField("injection.sensitivity", err)
	}
	var routes []injectionguard.RouteSettings
	engineOf := map[string]string{}
	modeOf := map[string]string{}
	for i := range cfg.APIs {
		a := &cfg.APIs[i]
		engine, mode := in.Engine, in.Mode
		if o := a.Injection; o != nil {
			if o.Engine != "" {
				engine = o.Engine
			}
			if o.Mode != "" {
				mode = o.Mode
			}
			if o.Sensitivity != "" {
				s, err := injection.ParseSensitivity(o.Sensitivity)
				if err != nil {
					return nil, atField(fmt.Sprintf("apis[%d].injection.sensitivity", i), err)
				}
				routes = append(routes, injectionguard.RouteSettings{Route: pipeline.Route{API: a.Name}, Sensitivity: s})
			}
		}
		engineOf[a.Name], modeOf[a.Name] = engine, mode
	}
	var exclusions []injectionguard.Exclusion
	for _, e := range in.Exclusions {
		exclusions = append(exclusions, injectionguard.Exclusion{
			Route: pipeline.Route{API: e.API, Route: e.Route}, Location: e.Location, Rules: e.Rules})
	}
	oversize := injectionguard.OversizeDeny
	if in.Oversize == "scan_prefix" {
		oversize = injectionguard.OversizeScanPrefix
	}
	for i := range cfg.APIs {
		a := &cfg.APIs[i]
		sg, err := buildSchema(cfg, a, fmt.Sprintf("apis[%d].schema", i))
		if err != nil {
			return nil, err
		}
		d := apiDetection{schema: sg}
		if modeOf[a.Name] == "off" {
			dg.apis[a.Name] = d
			continue
		}
		engine := engineOf[a.Name]
		g := dg.engines[engine]
		if g == nil {
			g, err = injectionguard.New(injectionguard.Config{
				Engine:       engine,
				Sensitivity:  sensitivity,
				Routes:       routes,
				MaxBodyBytes: int64(in.MaxBodyBytes),
				Oversize:     oversize,
				Headers:      in.Headers,
				Cookies:      *in.Cookies,
				Exclusions:   exclusions,
				CRS: injectionguard.CRSConfig{Paranoia: in.CRS.Paranoia, RuleFiles: in.CRS.RuleFiles,
					InboundThreshold: in.CRS.InboundThreshold},
				Limits: jsonLimits(cfg),
				// The schema guard puts the scan plan of a request it
				// validated in enforce mode in the request's context.
				PlanFor: func(r *http.Request) *openapi.ScanPlan { return openapi.PlanFromContext(r.Context()) },
			})
			if err != nil {
				return nil, atFieldTrim(engineField(in, engine), "injection: ", err)
			}
			dg.engines[engine] = g
		}
		mode := pipeline.Enforce
		if modeOf[a.Name] == "monitor" {
			mode = pipeline.Monitor
		}
		d.injection, d.injectionMode = g, mode
		dg.apis[a.Name] = d
	}
	return dg, nil
}

// engineField is the section an injection engine is configured by.
func engineField(in *config.Injection, engine string) string {
	if engine != injectionguard.EngineCRS {
		return "injection"
	}
	if len(in.CRS.RuleFiles) > 0 {
		// The CRS itself is embedded and tested: the operator's files are
		// what fails to compile.
		return "injection.crs.rule_files"
	}
	return "injection.crs"
}

// buildSchema makes an API's schema guard: the OpenAPI positive model when
// the API has a spec, JSON hardening alone otherwise (unless switched off).
// Errors blame field (the API's schema block) or a field inside it.
func buildSchema(cfg *config.Config, a *config.API, field string) (*schema.Guard, error) {
	sc := schema.Config{JSONLimits: jsonLimits(cfg), MaxBodyBytes: int64(cfg.Injection.MaxBodyBytes)}
	if a.Schema == nil || a.Schema.SpecFile == "" {
		if !*cfg.Limits.JSON.Enabled {
			return nil, nil
		}
		g, err := schema.New(sc)
		return g, atFieldTrim("limits.json", "schema: ", err)
	}
	s := a.Schema
	spec, err := openapi.Load(s.SpecFile)
	if err != nil {
		return nil, atField(field+".spec_file", err)
	}
	sc.Spec = spec
	if a.StripPrefix {
		// The spec describes the upstream's paths, without the mount.
		sc.PathPrefix = a.PathPrefix
	}
	if sc.Mode, err = schema.ParseMode(s.Mode); err != nil {
		return nil, atField(field+".mode", err)
	}
	if sc.ResponseValidation, err = schema.ParseMode(s.ResponseValidation); err != nil {
		return nil, atField(field+".response_validation", err)
	}
	switch s.Undocumented {
	case "deny":
		sc.Undocumented = schema.Enforce
	case "monitor":
		sc.Undocumented = schema.Monitor
	case "allow":
		sc.Undocumented = schema.Off
	}
	if len(s.Operations) > 0 {
		sc.Operations = make(map[string]schema.Mode, len(s.Operations))
		for k, v := range s.Operations {
			if sc.Operations[k], err = schema.ParseMode(v); err != nil {
				return nil, atField(field+".operations", fmt.Errorf("%s: %w", k, err))
			}
		}
	}
	g, err := schema.New(sc)
	if err != nil {
		// With a spec loaded, what New can still refuse is an operation
		// override that names no operation of it.
		if len(sc.Operations) > 0 {
			field += ".operations"
		}
		return nil, atFieldTrim(field, "schema: ", err)
	}
	return g, nil
}

// stages returns the detection stages of an API's routes, in order:
// schema (positive model) before injection (negative model), so that
// what the schema constrained need not be scanned.
func (dg *detectionGuards) stages(api *config.API) []pipeline.Stage {
	d, ok := dg.apis[api.Name]
	if !ok {
		return nil
	}
	var out []pipeline.Stage
	if d.schema != nil {
		out = append(out, pipeline.Stage{Guard: d.schema})
	}
	if d.injection != nil {
		out = append(out, pipeline.Stage{Guard: d.injection, Mode: d.injectionMode})
	}
	return out
}

// jsonLimits maps limits.json to the parser limits shared by the schema and
// injection guards, so both refuse the same bodies.
func jsonLimits(cfg *config.Config) inspect.Limits {
	j := &cfg.Limits.JSON
	return inspect.Limits{MaxDepth: j.MaxDepth, MaxKeys: j.MaxKeys, MaxArrayLen: j.MaxArrayLength,
		MaxStringLen: int(j.MaxStringLength), MaxNumberLen: j.MaxNumberLength}
}
