package gateway

import (
	"fmt"
	"time"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/guard/authn"
	"github.com/rampartsec/rampart/internal/guard/authz"
	"github.com/rampartsec/rampart/internal/guard/ban"
	"github.com/rampartsec/rampart/internal/guard/bruteforce"
	"github.com/rampartsec/rampart/internal/guard/objects"
	"github.com/rampartsec/rampart/internal/guard/ratelimit"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// securityGuards are the generation-wide guard instances; routeStages
// picks, per route, the ones that apply, in the fixed order:
//
//	ban → ip rate limits → body cap → brute force → authz → identity rate limits
//
// The ban check is first because it is the cheapest refusal; IP limits come
// before any body is read or any crypto is done.
type securityGuards struct {
	ban        *ban.Guard
	banSubject *ban.Guard // after authn: bans by subject
	limiter    *ratelimit.Limiter
	global     []string // global policy names
	bruteforce *bruteforce.Guard
	authn      *authn.Authenticator
	authz      *authz.Guard
	objects    *objects.Guard
	objRoutes  map[pipeline.Route]bool
}

// close stops the authenticator's background JWKS refreshes.
func (sg *securityGuards) close() {
	if sg != nil && sg.authn != nil {
		_ = sg.authn.Close()
	}
}

func buildSecurity(cfg *config.Config, e *env) (*securityGuards, error) {
	sg := &securityGuards{}
	// store.fail_mode closed means closed for the ban check and the
	// brute-force guard too: a check the store cannot answer while Redis is
	// unreachable refuses the request (503) instead of being skipped. With
	// open and local the failover store answers in Redis's place, and the
	// guards see no error. (Rate limits need nothing: the failover's
	// closed answer to a limit is a refusal.)
	failClosed := cfg.Store.FailMode == string(store.FailClosed)
	banFail := ban.FailOpen
	if failClosed {
		banFail = ban.FailClosed
	}
	var err error
	sg.ban, err = ban.New(ban.Config{Keys: []string{ban.KindIP, ban.KindNet}, CacheTTL: cfg.Bans.CacheTTL, OnError: banFail},
		ban.Options{Marks: e.store, Logger: e.log,
			OnBanned:     func(kind string) { e.metrics.Security("banned_request", kind) },
			OnStoreError: func() { e.metrics.StoreError("ban") }})
	if err != nil {
		return nil, atField("bans", err)
	}
	sg.banSubject, err = ban.New(ban.Config{Name: "ban_subject", Keys: []string{ban.KindSubject}, CacheTTL: cfg.Bans.CacheTTL, OnError: banFail},
		ban.Options{Marks: e.store, Logger: e.log,
			OnBanned:     func(kind string) { e.metrics.Security("banned_request", kind) },
			OnStoreError: func() { e.metrics.StoreError("ban") }})
	if err != nil {
		return nil, atField("bans", err)
	}
	var policies []ratelimit.Policy
	monitored := map[string]bool{} // rate-limit policies in monitor mode
	for _, p := range cfg.RateLimits {
		key, err := ratelimit.ParseKeySpec(p.Key)
		if err != nil {
			return nil, atField("rate_limits", fmt.Errorf("%s: %w", p.Name, err))
		}
		rp := ratelimit.Policy{Name: p.Name, Key: key, Monitor: p.Mode == "monitor", Headers: ratelimit.HeaderMode(p.Headers)}
		for _, l := range p.Limits {
			rp.Limits = append(rp.Limits, ratelimit.Limit{Limit: store.Limit{Rate: l.Requests, Period: l.Per, Burst: l.Burst}})
		}
		policies = append(policies, rp)
		if p.Global {
			sg.global = append(sg.global, p.Name)
		}
		monitored[p.Name] = rp.Monitor
	}
	sg.limiter, err = ratelimit.New(ratelimit.Config{Policies: policies}, ratelimit.Options{
		Limiter: e.store, Logger: e.log,
		// A protective action is an enforced refusal; monitored ones are in
		// rampart_denials_total{mode="monitor"}.
		OnLimited: func(policy, keyKind string) {
			if !monitored[policy] {
				e.metrics.Security("rate_limited", keyKind)
			}
		},
		OnStoreError: func(string) { e.metrics.StoreError("ratelimit") },
	})
	if err != nil {
		return nil, atField("rate_limits", err)
	}
	if endpoints := credentialEndpoints(cfg); len(endpoints) > 0 {
		key, err := secretAt("bruteforce.account_key", cfg.BruteForce.AccountKeyEnv, cfg.BruteForce.AccountKeyFile)
		if err != nil {
			return nil, fmt.Errorf("bruteforce: %w", err)
		}
		// No key configured: nil asks bruteforce.New for a random one per
		// process ([]byte("") is not nil, and would be refused as too short).
		var accountKey []byte
		if key != "" {
			accountKey = []byte(key)
		}
		bc := bruteforceConfig(cfg, endpoints, accountKey)
		bc.FailClosed = failClosed
		sg.bruteforce, err = bruteforce.New(bc, bruteforce.Options{
			Counters: e.store, Distinct: e.store, Marks: e.store, Logger: e.log,
			OnLockout:    func(kind string) { e.metrics.Security("lockout", kind) },
			OnBan:        func(kind string) { e.metrics.Security("ban", kind) },
			OnDelay:      func(time.Duration) { e.metrics.Security("delay", bruteforce.KindAccount) },
			OnStoreError: func(string) { e.metrics.StoreError("bruteforce") },
		})
		if err != nil {
			return nil, atField("bruteforce", err)
		}
	}
	sg.authz, err = authz.New(authzConfig(cfg), authz.Options{Logger: e.log})
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	if sg.authn, err = buildAuthn(cfg, e); err != nil {
		return nil, fmt.Errorf("authentication: %w", err)
	}
	if sg.objects, sg.objRoutes, err = buildObjects(cfg, e); err != nil {
		sg.close()
		return nil, err
	}
	return sg, nil
}

// routeStages returns the security stages of one route (name "" for the
// API's default route), split around the body cap.
func (sg *securityGuards) routeStages(api *config.API, route *config.Route) (before, after []pipeline.Stage, err error) {
	names := append(append([]string(nil), sg.global...), api.RateLimits...)
	cost, routeName := 0, config.DefaultRouteName
	if route != nil {
		names = append(names, route.RateLimits...)
		cost, routeName = route.Cost, route.Name
	}
	// Policies by position (before or after authentication) and mode.
	var ip, id policySplit
	seen := map[string]bool{}
	for _, n := range names {
		// A policy named globally and again on the API or route applies once.
		if seen[n] {
			continue
		}
		seen[n] = true
		p, _ := sg.limiter.Policy(n)
		if p.Key.NeedsIdentity() {
			id.add(p)
		} else {
			ip.add(p)
		}
	}
	before = append(before, pipeline.Stage{Guard: sg.ban})
	stages, err := sg.limitStages("ratelimit_ip", cost, ip)
	if err != nil {
		return nil, nil, fmt.Errorf("api %s route %s: %w", api.Name, routeName, err)
	}
	before = append(before, stages...)
	if sg.bruteforce != nil && route != nil && route.Credential != nil {
		after = append(after, pipeline.Stage{Guard: sg.bruteforce, Mode: credentialMode(route.Credential)})
	}
	policy, err := routeAuthPolicy(api, route)
	if err != nil {
		return nil, nil, fmt.Errorf("api %s route %s: %w", api.Name, routeName, err)
	}
	if policy != nil {
		g, err := sg.authn.Guard(*policy)
		if err != nil {
			return nil, nil, fmt.Errorf("api %s route %s: %w", api.Name, routeName, err)
		}
		after = append(after, pipeline.Stage{Guard: g}, pipeline.Stage{Guard: sg.banSubject})
	}
	after = append(after, pipeline.Stage{Guard: sg.authz})
	if sg.objects != nil && sg.objRoutes[pipeline.Route{API: api.Name, Route: routeName}] {
		after = append(after, pipeline.Stage{Guard: sg.objects})
	}
	stages, err = sg.limitStages("ratelimit_identity", cost, id)
	if err != nil {
		return nil, nil, fmt.Errorf("api %s route %s: %w", api.Name, routeName, err)
	}
	return before, append(after, stages...), nil
}

// policySplit holds the rate-limit policies of one position of a route,
// enforced and monitored apart: one guard's Check stops at its first
// refusal, and a monitored refusal must not keep enforced policies from
// counting the request it lets through.
type policySplit struct{ enforced, monitored []string }

func (s *policySplit) add(p ratelimit.Policy) {
	if p.Monitor {
		s.monitored = append(s.monitored, p.Name)
	} else {
		s.enforced = append(s.enforced, p.Name)
	}
}

// limitStages builds the rate-limit stages of one position: the monitored
// policies' guard ("<name>_monitor", a Monitor stage) first, so that it
// counts every request reaching the position, as if it were listed first,
// then the enforced policies' guard.
func (sg *securityGuards) limitStages(name string, cost int, s policySplit) ([]pipeline.Stage, error) {
	var out []pipeline.Stage
	if len(s.monitored) > 0 {
		g, err := sg.limiter.GuardWithCost(name+"_monitor", cost, s.monitored...)
		if err != nil {
			return nil, err
		}
		out = append(out, pipeline.Stage{Guard: g, Mode: pipeline.Monitor})
	}
	if len(s.enforced) > 0 {
		g, err := sg.limiter.GuardWithCost(name, cost, s.enforced...)
		if err != nil {
			return nil, err
		}
		out = append(out, pipeline.Stage{Guard: g})
	}
	return out, nil
}

// credentialMode is the chain mode of a credential route's brute-force
// stage. The guard also knows it per endpoint (bruteforce.Endpoint.Mode):
// a monitored endpoint must not delay, lock out or ban, which happens
// inside the guard, not in the chain.
func credentialMode(c *config.Credential) pipeline.Mode {
	if c.Mode == "monitor" {
		return pipeline.Monitor
	}
	return pipeline.Enforce
}

func credentialEndpoints(cfg *config.Config) map[pipeline.Route]bruteforce.Endpoint {
	out := map[pipeline.Route]bruteforce.Endpoint{}
	for _, a := range cfg.APIs {
		for _, r := range a.Routes {
			c := r.Credential
			if c == nil {
				continue
			}
			src := bruteforce.UsernameSource{JSONField: c.UsernameJSONField, FormField: c.UsernameFormField, BasicAuth: true}
			if src.JSONField == "" {
				src.JSONField = "username"
			}
			if src.FormField == "" {
				src.FormField = "username"
			}
			if c.BasicAuth != nil {
				src.BasicAuth = *c.BasicAuth
			}
			out[pipeline.Route{API: a.Name, Route: r.Name}] = bruteforce.Endpoint{
				Username: src,
				Failure:  bruteforce.FailureDetection{Statuses: c.FailureStatuses, BodyMarker: c.FailureBodyMarker},
				Mode:     credentialMode(c),
			}
		}
	}
	return out
}

func bruteforceConfig(cfg *config.Config, endpoints map[pipeline.Route]bruteforce.Endpoint, key []byte) bruteforce.Config {
	b := cfg.BruteForce
	return bruteforce.Config{
		Endpoints: endpoints,
		Account:   bruteforce.AccountPolicy{DelayAfter: b.Account.DelayAfter, LockAfter: b.Account.LockAfter, Window: b.Account.Window},
		IP:        bruteforce.Threshold{Failures: b.IP.Failures, Window: b.IP.Window},
		Network:   bruteforce.NetworkPolicy{Threshold: bruteforce.Threshold{Failures: b.Network.Failures, Window: b.Network.Window}},
		// The key prefix is read where the authentication guard reads keys.
		APIKey: bruteforce.APIKeyPolicy{Threshold: bruteforce.Threshold{Failures: b.APIKey.Failures, Window: b.APIKey.Window},
			Header: cfg.Authentication.APIKeys.Header, QueryParam: cfg.Authentication.APIKeys.QueryParam},
		Delay:   bruteforce.DelayPolicy{Base: b.Delay.Base, Max: b.Delay.Max, MaxDelayed: b.Delay.MaxDelayed},
		Lockout: b.Lockout,
		Stuffing: bruteforce.StuffingPolicy{Accounts: b.Stuffing.Accounts, NetworkAccounts: b.Stuffing.NetworkAccounts,
			Window: b.Stuffing.Window, BanFor: b.Stuffing.BanFor},
		TrustFor:   b.TrustFor,
		AccountKey: key,
	}
}

func authzConfig(cfg *config.Config) authz.Config {
	h := cfg.IdentityHeaders
	off := func(s string) string {
		if s == "off" {
			return ""
		}
		return s
	}
	ac := authz.Config{IdentityHeaders: &authz.IdentityHeaders{
		Subject: off(h.Subject), Scopes: off(h.Scopes), Roles: off(h.Roles), Method: off(h.Method), Tenant: off(h.Tenant),
	}}
	add := func(route pipeline.Route, a *config.Authz, methods []string) {
		if a == nil {
			return
		}
		rule := authz.Rule{Scopes: a.Scopes, Roles: a.Roles, AllowIPs: a.AllowIPs, DenyIPs: a.DenyIPs, PathTemplate: a.PathTemplate}
		if o := a.Owner; o != nil {
			in := o.In
			if in == "" {
				in = authz.InPath
			}
			claim := o.Claim
			if claim == "" {
				claim = "sub"
			}
			rule.Owner = &authz.OwnerRule{Param: o.Param, In: in, Claim: claim, OverrideScopes: o.OverrideScopes, OverrideRoles: o.OverrideRoles}
		}
		ac.Rules = append(ac.Rules, authz.RouteRule{Route: route, Methods: methods, Rule: rule})
	}
	for _, a := range cfg.APIs {
		add(pipeline.Route{API: a.Name}, a.Authz, nil)
		for _, r := range a.Routes {
			add(pipeline.Route{API: a.Name, Route: r.Name}, r.Authz, nil)
		}
	}
	return ac
}
