package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// FailMode says what a Failover answers while its primary is unavailable.
type FailMode string

const (
	// FailOpen answers permissively: Allow admits, Incr and AddDistinct
	// count 0, FirstSeen reports every nonce as new (replays are possible
	// during the outage), GetMark and GetMarks find no mark (bans are not
	// enforced). Writes and ListMarks return an error wrapping
	// ErrUnavailable.
	FailOpen FailMode = "open"
	// FailClosed answers restrictively: Allow denies (RetryAfter is the
	// probe interval) and every other call returns an error wrapping
	// ErrUnavailable, which guards treat as a denial.
	FailClosed FailMode = "closed"
	// FailLocal answers from the fallback store (a Memory of this
	// replica): GCRA limits are divided by Replicas, assuming the load
	// balancer spreads a client's requests evenly; counters, distinct
	// counts and nonces are per replica (an attacker spreading requests
	// over N replicas gets up to N times the attempts); marks are the
	// marks this replica wrote (every mark written while healthy is
	// mirrored into the fallback), not other replicas' bans.
	FailLocal FailMode = "local"
)

// DefaultRetryEvery is FailoverConfig.RetryEvery's default.
const DefaultRetryEvery = time.Second

// FailoverConfig configures NewFailover.
type FailoverConfig struct {
	// Mode is open, closed or local. Required.
	Mode FailMode
	// Replicas is the number of gateway replicas sharing the primary; in
	// local mode each GCRA limit's rate and burst are divided by it (the
	// rate exactly, by multiplying the period; the burst rounded down, at
	// least 1 and at least the request's cost). Default 1.
	Replicas int
	// RetryEvery is how often, while the primary is down, one call is let
	// through to probe it; the others get the fail mode at once instead
	// of waiting for a timeout. Default 1s.
	RetryEvery time.Duration
	// OnTransition, if set, is called once per state change (false: the
	// primary went down; true: it recovered), e.g. to set a gauge.
	OnTransition func(healthy bool)
	// Logger gets one line per state change. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Failover is a Store that forwards to a primary (Redis) and applies a
// fail mode when the primary returns an error wrapping ErrUnavailable.
// It starts healthy. The first ErrUnavailable switches it to degraded;
// while degraded it probes the primary with one real call per RetryEvery
// and switches back on the first probe that does not fail with
// ErrUnavailable. Other errors (bad input, a corrupt key) pass through.
type Failover struct {
	primary, fallback Store
	mode              FailMode
	replicas          int
	retryEvery        time.Duration
	onTransition      func(bool)
	log               *slog.Logger
	now               func() time.Time

	healthy   atomic.Bool
	downSince atomic.Int64 // Unix nanoseconds
	nextProbe atomic.Int64 // Unix nanoseconds
}

var _ Store = (*Failover)(nil)

// NewFailover validates cfg and wraps primary. fallback is required in
// local mode and unused otherwise (it may be nil). The Failover owns both:
// Close closes them.
func NewFailover(primary, fallback Store, cfg FailoverConfig) (*Failover, error) {
	if primary == nil {
		return nil, errors.New("failover store: primary is nil")
	}
	switch cfg.Mode {
	case FailOpen, FailClosed:
	case FailLocal:
		if fallback == nil {
			return nil, errors.New("failover store: local mode needs a fallback store")
		}
	default:
		return nil, fmt.Errorf("failover store: mode %q: want open, closed or local", cfg.Mode)
	}
	if cfg.Replicas < 0 || cfg.RetryEvery < 0 {
		return nil, fmt.Errorf("failover store: replicas %d and retry interval %v must not be negative", cfg.Replicas, cfg.RetryEvery)
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.RetryEvery == 0 {
		cfg.RetryEvery = DefaultRetryEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	f := &Failover{
		primary: primary, fallback: fallback, mode: cfg.Mode, replicas: cfg.Replicas,
		retryEvery: cfg.RetryEvery, onTransition: cfg.OnTransition, log: cfg.Logger, now: cfg.Now,
	}
	f.healthy.Store(true)
	return f, nil
}

// Healthy reports whether the primary is in use.
func (f *Failover) Healthy() bool { return f.healthy.Load() }

// Mode returns the configured fail mode.
func (f *Failover) Mode() FailMode { return f.mode }

// Close closes the primary and the fallback.
func (f *Failover) Close() error {
	err := f.primary.Close()
	if f.fallback != nil {
		err = errors.Join(err, f.fallback.Close())
	}
	return err
}

// errDegraded is returned (wrapped) by calls answered without trying the
// primary.
var errDegraded = fmt.Errorf("%w: waiting to probe again", ErrUnavailable)

// route reports whether this call goes to the primary, and whether it is
// the probe of a degraded primary.
func (f *Failover) route() (usePrimary, probe bool) {
	if f.healthy.Load() {
		return true, false
	}
	now := f.now().UnixNano()
	next := f.nextProbe.Load()
	if now >= next && f.nextProbe.CompareAndSwap(next, now+int64(f.retryEvery)) {
		return true, true
	}
	return false, false
}

// observe records a primary call's error and reports whether the call
// needs the fail mode. Only a probe can switch back to healthy, so a slow
// call that started before an outage cannot make the state flap.
func (f *Failover) observe(err error, probe bool) (degraded bool) {
	if errors.Is(err, ErrUnavailable) {
		now := f.now().UnixNano()
		f.nextProbe.Store(now + int64(f.retryEvery))
		if f.healthy.CompareAndSwap(true, false) {
			f.downSince.Store(now)
			f.log.Warn("shared store unavailable, applying fail mode", "mode", string(f.mode), "retry_every", f.retryEvery.String(), "error", err.Error())
			if f.onTransition != nil {
				f.onTransition(false)
			}
		}
		return true
	}
	if probe && f.healthy.CompareAndSwap(false, true) {
		down := time.Duration(f.now().UnixNano() - f.downSince.Load())
		f.log.Info("shared store recovered", "mode", string(f.mode), "down_for", down.String())
		if f.onTransition != nil {
			f.onTransition(true)
		}
	}
	return false
}

// do runs primary unless the store is degraded and it is not time to
// probe; on unavailability it runs degraded with the cause.
func do[T any](f *Failover, primary func() (T, error), degraded func(cause error) (T, error)) (T, error) {
	use, probe := f.route()
	if !use {
		return degraded(errDegraded)
	}
	v, err := primary()
	if f.observe(err, probe) {
		return degraded(err)
	}
	return v, err
}

// unavailable is the error of a call with no degraded answer.
func unavailable[T any](cause error) (T, error) {
	var zero T
	return zero, cause
}

// Incr counts on the primary, or by the fail mode.
func (f *Failover) Incr(ctx context.Context, key string, window time.Duration, n int64) (int64, error) {
	return do(f, func() (int64, error) { return f.primary.Incr(ctx, key, window, n) },
		func(cause error) (int64, error) {
			switch f.mode {
			case FailOpen:
				return 0, nil
			case FailClosed:
				return unavailable[int64](cause)
			}
			return f.fallback.Incr(ctx, key, window, n)
		})
}

// Reset resets on the primary, or the fallback in local mode.
func (f *Failover) Reset(ctx context.Context, key string) error {
	_, err := do(f, func() (struct{}, error) { return struct{}{}, f.primary.Reset(ctx, key) },
		func(cause error) (struct{}, error) {
			if f.mode != FailLocal {
				return unavailable[struct{}](cause)
			}
			return struct{}{}, f.fallback.Reset(ctx, key)
		})
	return err
}

// AddDistinct counts on the primary, or by the fail mode.
func (f *Failover) AddDistinct(ctx context.Context, key, member string, window time.Duration) (int64, error) {
	return do(f, func() (int64, error) { return f.primary.AddDistinct(ctx, key, member, window) },
		func(cause error) (int64, error) {
			switch f.mode {
			case FailOpen:
				return 0, nil
			case FailClosed:
				return unavailable[int64](cause)
			}
			return f.fallback.AddDistinct(ctx, key, member, window)
		})
}

// FirstSeen records on the primary, or by the fail mode.
func (f *Failover) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return do(f, func() (bool, error) { return f.primary.FirstSeen(ctx, key, ttl) },
		func(cause error) (bool, error) {
			switch f.mode {
			case FailOpen:
				return true, nil
			case FailClosed:
				return unavailable[bool](cause)
			}
			return f.fallback.FirstSeen(ctx, key, ttl)
		})
}

// PutMark writes to the primary (mirrored into the fallback in local
// mode, so this replica's bans survive an outage), or to the fallback in
// local mode.
func (f *Failover) PutMark(ctx context.Context, ns string, m Mark) error {
	_, err := do(f, func() (struct{}, error) {
		err := f.primary.PutMark(ctx, ns, m)
		if err == nil && f.mode == FailLocal {
			// Best effort: a full fallback must not fail the primary write.
			_ = f.fallback.PutMark(ctx, ns, m)
		}
		return struct{}{}, err
	}, func(cause error) (struct{}, error) {
		if f.mode != FailLocal {
			return unavailable[struct{}](cause)
		}
		return struct{}{}, f.fallback.PutMark(ctx, ns, m)
	})
	return err
}

// GetMark reads the primary, or by the fail mode.
func (f *Failover) GetMark(ctx context.Context, ns, key string) (Mark, bool, error) {
	type found struct {
		m  Mark
		ok bool
	}
	r, err := do(f, func() (found, error) {
		m, ok, err := f.primary.GetMark(ctx, ns, key)
		return found{m, ok}, err
	}, func(cause error) (found, error) {
		switch f.mode {
		case FailOpen:
			return found{}, nil
		case FailClosed:
			return unavailable[found](cause)
		}
		m, ok, err := f.fallback.GetMark(ctx, ns, key)
		return found{m, ok}, err
	})
	return r.m, r.ok, err
}

// GetMarks reads the primary, or by the fail mode as GetMark does for
// each key: open finds no marks, closed fails, local reads the fallback.
func (f *Failover) GetMarks(ctx context.Context, ns string, keys []string, dst []MarkResult) ([]MarkResult, error) {
	return do(f, func() ([]MarkResult, error) { return f.primary.GetMarks(ctx, ns, keys, dst) },
		func(cause error) ([]MarkResult, error) {
			switch f.mode {
			case FailOpen:
				for range keys {
					dst = append(dst, MarkResult{})
				}
				return dst, nil
			case FailClosed:
				return dst, cause
			}
			return f.fallback.GetMarks(ctx, ns, keys, dst)
		})
}

// DeleteMark deletes on the primary (and the fallback's mirror), or on
// the fallback in local mode.
func (f *Failover) DeleteMark(ctx context.Context, ns, key string) (bool, error) {
	return do(f, func() (bool, error) {
		ok, err := f.primary.DeleteMark(ctx, ns, key)
		if err == nil && f.mode == FailLocal {
			_, _ = f.fallback.DeleteMark(ctx, ns, key)
		}
		return ok, err
	}, func(cause error) (bool, error) {
		if f.mode != FailLocal {
			return unavailable[bool](cause)
		}
		return f.fallback.DeleteMark(ctx, ns, key)
	})
}

// ListMarks lists the primary's marks, or the fallback's in local mode.
func (f *Failover) ListMarks(ctx context.Context, ns string, limit int) ([]Mark, error) {
	return do(f, func() ([]Mark, error) { return f.primary.ListMarks(ctx, ns, limit) },
		func(cause error) ([]Mark, error) {
			if f.mode != FailLocal {
				return unavailable[[]Mark](cause)
			}
			return f.fallback.ListMarks(ctx, ns, limit)
		})
}
