package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

// Defaults applied by [New] to zero-valued [Config] fields.
const (
	// DefaultEventWindow is how long one key's limit hits are folded into
	// one Event.
	DefaultEventWindow = time.Minute
	// DefaultEventKeys bounds the keys remembered for event deduplication.
	DefaultEventKeys = 10000
)

// Key kinds a policy can limit by.
const (
	// KindIP limits per client address (IPv4 as is, IPv6 per /64).
	KindIP = "ip"
	// KindIdentity limits per authenticated subject (or credential id when
	// there is no subject).
	KindIdentity = "identity"
	// KindHeader limits per value of a request header, hashed.
	KindHeader = "header"
	// KindClaim limits per value of a verified identity claim ("tenant").
	KindClaim = "claim"
)

// FailMode says what a guard does when the store fails.
type FailMode string

const (
	// FailOpen admits the request (the default): rate limits are one defence
	// among several, and a Redis outage must not take the API down. Every
	// failure calls Options.OnStoreError and is logged (once per key and
	// event window, so an outage does not flood the log).
	FailOpen FailMode = "open"
	// FailClosed refuses the request with 503 and Retry-After: for APIs
	// where an unmetered request costs more than an outage (paid upstreams).
	FailClosed FailMode = "closed"
)

// Config configures the rate-limit policies of a gateway. The zero value of
// every field means its documented default, applied in one place by [New].
type Config struct {
	// Policies are every policy of the gateway (global, per API, per
	// route); [Limiter.Guard] picks the ones a route applies. Names must be
	// unique.
	Policies []Policy

	// OnError is what happens when the store fails: FailOpen ("open",
	// default) or FailClosed ("closed").
	OnError FailMode

	// EventWindow is how long the limit hits of one key (policy, limit and
	// client key) produce a single Event: the first hit is reported, the
	// following ones until the window ends only counted. 0 means
	// DefaultEventWindow (1m); negative is an error.
	EventWindow time.Duration

	// EventKeys bounds the keys remembered for that deduplication (an
	// attacker chooses keys). When it is full of live keys, hits of new keys
	// produce no Event until the oldest window ends. 0 means
	// DefaultEventKeys (10000); negative is an error.
	EventKeys int
}

// Policy is one rate limit: what requests are keyed by, and the limits every
// key must stay within.
type Policy struct {
	// Name identifies the policy in store keys, response headers, metrics
	// and events: 1–64 characters of [A-Za-z0-9_.-]. A policy applied to
	// several routes counts their requests together (a global limit); give
	// route-specific policies their own names.
	Name string
	// Key is what requests are counted by.
	Key KeySpec
	// Limits are enforced together: a request is admitted only if every
	// limit admits it (e.g. 20/s burst 40 and 10000 per 24h). One store
	// call (store.AllowAll, one Redis script) decides them all atomically:
	// the request is counted in every limit, or in none when one refuses.
	// At most 8 limits.
	Limits []Limit
	// Cost is how many events one request counts for, for composite or
	// expensive operations (a batch endpoint costing 10). 0 means 1. It may
	// not exceed any limit's Burst: such a request could never pass.
	Cost int
	// Monitor records the policy's refusals instead of enforcing them: a
	// refused request is counted in the Outcome (a monitored Denial), an
	// Event and OnLimited, and goes on. A monitored policy counts exactly
	// as an enforced one would (a refused request consumes nothing), so
	// its denials are the ones enforcing it would produce. Monitored and
	// enforced policies need separate guards ([Limiter.GuardWithCost]
	// refuses a mix), and monitored policies never send RateLimit fields.
	Monitor bool
	// Headers says when the policy's RateLimit-Policy and RateLimit fields
	// are sent: HeadersAlways ("" or "always", the default: on admitted
	// responses too, so clients can pace themselves) or HeadersOnRefusal
	// ("on_refusal": on 429 answers only).
	Headers HeaderMode
}

// HeaderMode says when a policy's RateLimit fields are sent.
type HeaderMode string

const (
	// HeadersAlways sends them on admitted responses and on 429 answers,
	// as draft-ietf-httpapi-ratelimit-headers recommends.
	HeadersAlways HeaderMode = "always"
	// HeadersOnRefusal sends them on 429 answers only: for policies whose
	// quota a client should not see before it runs out.
	HeadersOnRefusal HeaderMode = "on_refusal"
)

// Limit is one GCRA limit of a policy.
type Limit struct {
	// Name identifies the limit in the RateLimit-Policy and RateLimit
	// headers. Empty means the policy name for a policy's only limit and
	// "<policy>-<n>" (n from 1) otherwise. Same syntax as Policy.Name;
	// unique within a guard.
	Name string
	store.Limit
}

// KeySpec says what a policy counts requests by.
type KeySpec struct {
	// Kind is KindIP, KindIdentity, KindHeader or KindClaim.
	Kind string
	// Name is the header name (KindHeader) or claim name (KindClaim).
	Name string
}

// String returns the spec in the form ParseKeySpec reads.
func (k KeySpec) String() string {
	if k.Name == "" {
		return k.Kind
	}
	return k.Kind + ":" + k.Name
}

// NeedsIdentity reports whether the key is known only after authentication:
// put such policies in a guard that runs after authn.
func (k KeySpec) NeedsIdentity() bool { return k.Kind == KindIdentity || k.Kind == KindClaim }

// ParseKeySpec parses "ip", "identity", "header:NAME" or "claim:NAME"
// (the configuration file's syntax).
func ParseKeySpec(s string) (KeySpec, error) {
	kind, name, _ := strings.Cut(strings.TrimSpace(s), ":")
	k := KeySpec{Kind: kind, Name: name}
	if err := k.validate(); err != nil {
		return KeySpec{}, err
	}
	if k.Kind == KindHeader {
		k.Name = textproto.CanonicalMIMEHeaderKey(k.Name)
	}
	return k, nil
}

func (k KeySpec) validate() error {
	switch k.Kind {
	case KindIP, KindIdentity:
		if k.Name != "" {
			return fmt.Errorf("key %q takes no name", k.Kind)
		}
	case KindHeader, KindClaim:
		if !validToken(k.Name, 128) {
			return fmt.Errorf("key %s needs a name (%s:NAME), got %q", k.Kind, k.Kind, k.Name)
		}
	default:
		return fmt.Errorf("unknown key %q (want ip, identity, header:NAME or claim:NAME)", k.String())
	}
	return nil
}

// validToken reports whether s is 1–max characters of [A-Za-z0-9_.-]: safe
// in a store key, a structured-field string and a log line.
func validToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// maxLimits bounds the limits of a policy, so the guard can keep the
// decisions of one request on the stack.
const maxLimits = 8

// StoreLimiter is the part of the store a rate-limit guard uses
// (store.Limiter); the composition root passes store.Memory, redisstore or
// its failover wrapper.
type StoreLimiter interface {
	AllowAll(ctx context.Context, key string, limits []store.NamedLimit, cost int) (store.MultiDecision, error)
}

// Options holds a Limiter's collaborators.
type Options struct {
	// Limiter decides the limits. Required.
	Limiter StoreLimiter
	// OnLimited, when set, is called for every refused request (monitored
	// ones included) with the policy name and key kind, for metrics. It runs
	// on the request path: keep it fast and safe for concurrent use.
	OnLimited func(policy, keyKind string)
	// OnStoreError, when set, is called for every store failure with the
	// policy name, for metrics.
	OnStoreError func(policy string)
	// Logger receives store failures; nil discards.
	Logger *slog.Logger
	// Now is the clock of event deduplication; nil means time.Now. The
	// store keeps its own clock for the limits.
	Now func() time.Time
}

// settings is a validated Config with its defaults applied.
type settings struct {
	failClosed  bool
	eventWindow time.Duration
	eventKeys   int
}

func (c Config) resolve() (settings, error) {
	s := settings{eventWindow: c.EventWindow, eventKeys: c.EventKeys}
	switch c.OnError {
	case "", FailOpen:
	case FailClosed:
		s.failClosed = true
	default:
		return settings{}, fmt.Errorf("ratelimit: unknown fail mode %q (want open or closed)", c.OnError)
	}
	if s.eventWindow < 0 {
		return settings{}, fmt.Errorf("ratelimit: event window %v is negative", s.eventWindow)
	}
	if s.eventWindow == 0 {
		s.eventWindow = DefaultEventWindow
	}
	if s.eventKeys < 0 {
		return settings{}, fmt.Errorf("ratelimit: event keys %d is negative", s.eventKeys)
	}
	if s.eventKeys == 0 {
		s.eventKeys = DefaultEventKeys
	}
	return s, nil
}

// validate checks one policy and fills in its defaults.
func (p Policy) validate() (Policy, error) {
	if !validToken(p.Name, 64) {
		return p, fmt.Errorf("policy name %q: want 1-64 characters of A-Z a-z 0-9 _ . -", p.Name)
	}
	if err := p.Key.validate(); err != nil {
		return p, fmt.Errorf("policy %s: %w", p.Name, err)
	}
	if p.Key.Kind == KindHeader {
		p.Key.Name = textproto.CanonicalMIMEHeaderKey(p.Key.Name)
	}
	if len(p.Limits) == 0 {
		return p, fmt.Errorf("policy %s: no limits", p.Name)
	}
	if len(p.Limits) > maxLimits {
		return p, fmt.Errorf("policy %s: %d limits, at most %d", p.Name, len(p.Limits), maxLimits)
	}
	switch p.Headers {
	case "":
		p.Headers = HeadersAlways
	case HeadersAlways, HeadersOnRefusal:
	default:
		return p, fmt.Errorf("policy %s: unknown headers mode %q (want always or on_refusal)", p.Name, p.Headers)
	}
	if p.Cost < 0 {
		return p, fmt.Errorf("policy %s: cost %d is negative", p.Name, p.Cost)
	}
	if p.Cost == 0 {
		p.Cost = 1
	}
	limits := make([]Limit, len(p.Limits))
	for i, l := range p.Limits {
		if err := store.CheckAllow(l.Limit, p.Cost); err != nil {
			return p, fmt.Errorf("policy %s: limit %d: %w", p.Name, i+1, err)
		}
		if p.Cost > l.Burst {
			return p, fmt.Errorf("policy %s: cost %d exceeds limit %d's burst %d: no request could pass", p.Name, p.Cost, i+1, l.Burst)
		}
		if l.Name == "" {
			l.Name = p.Name
			if len(p.Limits) > 1 {
				l.Name = fmt.Sprintf("%s-%d", p.Name, i+1)
			}
		}
		if !validToken(l.Name, 80) {
			return p, fmt.Errorf("policy %s: limit name %q: want A-Z a-z 0-9 _ . -", p.Name, l.Name)
		}
		limits[i] = l
	}
	p.Limits = limits
	return p, nil
}

var errNoLimiter = errors.New("ratelimit: Options.Limiter is required")
