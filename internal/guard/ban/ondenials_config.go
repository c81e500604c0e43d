package ban

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Defaults applied by [NewOnDenials] to zero-valued [OnDenialsConfig]
// fields.
const (
	DefaultDenialFailures = 20
	DefaultDenialWindow   = 10 * time.Minute
	DefaultDenialBanFor   = time.Hour
	// DefaultDenialCategory is the ban Event's category when neither the
	// config nor the counted denial names one (unrestricted resource
	// consumption: the source keeps making the gateway refuse it).
	DefaultDenialCategory = "API4:2023"
)

// Scopes of a denial ban: what the ban covers.
const (
	// ScopeIP bans the source: an IPv4 address, or the /64 of an IPv6
	// address (a host owns its /64 and picks addresses in it at will, so
	// banning one IPv6 address would ban nothing).
	ScopeIP = "ip"
	// ScopeNet bans the source's network: its /24 (IPv4) or /64 (IPv6),
	// the networks the guard checks.
	ScopeNet = "net"
)

// maxDenialBanName bounds OnDenialsConfig.Name: it is a metric label and
// part of store keys.
const maxDenialBanName = 64

// OnDenialsConfig configures an [OnDenials] sink: which denials count, how
// many ban, and for how long.
type OnDenialsConfig struct {
	// Name names the ban: the Event's rule, the kind passed to OnBan (a
	// metric label) and part of the counter's store key. Required; keep it
	// a fixed, short string.
	Name string
	// Source is the ban mark's Source (what /admin/bans shows) and the ban
	// Event's guard. Default Name.
	Source string
	// Guard names the guard whose enforced denials count ("injection",
	// "authn", ...: the name its denials carry). Required.
	Guard string
	// Rules, when set, counts only denials with these rules. IgnoreRules,
	// when set, counts every denial of Guard except these. Not both;
	// neither counts every denial of Guard.
	Rules       []string
	IgnoreRules []string
	// Failures denials from one source within Window ban it. Default 20.
	Failures int
	// Window is the counting window. Default 10m.
	Window time.Duration
	// BanFor is the ban's length. Default 1h.
	BanFor time.Duration
	// Scope is ScopeIP (default) or ScopeNet: what is counted and banned.
	Scope string
	// Category is the ban Event's OWASP category. Default: the category of
	// the denial that crossed the threshold, else DefaultDenialCategory.
	Category string
}

// Counter is the part of store.Counters an OnDenials sink uses.
type Counter interface {
	Incr(ctx context.Context, key string, window time.Duration, n int64) (int64, error)
}

// OnDenialsOptions holds an OnDenials sink's collaborators.
type OnDenialsOptions struct {
	// Counters and Marks are the shared state. Required.
	Counters Counter
	Marks    MarkWriter
	// Events receive the "ban" Event of each ban.
	Events []pipeline.EventSink
	// OnBan is called with the config's Name once per ban written;
	// OnStoreError with the operation ("incr_counter", "put_ban") when the
	// store fails. Both optional, for metrics.
	OnBan        func(name string)
	OnStoreError func(op string)
	// Logger receives store failures; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// denialSettings is a validated OnDenialsConfig with its defaults applied.
type denialSettings struct {
	name, source, guard string
	rules, ignore       map[string]bool // rules nil: every rule not in ignore
	failures            int64
	window, banFor      time.Duration
	net                 bool
	category            string
}

func (c OnDenialsConfig) resolve() (denialSettings, error) {
	s := denialSettings{name: c.Name, source: c.Source, guard: c.Guard, failures: int64(c.Failures),
		window: c.Window, banFor: c.BanFor, category: c.Category}
	switch {
	case s.name == "" || len(s.name) > maxDenialBanName || strings.ContainsFunc(s.name, isControl):
		return denialSettings{}, fmt.Errorf("ban on denials: invalid name %q (1 to %d characters, no control characters)", c.Name, maxDenialBanName)
	case s.guard == "":
		return denialSettings{}, fmt.Errorf("ban on denials %s: no guard named", s.name)
	case len(c.Rules) > 0 && len(c.IgnoreRules) > 0:
		return denialSettings{}, fmt.Errorf("ban on denials %s: set rules or ignore rules, not both", s.name)
	}
	if s.source == "" {
		s.source = s.name
	}
	var err error
	if s.rules, err = ruleSet(s.name, c.Rules); err != nil {
		return denialSettings{}, err
	}
	if s.ignore, err = ruleSet(s.name, c.IgnoreRules); err != nil {
		return denialSettings{}, err
	}
	switch {
	case c.Failures < 0:
		return denialSettings{}, fmt.Errorf("ban on denials %s: failures %d is negative", s.name, c.Failures)
	case c.Failures == 0:
		s.failures = DefaultDenialFailures
	}
	if s.window, err = positiveOr(s.name, "window", c.Window, DefaultDenialWindow); err != nil {
		return denialSettings{}, err
	}
	if s.banFor, err = positiveOr(s.name, "ban length", c.BanFor, DefaultDenialBanFor); err != nil {
		return denialSettings{}, err
	}
	switch c.Scope {
	case "", ScopeIP:
	case ScopeNet:
		s.net = true
	default:
		return denialSettings{}, fmt.Errorf("ban on denials %s: unknown scope %q (want ip or net)", s.name, c.Scope)
	}
	return s, nil
}

// ruleSet turns rule names into a set; nil for none.
func ruleSet(name string, rules []string) (map[string]bool, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	set := make(map[string]bool, len(rules))
	for _, r := range rules {
		if r == "" {
			return nil, fmt.Errorf("ban on denials %s: rule names must not be empty", name)
		}
		set[r] = true
	}
	return set, nil
}

// positiveOr returns d, or def when d is zero; a negative d is an error.
func positiveOr(name, what string, d, def time.Duration) (time.Duration, error) {
	switch {
	case d < 0:
		return 0, fmt.Errorf("ban on denials %s: %s %v is negative", name, what, d)
	case d == 0:
		return def, nil
	}
	return d, nil
}

var errNoDenialStore = errors.New("ban on denials: Options.Counters and Options.Marks are required")
