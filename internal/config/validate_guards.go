package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

var headerNameRe = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")

// applyGuardDefaults fills the defaults of the security sections.
func (c *Config) applyGuardDefaults() {
	c.Store.applyDefaults()
	for i := range c.RateLimits {
		p := &c.RateLimits[i]
		setDefault(&p.Key, "ip")
		setDefault(&p.Mode, "enforce")
		setDefault(&p.Headers, "always")
		for j := range p.Limits {
			l := &p.Limits[j]
			setDefault(&l.Per, time.Second)
			setDefault(&l.Burst, l.Requests)
		}
	}
	for i := range c.APIs {
		for j := range c.APIs[i].Routes {
			if cr := c.APIs[i].Routes[j].Credential; cr != nil {
				setDefault(&cr.Mode, "enforce")
			}
		}
	}
	h := &c.IdentityHeaders
	setDefault(&h.Subject, "X-Rampart-Subject")
	setDefault(&h.Scopes, "X-Rampart-Scopes")
	setDefault(&h.Roles, "X-Rampart-Roles")
	setDefault(&h.Method, "X-Rampart-Auth-Method")
	setDefault(&h.Tenant, "X-Rampart-Tenant")
	a := &c.Audit
	setDefault(&a.Fsync, "interval")
	setDefault(&a.OnFull, "block")
	setDefault(&a.Outcomes, "all")
	setDefault(&a.OnAuditFailure, "serve")
}

// validateGuards checks the security sections.
func (c *Config) validateGuards(v *validator) {
	c.Store.validate(v)
	if c.Admin.TokenEnv != "" && c.Admin.TokenFile != "" {
		v.add("admin.token_env", "set token_env or token_file, not both")
	}
	v.file("admin.token_file", c.Admin.TokenFile)

	policies := map[string]*RateLimit{}
	for i := range c.RateLimits {
		p := &c.RateLimits[i]
		f := fmt.Sprintf("rate_limits[%d]", i)
		if !nameRe.MatchString(p.Name) {
			v.add(f+".name", "invalid name %q (lowercase letters, digits, - and _)", p.Name)
		} else if policies[p.Name] != nil {
			v.add(f+".name", "duplicate policy name %q", p.Name)
		}
		policies[p.Name] = p
		if err := checkRateKey(p.Key); err != nil {
			v.add(f+".key", "%v", err)
		}
		oneOf(v, f+".mode", p.Mode, "enforce", "monitor")
		oneOf(v, f+".headers", p.Headers, "always", "on_refusal")
		if len(p.Limits) == 0 {
			v.add(f+".limits", "at least one limit is required")
		}
		for j, l := range p.Limits {
			lf := fmt.Sprintf("%s.limits[%d]", f, j)
			if l.Requests < 1 {
				v.add(lf+".requests", "must be at least 1")
			}
			if l.Per <= 0 {
				v.add(lf+".per", "must be positive")
			}
			if l.Burst < 1 {
				v.add(lf+".burst", "must be at least 1")
			}
		}
	}
	refs := func(field string, names []string, cost int) {
		for k, n := range names {
			p := policies[n]
			if p == nil {
				v.add(fmt.Sprintf("%s[%d]", field, k), "unknown rate-limit policy %q", n)
				continue
			}
			for _, l := range p.Limits {
				if cost > l.Burst {
					v.add(fmt.Sprintf("%s[%d]", field, k), "cost %d exceeds the burst %d of policy %q: no request could pass", cost, l.Burst, n)
				}
			}
		}
	}
	var global []string
	for _, p := range c.RateLimits {
		if p.Global {
			global = append(global, p.Name)
		}
	}
	for i := range c.APIs {
		a := &c.APIs[i]
		f := fmt.Sprintf("apis[%d]", i)
		refs(f+".rate_limits", a.RateLimits, 1)
		a.Authz.validate(v, f+".authz")
		for j := range a.Routes {
			r := &a.Routes[j]
			rf := fmt.Sprintf("%s.routes[%d]", f, j)
			if r.Cost < 0 {
				v.add(rf+".cost", "must not be negative")
			}
			refs(rf+".rate_limits", r.RateLimits, r.Cost)
			if r.Cost > 1 {
				refs(rf+".cost", append(append([]string(nil), global...), a.RateLimits...), r.Cost)
			}
			r.Authz.validate(v, rf+".authz")
			if cr := r.Credential; cr != nil {
				oneOf(v, rf+".credential.mode", cr.Mode, "enforce", "monitor")
				for k, st := range cr.FailureStatuses {
					if st < 200 || st > 599 {
						v.add(fmt.Sprintf("%s.credential.failure_statuses[%d]", rf, k), "invalid status %d", st)
					}
				}
			}
		}
	}
	c.validateIdentityHeaders(v)
	c.validateAuth(v)
	c.validateAudit(v)
	c.Bans.validate(v)
	bf := &c.BruteForce
	if bf.AccountKeyEnv != "" && bf.AccountKeyFile != "" {
		v.add("bruteforce.account_key_env", "set account_key_env or account_key_file, not both")
	}
	v.file("bruteforce.account_key_file", bf.AccountKeyFile)
}

// checkRateKey accepts ip, identity, header:NAME and claim:NAME.
func checkRateKey(k string) error {
	switch {
	case k == "ip" || k == "identity":
		return nil
	case strings.HasPrefix(k, "header:") && headerNameRe.MatchString(k[len("header:"):]):
		return nil
	case strings.HasPrefix(k, "claim:") && len(k) > len("claim:") && len(k) <= 70:
		return nil
	}
	return fmt.Errorf("invalid key %q (want ip, identity, header:NAME or claim:NAME)", k)
}

func (a *Authz) validate(v *validator, field string) {
	if a == nil {
		return
	}
	for i, c := range a.AllowIPs {
		if _, err := pipeline.ParsePrefixOrAddr(c); err != nil {
			v.add(fmt.Sprintf("%s.allow_ips[%d]", field, i), "%v", err)
		}
	}
	for i, c := range a.DenyIPs {
		if _, err := pipeline.ParsePrefixOrAddr(c); err != nil {
			v.add(fmt.Sprintf("%s.deny_ips[%d]", field, i), "%v", err)
		}
	}
	if o := a.Owner; o != nil {
		if o.Param == "" {
			v.add(field+".owner.param", "required")
		}
		switch o.In {
		case "", "path":
			if a.PathTemplate == "" {
				v.add(field+".path_template", "required by an owner rule in the path")
			} else if !strings.Contains(a.PathTemplate, "{"+o.Param+"}") {
				v.add(field+".path_template", "has no {%s} segment", o.Param)
			}
		case "query", "body":
		default:
			v.add(field+".owner.in", "unknown location %q (want path, query or body)", o.In)
		}
	}
}

func (c *Config) validateIdentityHeaders(v *validator) {
	h := c.IdentityHeaders
	for _, f := range []struct{ field, value string }{
		{"identity_headers.subject", h.Subject}, {"identity_headers.scopes", h.Scopes},
		{"identity_headers.roles", h.Roles}, {"identity_headers.method", h.Method}, {"identity_headers.tenant", h.Tenant},
	} {
		if f.value != "off" && !headerNameRe.MatchString(f.value) {
			v.add(f.field, "invalid header name %q", f.value)
		}
	}
}

func (c *Config) validateAudit(v *validator) {
	a := c.Audit
	if a.Dir == "" {
		return
	}
	if (a.HMACKeyEnv == "") == (a.HMACKeyFile == "") {
		v.add("audit.hmac_key_env", "set exactly one of hmac_key_env and hmac_key_file")
	}
	v.file("audit.hmac_key_file", a.HMACKeyFile)
	if a.SigningKeyFile == "" {
		v.add("audit.signing_key_file", "required: checkpoints are signed (rampart audit keygen makes a key)")
	}
	v.file("audit.signing_key_file", a.SigningKeyFile)
	checks := []struct{ field, value, allowed string }{
		{"audit.fsync", a.Fsync, "always interval never"},
		{"audit.on_full", a.OnFull, "block drop"},
		{"audit.outcomes", a.Outcomes, "all denied"},
		{"audit.on_audit_failure", a.OnAuditFailure, "serve refuse"},
	}
	for _, ch := range checks {
		if !contains(strings.Fields(ch.allowed), ch.value) {
			v.add(ch.field, "unknown value %q (want one of: %s)", ch.value, ch.allowed)
		}
	}
	for _, d := range []struct {
		field string
		value time.Duration
	}{{"audit.checkpoint_interval", a.CheckpointInterval}, {"audit.fsync_interval", a.FsyncInterval},
		{"audit.segment_max_age", a.SegmentMaxAge}, {"audit.retain_max_age", a.RetainMaxAge}} {
		v.nonNegative(d.field, d.value)
	}
	if a.SegmentMaxBytes != 0 && a.SegmentMaxBytes < 4096 {
		v.add("audit.segment_max_bytes", "must be at least 4KiB")
	}
	if a.CheckpointEvery < 0 || a.QueueSize < 0 {
		v.add("audit.queue_size", "counts must not be negative")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
