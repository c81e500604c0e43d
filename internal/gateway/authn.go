package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/guard/authn"
	"github.com/rampartsec/rampart/internal/guard/objects"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// buildAuthn builds the generation's authenticator (keys, JWKS caches, CA
// pools), shared by the per-route guards.
func buildAuthn(cfg *config.Config, e *env) (*authn.Authenticator, error) {
	ac, err := authnConfig(cfg)
	if err != nil {
		return nil, err
	}
	opts := authn.Options{
		Revocations: e.store, Nonces: e.store, Logger: e.log,
		Hooks: authn.Hooks{
			JWKSFetch: func(issuer string, keys int, err error) {
				if err != nil {
					e.metrics.StoreError("jwks")
				}
			},
			StoreError: func(op string, _ error) { e.metrics.StoreError("authn_" + op) },
		},
	}
	if e.offline {
		opts.HTTPClient = offlineClient
		for i := range ac.JWT.Issuers {
			ac.JWT.Issuers[i].RequireKeysAtStart = false
		}
	}
	a, err := authn.New(ac, opts)
	if err != nil {
		if !e.offline && buildsOffline(ac, opts) {
			// Only reaching a JWKS failed: not the file's fault.
			return nil, &runtimeError{err}
		}
		return nil, locateAuthn(cfg, ac, opts, err)
	}
	return a, nil
}

// buildsOffline reports whether ac builds when no issuer requires its keys
// at start and nothing is fetched, as Check builds it.
func buildsOffline(ac authn.Config, opts authn.Options) bool {
	ac.JWT.Issuers = append([]authn.Issuer(nil), ac.JWT.Issuers...)
	required := false
	for i := range ac.JWT.Issuers {
		required = required || ac.JWT.Issuers[i].RequireKeysAtStart
		ac.JWT.Issuers[i].RequireKeysAtStart = false
	}
	if !required {
		return false
	}
	opts.HTTPClient = offlineClient
	a, err := authn.New(ac, opts)
	if a != nil {
		_ = a.Close()
	}
	return err == nil
}

func authnConfig(cfg *config.Config) (authn.Config, error) {
	a := cfg.Authentication
	out := authn.Config{Realm: a.Realm, StoreFailOpen: a.StoreFailOpen}
	records := a.APIKeys.Keys
	if a.APIKeys.KeysFile != "" {
		more, err := loadKeysFile(a.APIKeys.KeysFile)
		if err != nil {
			return out, err
		}
		records = append(append([]config.APIKeyRecord(nil), records...), more...)
	}
	out.APIKeys = authn.APIKeyConfig{Header: a.APIKeys.Header, QueryParam: a.APIKeys.QueryParam}
	for _, k := range records {
		out.APIKeys.Keys = append(out.APIKeys.Keys, authn.APIKey{ID: k.ID, Hashes: k.Hashes, Subject: k.Subject,
			Tenant: k.Tenant, Scopes: k.Scopes, Roles: k.Roles, ExpiresAt: k.ExpiresAt, Disabled: k.Disabled})
	}
	out.JWT = authn.JWTConfig{MaxTokenBytes: int(a.JWT.MaxTokenBytes), CacheSize: a.JWT.CacheSize}
	for _, is := range a.JWT.Issuers {
		ai := authn.Issuer{Issuer: is.Issuer, Audiences: is.Audiences, AnyAudience: is.AnyAudience,
			Algorithms: is.Algorithms, JWKSURL: is.JWKSURL, RefreshInterval: is.RefreshInterval,
			MinRefreshInterval: is.MinRefreshInterval, FetchTimeout: is.FetchTimeout,
			RequireKeysAtStart: is.RequireKeysAtStart, Leeway: is.Leeway, MaxAge: is.MaxAge,
			AllowNoExpiry: is.AllowNoExpiry, RequiredClaims: is.RequiredClaims, SubjectClaim: is.SubjectClaim,
			ScopeClaim: is.ScopeClaim, RolesClaim: is.RolesClaim, TenantClaim: is.TenantClaim}
		for _, kf := range is.KeyFiles {
			ai.KeyFiles = append(ai.KeyFiles, authn.KeyFile{Path: kf.Path, ID: kf.ID, Algorithm: kf.Algorithm})
		}
		out.JWT.Issuers = append(out.JWT.Issuers, ai)
	}
	out.MTLS = authn.MTLSConfig{ClientCAFiles: a.MTLS.ClientCAFiles, SubjectFrom: a.MTLS.SubjectFrom}
	if len(a.MTLS.Subjects) > 0 {
		out.MTLS.Subjects = map[string]authn.Grants{}
		for s, g := range a.MTLS.Subjects {
			out.MTLS.Subjects[s] = authn.Grants{Tenant: g.Tenant, Scopes: g.Scopes, Roles: g.Roles}
		}
	}
	sg := a.Signatures
	out.Signatures = authn.SignatureConfig{RequiredComponents: sg.RequiredComponents, MaxAge: sg.MaxAge,
		ClockSkew: sg.ClockSkew, AllowNoNonce: sg.AllowNoNonce, MaxBodyBytes: int64(sg.MaxBodyBytes)}
	for _, k := range sg.Keys {
		out.Signatures.Keys = append(out.Signatures.Keys, authn.SignatureKey{ID: k.ID, Algorithm: k.Algorithm,
			KeyFile: k.KeyFile, Subject: k.Subject, Grants: authn.Grants{Tenant: k.Tenant, Scopes: k.Scopes, Roles: k.Roles}})
	}
	return out, nil
}

// loadKeysFile reads a YAML list of API key records, strictly.
func loadKeysFile(path string) ([]config.APIKeyRecord, error) {
	const field = "authentication.api_keys.keys_file"
	data, err := readConfigFile(path)
	if err != nil {
		return nil, atField(field, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var recs []config.APIKeyRecord
	if err := dec.Decode(&recs); err != nil && !errors.Is(err, io.EOF) {
		return nil, atField(field, fmt.Errorf("%q: %s", path, oneLineYAMLError(err)))
	}
	return recs, nil
}

// oneLineYAMLError joins yaml.v3's one-problem-a-line report ("unmarshal
// errors:\n  line 3: …") into one line; the line numbers are the keys
// file's own.
func oneLineYAMLError(err error) string {
	var parts []string
	for _, l := range strings.Split(strings.TrimPrefix(err.Error(), "yaml: "), "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "unmarshal errors:" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// routeAuthPolicy is the route's auth, or the API's; nil means none.
func routeAuthPolicy(api *config.API, route *config.Route) (*authn.Policy, error) {
	ra := api.Auth
	if route != nil && route.Auth != nil {
		ra = route.Auth
	}
	if ra == nil || (len(ra.Methods) == 1 && ra.Methods[0] == "none" && len(ra.Require) == 0) {
		return nil, nil
	}
	p := &authn.Policy{Issuers: ra.Issuers, ClientCAFiles: ra.ClientCAFiles, SameSubject: ra.SameSubject}
	for _, m := range ra.Methods {
		am, err := authn.ParseMethod(m)
		if err != nil {
			return nil, err
		}
		p.Methods = append(p.Methods, am)
	}
	for _, m := range ra.Require {
		am, err := authn.ParseMethod(m)
		if err != nil {
			return nil, err
		}
		p.Require = append(p.Require, am)
	}
	return p, nil
}

// buildObjects compiles every route's objects rule into one guard, and
// reports the routes whose chains need it (rule and learn routes).
func buildObjects(cfg *config.Config, e *env) (*objects.Guard, map[pipeline.Route]bool, error) {
	var rules []objects.Rule
	routes := map[pipeline.Route]bool{}
	for _, a := range cfg.APIs {
		for _, r := range a.Routes {
			o := r.Objects
			if o == nil {
				continue
			}
			rule := objects.Rule{Route: pipeline.Route{API: a.Name, Route: r.Name}, PathTemplate: o.PathTemplate,
				Param: o.Param, Methods: o.Methods, Namespace: o.Type, TTL: o.TTL, Unknown: o.Unknown,
				OverrideScopes: o.OverrideScopes, OverrideRoles: o.OverrideRoles}
			routes[rule.Route] = true
			for _, l := range o.Learn {
				lr := objects.LearnRule{Route: pipeline.Route{API: a.Name, Route: l.Route}, Methods: l.Methods,
					IDPointer: l.IDPointer, ListPointer: l.ListPointer, ItemIDPointer: l.ItemIDPointer}
				rule.Learn = append(rule.Learn, lr)
				routes[lr.Route] = true
			}
			rules = append(rules, rule)
		}
	}
	if len(rules) == 0 {
		return nil, nil, nil
	}
	g, err := objects.New(objects.Config{Rules: rules}, objects.Options{Marks: e.store, Logger: e.log,
		OnDenied:     func(ns, rule string) { e.metrics.Security("object_denied", ns) },
		OnStoreError: func(string) { e.metrics.StoreError("objects") }})
	if err != nil {
		return nil, nil, fmt.Errorf("objects: %w", err)
	}
	return g, routes, nil
}
