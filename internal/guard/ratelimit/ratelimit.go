package ratelimit

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/dedup"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// Public answers. They say nothing about which policy or key refused.
const (
	limitedMessage     = "Too many requests; retry later."
	unavailableMessage = "The service is temporarily unavailable; retry later."
)

// storeErrorRetry is the Retry-After of a fail-closed 503.
const storeErrorRetry = time.Second

// Limiter holds a gateway's validated policies and the state its guards
// share (event deduplication). Build one with [New], then one [Guard] per
// route and position in the chain with [Limiter.Guard].
type Limiter struct {
	policies   map[string]*policy
	store      StoreLimiter
	failClosed bool
	events     *dedup.Window
	onLimited  func(policy, keyKind string)
	onStoreErr func(policy string)
	log        *slog.Logger
	now        func() time.Time
}

// policy is a validated Policy with its store-key prefixes and header items
// precomputed, so the request path formats nothing it can know in advance.
type policy struct {
	name   string
	key    KeySpec
	cost   int
	limits []limit
	// policyHeader is the RateLimit-Policy value of a refusal: every limit
	// of the policy, so it stays the same from one response to the next
	// as the draft asks.
	policyHeader string
	monitor      bool
	headers      HeaderMode
	// storeKeyPrefix is the store key up to the client value:
	// "rl:<policy>:<kind>:". storeLimits are the limits as the store
	// decides them, all in one call, each named by its index.
	storeKeyPrefix string
	storeLimits    []store.NamedLimit
}

type limit struct {
	name  string
	limit store.Limit
}

// New validates cfg and builds a Limiter.
func New(cfg Config, opts Options) (*Limiter, error) {
	st, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if opts.Limiter == nil {
		return nil, errNoLimiter
	}
	events, err := dedup.New(st.eventWindow, st.eventKeys)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: event deduplication: %w", err)
	}
	l := &Limiter{
		policies:   make(map[string]*policy, len(cfg.Policies)),
		store:      opts.Limiter,
		failClosed: st.failClosed,
		events:     events,
		onLimited:  opts.OnLimited,
		onStoreErr: opts.OnStoreError,
		log:        opts.Logger,
		now:        opts.Now,
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.now == nil {
		l.now = time.Now
	}
	for _, p := range cfg.Policies {
		p, err := p.validate()
		if err != nil {
			return nil, fmt.Errorf("ratelimit: %w", err)
		}
		if _, dup := l.policies[p.Name]; dup {
			return nil, fmt.Errorf("ratelimit: policy %q defined twice", p.Name)
		}
		cp := &policy{name: p.Name, key: p.Key, cost: p.Cost, monitor: p.Monitor, headers: p.Headers}
		items := make([]string, len(p.Limits))
		cp.storeKeyPrefix = "rl:" + p.Name + ":" + p.Key.Kind + ":"
		for i, lim := range p.Limits {
			cp.limits = append(cp.limits, limit{name: lim.Name, limit: lim.Limit})
			cp.storeLimits = append(cp.storeLimits, store.NamedLimit{Name: strconv.Itoa(i), Limit: lim.Limit})
			items[i] = policyItem(lim.Name, lim.Limit)
		}
		cp.policyHeader = strings.Join(items, ", ")
		l.policies[p.Name] = cp
	}
	return l, nil
}

// Policy returns the validated policy named name, defaults applied.
func (l *Limiter) Policy(name string) (Policy, bool) {
	p, ok := l.policies[name]
	if !ok {
		return Policy{}, false
	}
	out := Policy{Name: p.name, Key: p.key, Cost: p.cost, Monitor: p.monitor, Headers: p.headers}
	for _, lim := range p.limits {
		out.Limits = append(out.Limits, Limit{Name: lim.name, Limit: lim.limit})
	}
	return out, true
}

// Guard builds the pipeline guard that enforces the named policies, in
// order. name is the guard's name in the chain: a gateway typically has
// "ratelimit_ip" before authentication (IP and header keys: cheap, and it
// throttles credential stuffing before any crypto) and "ratelimit_identity"
// after it (identity and claim keys). The composition root builds one guard
// per route, with the global, API and route policies that apply to it, so
// the request path does no routing.
func (l *Limiter) Guard(name string, policies ...string) (*Guard, error) {
	return l.GuardWithCost(name, 0, policies...)
}

// GuardWithCost is Guard for a route whose requests count cost events in
// every policy (an expensive or composite operation); 0 keeps each policy's
// own cost. A cost above a limit's burst is refused: no request could pass.
func (l *Limiter) GuardWithCost(name string, cost int, policies ...string) (*Guard, error) {
	if cost < 0 {
		return nil, fmt.Errorf("ratelimit: guard %s: cost %d is negative", name, cost)
	}
	if !validToken(name, 64) {
		return nil, fmt.Errorf("ratelimit: guard name %q: want 1-64 characters of A-Z a-z 0-9 _ . -", name)
	}
	g := &Guard{name: name, l: l, cost: cost}
	seen := make(map[string]bool)
	var headerItems []string
	for i, pn := range policies {
		p, ok := l.policies[pn]
		if !ok {
			return nil, fmt.Errorf("ratelimit: guard %s: unknown policy %q", name, pn)
		}
		if seen[pn] {
			return nil, fmt.Errorf("ratelimit: guard %s: policy %q listed twice", name, pn)
		}
		seen[pn] = true
		// One Check returns one denial and stops at the first refusal: a
		// monitored refusal would keep the enforced policies after it from
		// counting the request it lets through.
		if i == 0 {
			g.monitor = p.monitor
		} else if p.monitor != g.monitor {
			return nil, fmt.Errorf("ratelimit: guard %s: monitored and enforced policies (%s, %s) need separate guards", name, policies[0], pn)
		}
		if p.headers == HeadersAlways && !p.monitor {
			g.admittedHeaders++
			headerItems = append(headerItems, p.policyHeader)
		}
		for _, lim := range p.limits {
			if cost > lim.limit.Burst {
				return nil, fmt.Errorf("ratelimit: guard %s: cost %d exceeds policy %s's burst %d: no request could pass", name, cost, pn, lim.limit.Burst)
			}
			if seen["limit:"+lim.name] {
				return nil, fmt.Errorf("ratelimit: guard %s: two limits named %q", name, lim.name)
			}
			seen["limit:"+lim.name] = true
		}
		g.policies = append(g.policies, p)
	}
	g.admittedPolicy = strings.Join(headerItems, ", ")
	return g, nil
}

// Guard enforces rate-limit policies on the requests of one chain. It is
// safe for concurrent use.
type Guard struct {
	name     string
	l        *Limiter
	policies []*policy
	cost     int  // 0: each policy's own
	monitor  bool // every policy is monitored: denials are Denial.Monitor
	// admittedHeaders counts the policies whose fields go on admitted
	// responses; admittedPolicy is their RateLimit-Policy when all of them
	// applied to a request (the usual case, formatted once).
	admittedHeaders int
	admittedPolicy  string
}

var (
	_ pipeline.Guard            = (*Guard)(nil)
	_ pipeline.ResponseObserver = (*Guard)(nil)
)

// Name returns the name given to [Limiter.Guard].
func (g *Guard) Name() string { return g.name }

// Stack buffers of the request path: a client value (at most 67 bytes raw,
// 35 hashed, 43 for an IPv6 /64), a whole store key (prefix at most ~90
// bytes) and the RateLimit field of an admitted request (~30 bytes and the
// name per limit). Longer ones still work; they just move to the heap.
const (
	valueBufSize  = 80
	keyBufSize    = 192
	headerBufSize = 256
)

// decided is one limit's decision, kept for the 429 headers.
type decided struct {
	lim *limit
	d   store.Decision
}

// Check counts r against every limit of every policy that applies to it
// and refuses it with 429 when one is exhausted. An admitted request of a
// guard with HeadersAlways policies goes on carrying their RateLimit
// fields, which ObserveResponse puts on the upstream's response.
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	var (
		valueBuf  [valueBufSize]byte
		keyBuf    [keyBufSize]byte
		itemBuf   [headerBufSize]byte
		policyBuf [headerBufSize]byte
		results   [maxLimits]decided
	)
	ctx := r.Context()
	// The RateLimit and RateLimit-Policy items of the header policies that
	// applied to r.
	items, policyItems := itemBuf[:0], policyBuf[:0]
	applied := 0
	for _, p := range g.policies {
		value, ok := appendKeyValue(valueBuf[:0], &p.key, r)
		if !ok {
			continue
		}
		withHeaders := p.headers == HeadersAlways && !p.monitor
		// The one allocation per policy: the store needs a string key.
		storeKey := string(append(append(keyBuf[:0], p.storeKeyPrefix...), value...))
		cost := p.cost
		if g.cost > 0 {
			cost = g.cost
		}
		// One store call (one Redis round trip) decides every limit of the
		// policy: the request is counted in all of them, or in none when
		// one refuses.
		md, err := g.l.store.AllowAll(ctx, storeKey, p.storeLimits, cost)
		if err != nil {
			if derr := g.storeFailed(r, p, storeKey, err); derr != nil {
				return nil, derr
			}
			continue // failed open: no fields for a policy that did not decide
		}
		for i := range p.limits {
			results[i] = decided{lim: &p.limits[i], d: md.Limits[i]}
		}
		if !md.Allowed {
			return nil, g.limited(p, storeKey, results[:md.Refused+1])
		}
		if withHeaders {
			for _, res := range results[:len(p.limits)] {
				items = appendServiceItem(appendSeparator(items), res.lim.name, res.d)
			}
			applied++
			policyItems = append(appendSeparator(policyItems), p.policyHeader...)
		}
	}
	if applied == 0 {
		return r, nil
	}
	policyHeader := g.admittedPolicy
	if applied < g.admittedHeaders {
		// A header policy was skipped (no key value, store failure): list
		// the ones that decided.
		policyHeader = string(policyItems)
	}
	return r.WithContext(&admitted{Context: ctx, g: g, fields: [2]string{policyHeader, string(items)}}), nil
}

// appendSeparator appends the list separator when b holds a member.
func appendSeparator(b []byte) []byte {
	if len(b) > 0 {
		b = append(b, ", "...)
	}
	return b
}

// limited builds the 429 for a refused request.
func (g *Guard) limited(p *policy, storeKey string, results []decided) *pipeline.Denial {
	if g.l.onLimited != nil {
		g.l.onLimited(p.name, p.key.Kind)
	}
	last := results[len(results)-1].d
	// RateLimit shows the limits up to the refusing one whose wait is the
	// longest (store.MultiDecision.Refused), which is last.
	item := make([]byte, 0, 48*len(results))
	for i, res := range results {
		if i > 0 {
			item = append(item, ", "...)
		}
		item = appendServiceItem(item, res.lim.name, res.d)
	}
	return &pipeline.Denial{
		Status:        http.StatusTooManyRequests,
		Code:          "rate_limited",
		PublicMessage: limitedMessage,
		Rule:          p.name,
		RetryAfter:    last.RetryAfter,
		Severity:      pipeline.SeverityLow,
		Category:      "API4:2023",
		Header: http.Header{
			"Ratelimit-Policy": {p.policyHeader},
			"Ratelimit":        {string(item)},
		},
		// One Event per key and window; the Outcome records every refusal.
		SuppressEvent: !g.l.events.First(storeKey, g.l.now()),
		Monitor:       g.monitor,
	}
}

// storeFailed applies the fail mode to a store error: nil to go on (open),
// or the 503 to answer (closed).
func (g *Guard) storeFailed(r *http.Request, p *policy, storeKey string, err error) *pipeline.Denial {
	if g.l.onStoreErr != nil {
		g.l.onStoreErr(p.name)
	}
	// One log line per policy and event window: an outage fails every
	// request, and the log must stay readable.
	first := g.l.events.First("store-error:"+p.name, g.l.now())
	if first {
		g.l.log.LogAttrs(r.Context(), slog.LevelWarn, "rate limit store failed",
			slog.String("guard", g.name), slog.String("policy", p.name),
			slog.Bool("fail_closed", g.l.failClosed), slog.Any("error", err))
	}
	if !g.l.failClosed {
		return nil
	}
	return &pipeline.Denial{
		Status:        http.StatusServiceUnavailable,
		Code:          "rate_limit_unavailable",
		PublicMessage: unavailableMessage,
		Rule:          "store_error",
		RetryAfter:    storeErrorRetry,
		Severity:      pipeline.SeverityMedium,
		Category:      "API4:2023",
		SuppressEvent: !first,
		Monitor:       g.monitor,
		Cause:         fmt.Errorf("rate limit %s: %w", storeKey, err),
	}
}
