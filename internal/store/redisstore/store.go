package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampartsec/rampart/internal/store"
)

// Store is store.Store on Redis. Safe for concurrent use.
type Store struct {
	client   redis.UniversalClient
	scripts  scripts
	prefix   string
	timeout  time.Duration
	maxMarks int
	now      func() time.Time
}

var _ store.Store = (*Store)(nil)

// New validates cfg, connects and loads the scripts (one pipelined round
// trip; on Cluster, one SCRIPT LOAD per script sent to every master). A
// bad config or a refused login is an error and no Store. If Redis merely
// cannot be reached, New returns a working Store together with an error
// wrapping store.ErrUnavailable: the caller chooses between starting in
// its fail mode (the Store reconnects by itself) and refusing to start.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	client := newClient(&cfg)
	s := &Store{
		client: client, scripts: newScripts(), prefix: cfg.Prefix,
		timeout: cfg.Timeout, maxMarks: cfg.MaxMarks, now: cfg.Now,
	}
	lctx, cancel := context.WithTimeout(ctx, max(cfg.Timeout, time.Second))
	defer cancel()
	if err := s.loadScripts(lctx); err != nil {
		err = s.fail("loading scripts", ctx, err)
		if errors.Is(err, store.ErrUnavailable) {
			return s, err
		}
		_ = client.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the connections.
func (s *Store) Close() error { return s.client.Close() }

// clock is ARGV[1] of every script: the test clock as
// "seconds.nanoseconds", or "" for TIME.
func (s *Store) clock() string {
	if s.now == nil {
		return ""
	}
	t := s.now()
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

// micros formats a duration in microseconds, fractions kept.
func micros(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e3, 'f', -1, 64)
}

// run runs a script with the per-call timeout.
func (s *Store) run(ctx context.Context, sc *redis.Script, keys []string, args ...any) (any, error) {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return sc.Run(cctx, s.client, keys, args...).Result()
}

// Allow makes a GCRA decision with Redis's clock, in one round trip: the
// decision of AllowAll with one unnamed limit.
func (s *Store) Allow(ctx context.Context, key string, limit store.Limit, cost int) (store.Decision, error) {
	md, err := s.AllowAll(ctx, key, []store.NamedLimit{{Limit: limit}}, cost)
	if err != nil {
		return store.Decision{}, err
	}
	return md.Limits[0], nil
}

// AllowAll decides several limits of key atomically with Redis's clock,
// in one round trip (one script over keys that share a hash tag).
func (s *Store) AllowAll(ctx context.Context, key string, limits []store.NamedLimit, cost int) (store.MultiDecision, error) {
	if err := store.CheckAllowAll(limits, cost); err != nil {
		return store.MultiDecision{}, err
	}
	args := make([]any, 2, 2+2*len(limits))
	args[0], args[1] = s.clock(), cost
	for _, l := range limits {
		args = append(args, int64(l.Limit.Interval()), l.Limit.Burst)
	}
	v, err := s.run(ctx, s.scripts.gcra, s.limitKeys(key, limits), args...)
	if err != nil {
		return store.MultiDecision{}, s.fail("gcra", ctx, err)
	}
	md, err := parseDecisions(v, len(limits))
	if err != nil {
		return store.MultiDecision{}, fmt.Errorf("redis gcra: %w", err)
	}
	return md, nil
}

// Incr adds n to key's count in the current window, in one round trip.
func (s *Store) Incr(ctx context.Context, key string, window time.Duration, n int64) (int64, error) {
	if err := store.CheckDuration("window", window); err != nil {
		return 0, err
	}
	v, err := s.run(ctx, s.scripts.incr, []string{s.key("ctr", key)}, s.clock(), micros(window), n)
	if err != nil {
		return 0, s.fail("incr", ctx, err)
	}
	count, err := parseInt(v)
	if err != nil {
		return 0, fmt.Errorf("redis incr: %w", err)
	}
	return count, nil
}

// Reset deletes key's counter.
func (s *Store) Reset(ctx context.Context, key string) error {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Del(cctx, s.key("ctr", key)).Err(); err != nil {
		return s.fail("reset", ctx, err)
	}
	return nil
}

// AddDistinct adds member to key's HyperLogLog for the current window, in
// one round trip. Redis's HyperLogLog has a standard error of 0.81%.
func (s *Store) AddDistinct(ctx context.Context, key, member string, window time.Duration) (int64, error) {
	if err := store.CheckDuration("window", window); err != nil {
		return 0, err
	}
	base := s.key("dst", key)
	v, err := s.run(ctx, s.scripts.distinct, []string{base + ":w", base + ":h"}, s.clock(), micros(window), member)
	if err != nil {
		return 0, s.fail("distinct", ctx, err)
	}
	count, err := parseInt(v)
	if err != nil {
		return 0, fmt.Errorf("redis distinct: %w", err)
	}
	return count, nil
}

// FirstSeen is SET NX PX: one round trip, atomic.
func (s *Store) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := store.CheckDuration("ttl", ttl); err != nil {
		return false, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ms := (ttl + time.Millisecond - 1) / time.Millisecond
	v, err := s.client.Do(cctx, "SET", s.key("nonce", key), "1", "NX", "PX", int64(ms)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("nonce", ctx, err)
	}
	if v != "OK" {
		return false, fmt.Errorf("redis nonce: unexpected reply %T", v)
	}
	return true, nil
}
