package bruteforce

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/dedup"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// Counters is the part of store.Counters the guard uses.
type Counters interface {
	Incr(ctx context.Context, key string, window time.Duration, n int64) (int64, error)
	Reset(ctx context.Context, key string) error
}

// Distinct is the part of store.Distinct the guard uses.
type Distinct interface {
	AddDistinct(ctx context.Context, key, member string, window time.Duration) (int64, error)
}

// Marks is the part of store.Marks the guard uses.
type Marks interface {
	PutMark(ctx context.Context, ns string, m store.Mark) error
	GetMark(ctx context.Context, ns, key string) (store.Mark, bool, error)
}

// Kinds of lockout and ban, passed to the hooks and used as Event rules.
const (
	KindAccount  = "account"
	KindIP       = "ip"
	KindNetwork  = "network"
	KindAPIKey   = "api_key"
	KindStuffing = "credential_stuffing"
	// KindStuffingNetwork bans a network many of whose addresses stuffed.
	KindStuffingNetwork = "credential_stuffing_network"
	KindTokenGuessing   = "token_guessing"
)

// Public texts. Every lockout, whatever locked (account, address, network,
// key) and whether the account exists, gets the same answer, so the answer
// tells an attacker nothing he did not cause (CWE-204, response discrepancy).
const (
	tooManyMessage   = "Too many attempts; retry later."
	ambiguousMessage = "The request names the account more than once."
	unavailableText  = "The service is temporarily unavailable; retry later."
)

// storeTimeout bounds the store writes made after a response, which run on
// a context detached from the client's (see ObserveResponse).
const storeTimeout = 2 * time.Second

// Options holds the Guard's collaborators.
type Options struct {
	// Counters, Distinct and Marks are the shared state (store.Memory or
	// redisstore). Counters and Marks are required; Distinct is required
	// unless stuffing detection is disabled.
	Counters Counters
	Distinct Distinct
	Marks    Marks
	// OnLockout and OnBan are called with the kind (KindAccount, ...) once
	// per lockout or ban written, for metrics. OnDelay is called with each
	// progressive delay served. OnStoreError is called with the operation
	// when the store fails. All optional; they run on the request path.
	OnLockout    func(kind string)
	OnBan        func(kind string)
	OnDelay      func(time.Duration)
	OnStoreError func(op string)
	// Logger receives store failures; nil discards. Usernames are never
	// logged.
	Logger *slog.Logger
	// Now is the clock of marks and events; nil means time.Now.
	Now func() time.Time
}

// Guard counts failed logins on credential endpoints and enforces the
// resulting delays and lockouts. It is a pipeline.Guard and a
// pipeline.ResponseObserver, safe for concurrent use.
type Guard struct {
	cfg      settings
	hasher   hasher
	counters Counters
	distinct Distinct
	marks    Marks

	onLockout    func(string)
	onBan        func(string)
	onDelay      func(time.Duration)
	onStoreError func(string)
	log          *slog.Logger
	now          func() time.Time

	delaying atomic.Int64
	// crossings lets one lockout or ban per key through; refusals lets one
	// "denial" Event per rule, key and EventWindow through.
	crossings *dedup.Crossings
	refusals  *dedup.Window
	// sleep waits d or until ctx ends; tests replace it to avoid real sleeps.
	sleep func(ctx context.Context, d time.Duration) error
}

var (
	_ pipeline.Guard            = (*Guard)(nil)
	_ pipeline.ResponseObserver = (*Guard)(nil)
	_ Counters                  = store.Store(nil)
	_ Distinct                  = store.Store(nil)
	_ Marks                     = store.Store(nil)
)

// New validates cfg and builds a Guard.
func New(cfg Config, opts Options) (*Guard, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if opts.Counters == nil || opts.Marks == nil {
		return nil, errors.New("bruteforce: a counters and a marks store are required")
	}
	if s.stuffingEnabled && opts.Distinct == nil {
		return nil, errors.New("bruteforce: a distinct-count store is required for stuffing detection")
	}
	refusals, err := dedup.New(s.eventWindow, s.eventKeys)
	if err != nil {
		return nil, fmt.Errorf("bruteforce: event deduplication: %w", err)
	}
	g := &Guard{
		cfg:          s,
		hasher:       hasher{key: s.accountKey},
		counters:     opts.Counters,
		distinct:     opts.Distinct,
		marks:        opts.Marks,
		onLockout:    opts.OnLockout,
		onBan:        opts.OnBan,
		onDelay:      opts.OnDelay,
		onStoreError: opts.OnStoreError,
		log:          opts.Logger,
		now:          opts.Now,
		crossings:    dedup.NewCrossings(),
		refusals:     refusals,
		sleep:        sleepContext,
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}

// Name returns "bruteforce".
func (g *Guard) Name() string { return "bruteforce" }

// attempt is what Check learned about a credential request, kept in its
// context for ObserveResponse.
type attempt struct {
	ep *endpoint
	// source is sourceKey of the client: "ip:<v4>" or "net:<v6 /64>".
	source string
	// network is the client's "net:<prefix>" at Config.Network's size.
	network string
	// banNet is the "net:<v4 /24>" that network stuffing bans ("" for IPv6).
	banNet  string
	account string // hashed; "" when the request named no usable account
	apiKey  string // hashed prefix; "" when none
}

type attemptKey struct{}

// Check passes requests on other routes at once. On a credential endpoint
// it denies a locked-out source or key with the uniform 429 (before reading
// the body: a locked-out flood costs a few lookups), reads the account
// name, denies a locked-out account or delays an attempt on an account
// under attack, and records the attempt for ObserveResponse. On a
// monitored endpoint it denies nothing: its first objection is returned as
// a monitored Denial, and the attempt goes on, read and recorded like any
// other.
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	ep := g.endpointFor(r)
	if ep == nil {
		return r, nil
	}
	a := g.sourceAttempt(r, ep)
	var flagged *pipeline.Denial
	if d := g.enforceSource(r, a); d != nil {
		if !ep.monitor {
			return nil, d
		}
		flagged = d
	}
	name, res := usernameOf(r, ep)
	switch res {
	case userAmbiguous:
		d := g.refusal(a, &pipeline.Denial{Status: http.StatusBadRequest, Code: "ambiguous_username",
			PublicMessage: ambiguousMessage, Rule: "ambiguous_username", Category: "API2:2023"}, a.source)
		if !ep.monitor {
			return nil, d
		}
		flagged = cmp.Or(flagged, d)
	case userFound:
		a.account = g.accountOf(name)
	}
	if a.account != "" {
		if d := g.enforceAccount(r, a); d != nil {
			if !ep.monitor {
				return nil, d
			}
			flagged = cmp.Or(flagged, d)
		}
	}
	r = r.WithContext(context.WithValue(r.Context(), attemptKey{}, a))
	if flagged != nil {
		return r, flagged
	}
	return r, nil
}

// endpointFor returns the credential endpoint r is on, or nil.
func (g *Guard) endpointFor(r *http.Request) *endpoint {
	route := pipeline.RouteOf(r)
	if ep, ok := g.cfg.endpoints[route]; ok {
		return ep
	}
	if route.Route != "" {
		return g.cfg.endpoints[pipeline.Route{API: route.API}]
	}
	return nil
}

// sourceAttempt describes where r comes from: address, network, API key.
func (g *Guard) sourceAttempt(r *http.Request, ep *endpoint) *attempt {
	a := &attempt{ep: ep}
	if client := pipeline.ClientIP(r); client.IsValid() {
		a.source = sourceKey(client)
		if p := networkOf(client, g.cfg.network.IPv4Bits, g.cfg.network.IPv6Bits); p.IsValid() {
			a.network = prefixNet + p.String()
		}
		a.banNet = banNetKey(client)
	}
	if g.cfg.apiKey.Failures > 0 {
		if k := apiKeyOf(r, &g.cfg.apiKey); k != "" {
			a.apiKey = g.hasher.hash("apikey", k[:min(len(k), g.cfg.apiKey.PrefixLen)])
		}
	}
	return a
}

// accountOf returns the hashed account of a username: trimmed and, unless
// configured otherwise, lower-cased. Empty and oversized names are no
// account ("").
func (g *Guard) accountOf(name string) string {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > g.cfg.maxUsername {
		return ""
	}
	if !g.cfg.caseSensitive {
		name = strings.ToLower(name)
	}
	return g.hasher.hash("account", name)
}
