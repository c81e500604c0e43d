package config

import (
	"fmt"
	"strings"
	"time"
)

// BanOnDenials bans a source (a client address, an IPv6 /64, or with
// scope net its /24 or /64) that one guard refused Failures times within
// Window. Only enforced denials count, never monitored ones.
type BanOnDenials struct {
	// Name names the entry: the ban's source in /admin/bans, the ban
	// Event's rule, the metric kind. Required, unique.
	Name string `yaml:"name"`
	// Guard is the guard whose denials count (see BanGuards). Required.
	Guard string `yaml:"guard"`
	// Rules, when set, counts only the guard's denials with these rules.
	Rules []string `yaml:"rules"`
	// IgnoreRules, when set, counts every denial of the guard but these.
	// Not with Rules.
	IgnoreRules []string `yaml:"ignore_rules"`
	// Failures denials in Window ban the source. Default 20.
	Failures int `yaml:"failures"`
	// Window is the counting window. Default 10m.
	Window time.Duration `yaml:"window"`
	// BanFor is the ban length. Default 1h.
	BanFor time.Duration `yaml:"ban_for"`
	// Scope is "ip" (default: the address, or an IPv6 /64) or "net" (the
	// /24 or /64).
	Scope string `yaml:"scope"`
}

// BanGuards are the guards whose denials bans.on_denials may count: the
// stage names of a route's chain (internal/gateway/build.go), without the
// monitored rate-limit stages, which never enforce, and the audit gate,
// which refuses because of the gateway's state, not the client's.
var BanGuards = []string{"shed", "ban", "ban_subject", "ratelimit_ip", "bodylimit", "bruteforce", "authn",
	"authz", "objects", "ratelimit_identity", "schema", "injection"}

// reservedBanNames are the names bans made elsewhere already use as their
// source or metric kind; an entry named so could not be told from them.
var reservedBanNames = []string{"admin", "bruteforce", "token_guessing", "credential_stuffing", "credential_stuffing_network"}

// validate checks the bans section.
func (b *Bans) validate(v *validator) {
	names := map[string]bool{}
	for i, e := range b.OnDenials {
		f := fmt.Sprintf("bans.on_denials[%d]", i)
		switch {
		case !nameRe.MatchString(e.Name):
			v.add(f+".name", "invalid name %q (lowercase letters, digits, - and _)", e.Name)
		case contains(reservedBanNames, e.Name):
			v.add(f+".name", "name %q is reserved (used by: %s)", e.Name, strings.Join(reservedBanNames, ", "))
		case names[e.Name]:
			v.add(f+".name", "duplicate name %q", e.Name)
		}
		names[e.Name] = true
		if !contains(BanGuards, e.Guard) {
			v.add(f+".guard", "unknown guard %q (want one of: %s)", e.Guard, strings.Join(BanGuards, ", "))
		}
		if len(e.Rules) > 0 && len(e.IgnoreRules) > 0 {
			v.add(f+".ignore_rules", "set rules or ignore_rules, not both")
		}
		for j, r := range e.Rules {
			if strings.TrimSpace(r) == "" {
				v.add(fmt.Sprintf("%s.rules[%d]", f, j), "empty rule name")
			}
		}
		for j, r := range e.IgnoreRules {
			if strings.TrimSpace(r) == "" {
				v.add(fmt.Sprintf("%s.ignore_rules[%d]", f, j), "empty rule name")
			}
		}
		if e.Failures < 0 {
			v.add(f+".failures", "must not be negative")
		}
		v.nonNegative(f+".window", e.Window)
		v.nonNegative(f+".ban_for", e.BanFor)
		switch e.Scope {
		case "", "ip", "net":
		default:
			v.add(f+".scope", "unknown scope %q (want ip or net)", e.Scope)
		}
	}
}
