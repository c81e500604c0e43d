package ban

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

// Defaults applied by [New] to zero-valued [Config] fields.
const (
	// DefaultName is the guard's name in the chain.
	DefaultName = "ban"
	// DefaultCacheTTL is how long a store answer is reused.
	DefaultCacheTTL = time.Second
	// DefaultCacheSize bounds the cached keys.
	DefaultCacheSize = 10000
	// DefaultEventWindow is how long one banned key's refusals are folded
	// into one Event.
	DefaultEventWindow = time.Minute
	// DefaultEventKeys bounds the keys remembered for that.
	DefaultEventKeys = 10000
)

// FailMode says what the guard does when the store fails.
type FailMode string

const (
	// FailOpen admits the request (the default): bans are an extra defence
	// on top of rate limits and authentication, and a store outage must not
	// take the API down. Failures are logged (once per event window) and
	// reported to Options.OnStoreError.
	FailOpen FailMode = "open"
	// FailClosed refuses the request with 503 while the store is
	// unavailable (an error wrapping store.ErrUnavailable: Redis
	// unreachable). Other errors (a corrupt reply) are not an outage: they
	// are counted and logged, and the request is admitted.
	FailClosed FailMode = "closed"
)

// Config configures a ban guard. The zero value of every field means its
// documented default, applied in one place by [New].
type Config struct {
	// Name is the guard's name in the chain. Default "ban"; a second guard
	// checking subjects after authentication needs another ("ban_subject").
	Name string

	// Keys are the kinds checked, in order: KindIP ("ip", the client
	// address), KindNet ("net", its /24 or /64) and KindSubject ("subject",
	// the authenticated subject; only after authn). Default ip and net.
	Keys []string

	// CacheTTL is how long a store answer (banned or not) is reused before
	// asking again; it is also the longest a ban or unban made by another
	// replica takes to apply here. 0 means DefaultCacheTTL (1s); negative
	// disables the cache (a store round trip on every request, for all
	// its keys at once).
	CacheTTL time.Duration

	// CacheSize bounds the cached keys; the oldest is dropped when full.
	// 0 means DefaultCacheSize (10000); negative is an error.
	CacheSize int

	// OnError is FailOpen ("open", default) or FailClosed ("closed").
	OnError FailMode

	// EventWindow is how long the refusals of one banned key produce a
	// single Event. 0 means DefaultEventWindow (1m); negative is an error.
	EventWindow time.Duration

	// EventKeys bounds the keys remembered for that. 0 means
	// DefaultEventKeys (10000); negative is an error.
	EventKeys int
}

// MarkReader is the part of store.Marks the guard uses: all the keys of
// a request not in the cache are looked up in one call.
type MarkReader interface {
	GetMarks(ctx context.Context, ns string, keys []string, dst []store.MarkResult) ([]store.MarkResult, error)
}

// Options holds a guard's collaborators.
type Options struct {
	// Marks is where bans are read. Required.
	Marks MarkReader
	// OnBanned, when set, is called for every refused request (monitored
	// ones included) with the kind of key that matched, for metrics. It
	// runs on the request path: keep it fast and safe for concurrent use.
	OnBanned func(kind string)
	// OnStoreError, when set, is called for every store failure.
	OnStoreError func()
	// Logger receives store failures; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

type settings struct {
	name        string
	kinds       []string
	cacheTTL    time.Duration
	cacheSize   int
	failClosed  bool
	eventWindow time.Duration
	eventKeys   int
}

func (c Config) resolve() (settings, error) {
	s := settings{name: c.Name, cacheTTL: c.CacheTTL, cacheSize: c.CacheSize,
		eventWindow: c.EventWindow, eventKeys: c.EventKeys}
	if s.name == "" {
		s.name = DefaultName
	}
	kinds := c.Keys
	if len(kinds) == 0 {
		kinds = []string{KindIP, KindNet}
	}
	for _, k := range kinds {
		switch k {
		case KindIP, KindNet, KindSubject:
		default:
			return settings{}, fmt.Errorf("ban: unknown key kind %q (want ip, net or subject)", k)
		}
		for _, seen := range s.kinds {
			if seen == k {
				return settings{}, fmt.Errorf("ban: key kind %q listed twice", k)
			}
		}
		s.kinds = append(s.kinds, k)
	}
	if s.cacheTTL == 0 {
		s.cacheTTL = DefaultCacheTTL
	}
	switch {
	case s.cacheSize < 0:
		return settings{}, fmt.Errorf("ban: cache size %d is negative", s.cacheSize)
	case s.cacheSize == 0:
		s.cacheSize = DefaultCacheSize
	}
	switch c.OnError {
	case "", FailOpen:
	case FailClosed:
		s.failClosed = true
	default:
		return settings{}, fmt.Errorf("ban: unknown fail mode %q (want open or closed)", c.OnError)
	}
	switch {
	case s.eventWindow < 0:
		return settings{}, fmt.Errorf("ban: event window %v is negative", s.eventWindow)
	case s.eventWindow == 0:
		s.eventWindow = DefaultEventWindow
	}
	switch {
	case s.eventKeys < 0:
		return settings{}, fmt.Errorf("ban: event keys %d is negative", s.eventKeys)
	case s.eventKeys == 0:
		s.eventKeys = DefaultEventKeys
	}
	return s, nil
}

var errNoMarks = errors.New("ban: Options.Marks is required")
