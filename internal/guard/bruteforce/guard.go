package bruteforce

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

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
	events   *dedup
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
		events:       newDedup(),
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
// under attack, and records the attempt for ObserveResponse.
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	ep := g.endpointFor(r)
	if ep == nil {
		return r, nil
	}
	a := g.sourceAttempt(r, ep)
	if err := g.enforceSource(r, a); err != nil {
		return nil, err
	}
	name, res := usernameOf(r, ep)
	switch res {
	case userAmbiguous:
		return nil, &pipeline.Denial{Status: http.StatusBadRequest, Code: "ambiguous_username",
			PublicMessage: ambiguousMessage, Rule: "ambiguous_username", Category: "API2:2023"}
	case userFound:
		a.account = g.accountOf(name)
	}
	if a.account != "" {
		if err := g.enforceAccount(r, a); err != nil {
			return nil, err
		}
	}
	return r.WithContext(context.WithValue(r.Context(), attemptKey{}, a)), nil
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
		if k := r.Header.Get(g.cfg.apiKey.Header); k != "" {
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

// enforceSource denies an attempt from a locked-out source, network or API
// key. These lockouts bind everyone, trusted for an account or not.
func (g *Guard) enforceSource(r *http.Request, a *attempt) error {
	ctx := r.Context()
	type source struct{ key, kind string }
	var sources [3]source
	n := 0
	if a.source != "" && g.cfg.ip.Failures > 0 {
		sources[n] = source{a.source, KindIP}
		n++
	}
	// An IPv6 source already is its /64: one lookup covers both.
	if a.network != "" && a.network != a.source && g.cfg.network.Failures > 0 {
		sources[n] = source{a.network, KindNetwork}
		n++
	}
	if a.apiKey != "" {
		sources[n] = source{prefixKey + a.apiKey, KindAPIKey}
		n++
	}
	for _, src := range sources[:n] {
		m, locked, err := g.marks.GetMark(ctx, NamespaceLockout, src.key)
		if err != nil {
			if d := g.storeFailed(ctx, "get_lockout", err); d != nil {
				return d
			}
			continue
		}
		if locked {
			return g.tooMany("lockout_"+src.kind, m.Until.Sub(g.now()))
		}
	}
	return nil
}

// enforceAccount applies the account's lockout and progressive delay to
// every source without a recent success on the account.
func (g *Guard) enforceAccount(r *http.Request, a *attempt) error {
	ctx := r.Context()
	var lock store.Mark
	locked := false
	if g.cfg.account.LockAfter > 0 {
		m, ok, err := g.marks.GetMark(ctx, NamespaceLockout, prefixAccount+a.account)
		if err != nil {
			if d := g.storeFailed(ctx, "get_lockout", err); d != nil {
				return d
			}
		}
		lock, locked = m, ok
	}
	var failures int64
	if !locked && g.cfg.delayEnabled {
		// Adding zero reads the count in the current window.
		n, err := g.counters.Incr(ctx, counterPrefix+prefixAccount+a.account, g.cfg.account.Window, 0)
		if err != nil {
			if d := g.storeFailed(ctx, "read_counter", err); d != nil {
				return d
			}
		}
		failures = n
	}
	delayed := !locked && g.cfg.delayEnabled && failures >= int64(g.cfg.account.DelayAfter)
	if !locked && !delayed {
		return nil
	}
	if g.trusted(ctx, a) {
		return nil
	}
	if locked {
		return g.tooMany("lockout_account", lock.Until.Sub(g.now()))
	}
	return g.delay(ctx, failures)
}

// trusted reports whether the attempt's source logged in to the account
// successfully within TrustFor (the anti-lockout policy).
func (g *Guard) trusted(ctx context.Context, a *attempt) bool {
	if g.cfg.trustFor < 0 || a.source == "" {
		return false
	}
	_, ok, err := g.marks.GetMark(ctx, NamespaceTrusted, trustKey(a))
	if err != nil {
		// Unknown trust is no trust: failing open here would exempt every
		// source from the lockout whenever the store is down.
		g.storeFailed(ctx, "get_trusted", err)
		return false
	}
	return ok
}

// trustKey names the (account, source) pair a success makes trusted.
func trustKey(a *attempt) string { return a.account + "|" + a.source }

// tooMany builds the uniform lockout answer.
func (g *Guard) tooMany(rule string, retry time.Duration) *pipeline.Denial {
	if retry < time.Second {
		retry = time.Second
	}
	return &pipeline.Denial{
		Status:        http.StatusTooManyRequests,
		Code:          "too_many_attempts",
		PublicMessage: tooManyMessage,
		Rule:          rule,
		RetryAfter:    retry,
		Category:      "API2:2023",
	}
}

// storeFailed logs and reports a store failure. With FailClosed it returns
// the 503 denial to answer with; otherwise nil, and the check is skipped.
func (g *Guard) storeFailed(ctx context.Context, op string, err error) *pipeline.Denial {
	g.log.LogAttrs(ctx, slog.LevelWarn, "bruteforce store failure", slog.String("op", op), slog.Any("error", err))
	if g.onStoreError != nil {
		g.onStoreError(op)
	}
	if !g.cfg.failClosed {
		return nil
	}
	return &pipeline.Denial{Status: http.StatusServiceUnavailable, Code: "unavailable",
		PublicMessage: unavailableText, Rule: "store_unavailable", RetryAfter: time.Second,
		Severity: pipeline.SeverityLow, Cause: err}
}
