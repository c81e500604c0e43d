package ban

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/internal/dedup"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// Public answers. Every ban gets the same one, whichever key matched.
const (
	bannedMessage      = "Access from this client is blocked for now; retry later."
	unavailableMessage = "The service is temporarily unavailable; retry later."
)

// storeErrorRetry is the Retry-After of a fail-closed 503.
const storeErrorRetry = time.Second

// keyBufSize holds a ban key on the stack ("net:" and an IPv6 /64, or "sub:"
// and a typical subject); longer subjects move to the heap.
const keyBufSize = 96

// maxKinds is how many key kinds a guard checks at most: each of ip, net
// and subject once.
const maxKinds = 3

// lookups holds one request's uncached keys and, after the store call,
// their answers. It is pooled, so asking the store allocates nothing but
// the key strings (which the cache keeps).
type lookups struct {
	n       int
	kinds   [maxKinds]string
	keys    [maxKinds]string
	results [maxKinds]store.MarkResult
}

var lookupPool = sync.Pool{New: func() any { return new(lookups) }}

func (l *lookups) add(kind, key string) {
	l.kinds[l.n], l.keys[l.n] = kind, key
	l.n++
}

// release returns l to the pool, dropping its references to keys and
// marks.
func (l *lookups) release() {
	*l = lookups{}
	lookupPool.Put(l)
}

// Guard refuses requests from banned clients with 403. It is safe for
// concurrent use.
type Guard struct {
	name       string
	kinds      []string
	marks      MarkReader
	cache      *cache // nil when disabled
	failClosed bool
	events     *dedup.Window
	onBanned   func(kind string)
	onStoreErr func()
	log        *slog.Logger
	now        func() time.Time
}

var _ pipeline.Guard = (*Guard)(nil)

// New validates cfg and builds a Guard.
func New(cfg Config, opts Options) (*Guard, error) {
	st, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if opts.Marks == nil {
		return nil, errNoMarks
	}
	events, err := dedup.New(st.eventWindow, st.eventKeys)
	if err != nil {
		return nil, fmt.Errorf("ban: event deduplication: %w", err)
	}
	g := &Guard{
		name:       st.name,
		kinds:      st.kinds,
		marks:      opts.Marks,
		failClosed: st.failClosed,
		events:     events,
		onBanned:   opts.OnBanned,
		onStoreErr: opts.OnStoreError,
		log:        opts.Logger,
		now:        opts.Now,
	}
	if st.cacheTTL > 0 {
		g.cache = newCache(st.cacheTTL, st.cacheSize)
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}

// Name returns the configured name ("ban" by default).
func (g *Guard) Name() string { return g.name }

// Check refuses r when one of its keys is banned. Cached answers cost
// nothing; the keys not cached are asked of the store together, in one
// call (one Redis round trip), and the answers decide in check order.
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	var buf [keyBufSize]byte
	now := g.now()
	var (
		misses      *lookups // taken from the pool at the first miss only
		cachedKind  string   // a cached ban, decisive unless an earlier miss is
		cachedKey   string
		cachedEntry cached
	)
	for _, kind := range g.kinds {
		key := g.appendKey(buf[:0], kind, r)
		if key == nil {
			continue
		}
		if g.cache != nil {
			if e, ok := g.cache.get(key, now); ok {
				if e.banned && e.until.After(now) {
					// Later keys cannot change the answer.
					cachedKind, cachedKey, cachedEntry = kind, string(key), e
					break
				}
				continue
			}
		}
		if misses == nil {
			misses = lookupPool.Get().(*lookups)
		}
		misses.add(kind, string(key))
	}
	if misses != nil {
		defer misses.release()
		if d := g.lookup(r, misses, now); d != nil {
			return nil, d
		}
	}
	if cachedKind != "" {
		return nil, g.banned(cachedKind, cachedKey, cachedEntry, now)
	}
	return r, nil
}

// appendKey appends r's ban key of the given kind, or returns nil when r
// has none (no client address, no identity).
func (g *Guard) appendKey(dst []byte, kind string, r *http.Request) []byte {
	switch kind {
	case KindSubject:
		id := pipeline.IdentityOf(r)
		if id == nil || id.Subject == "" {
			return nil
		}
		return append(append(dst, prefixSubject...), id.Subject...)
	}
	a := pipeline.ClientIP(r)
	if !a.IsValid() {
		return nil
	}
	if kind == KindIP {
		return appendIPKey(dst, a)
	}
	return appendNetKey(dst, a)
}

// lookup asks the store about every key of l in one call and caches
// each answer, banned or not. It returns the refusal of the first key, in
// check order, that is banned or whose failure refuses the request (fail
// closed). Failures are not cached: the next request asks again (the
// store's own failover wrapper is what keeps a dead store from being
// hammered).
func (g *Guard) lookup(r *http.Request, l *lookups, now time.Time) *pipeline.Denial {
	keys := l.keys[:l.n]
	res, err := g.marks.GetMarks(r.Context(), Namespace, keys, l.results[:0])
	if err == nil && len(res) != len(keys) {
		err = fmt.Errorf("ban store answered %d keys of %d", len(res), len(keys))
	}
	if err != nil {
		return g.storeFailed(r, strings.Join(keys, ", "), err, now)
	}
	var denial *pipeline.Denial
	for i, a := range res {
		if a.Err != nil {
			// This key's mark is unreadable (corrupt); the others stand.
			if denial == nil {
				denial = g.storeFailed(r, keys[i], a.Err, now)
			}
			continue
		}
		e := cached{banned: a.Found, until: a.Mark.Until, reason: a.Mark.Reason, source: a.Mark.Source}
		if g.cache != nil {
			g.cache.put(keys[i], e, now)
		}
		if denial == nil && e.banned && e.until.After(now) {
			denial = g.banned(l.kinds[i], keys[i], e, now)
		}
	}
	return denial
}

// Invalidate drops key (a ban key, see ParseKey) from this guard's cache,
// so a ban or unban made through this process applies at once here. Other
// replicas see it within their cache TTL.
func (g *Guard) Invalidate(key string) {
	if g.cache != nil {
		g.cache.forget(key)
	}
}

// banned builds the 403 for a banned key.
func (g *Guard) banned(kind, key string, e cached, now time.Time) *pipeline.Denial {
	if g.onBanned != nil {
		g.onBanned(kind)
	}
	return &pipeline.Denial{
		Status:        http.StatusForbidden,
		Code:          "banned",
		PublicMessage: bannedMessage,
		Rule:          kind,
		// The time left, so a client (or an operator testing) knows when
		// to come back instead of retrying blindly.
		RetryAfter: e.until.Sub(now),
		Severity:   pipeline.SeverityMedium,
		Category:   "API4:2023",
		// One Event per banned key and window; the Outcome records every
		// refusal.
		SuppressEvent: !g.events.First(key, now),
		Cause:         fmt.Errorf("%s banned until %s by %s: %s", key, e.until.UTC().Format(time.RFC3339), e.source, e.reason),
	}
}

// storeFailed applies the fail mode: nil to go on (open), or the 503 to
// answer (closed, when the store is unavailable: an error that is not an
// outage, such as a corrupt reply, is counted and logged, and the check
// skipped, since the rest of the store still answers).
func (g *Guard) storeFailed(r *http.Request, key string, err error, now time.Time) *pipeline.Denial {
	if g.onStoreErr != nil {
		g.onStoreErr()
	}
	first := g.events.First("store-error", now)
	if first {
		g.log.LogAttrs(r.Context(), slog.LevelWarn, "ban store failed",
			slog.String("guard", g.name), slog.Bool("fail_closed", g.failClosed), slog.Any("error", err))
	}
	if !g.failClosed || !errors.Is(err, store.ErrUnavailable) {
		return nil
	}
	return &pipeline.Denial{
		Status:        http.StatusServiceUnavailable,
		Code:          "ban_check_unavailable",
		PublicMessage: unavailableMessage,
		Rule:          "store_error",
		RetryAfter:    storeErrorRetry,
		Severity:      pipeline.SeverityMedium,
		Category:      "API4:2023",
		SuppressEvent: !first,
		Cause:         fmt.Errorf("checking ban of %s: %w", key, err),
	}
}
