package store

import (
	"context"
	"time"
)

// Allow decides on the primary, or by the fail mode.
func (f *Failover) Allow(ctx context.Context, key string, limit Limit, cost int) (Decision, error) {
	if err := CheckAllow(limit, cost); err != nil {
		return Decision{}, err
	}
	return do(f, func() (Decision, error) { return f.primary.Allow(ctx, key, limit, cost) },
		func(error) (Decision, error) {
			switch f.mode {
			case FailOpen:
				if cost > limit.Burst {
					return Decision{RetryAfter: RetryNever}, nil
				}
				return Decision{Allowed: true, Remaining: limit.Burst - cost}, nil
			case FailClosed:
				return Decision{RetryAfter: f.retryEvery}, nil
			}
			return f.fallback.Allow(ctx, key, ScaleLimit(limit, f.replicas, cost), cost)
		})
}

// ScaleLimit divides limit among replicas: the rate exactly (by
// multiplying the period), the burst rounded down but at least 1 and at
// least cost when cost fits the original burst.
func ScaleLimit(limit Limit, replicas, cost int) Limit {
	if replicas <= 1 {
		return limit
	}
	scaled := Limit{Rate: limit.Rate, Period: limit.Period * time.Duration(replicas), Burst: max(limit.Burst/replicas, 1)}
	if cost > scaled.Burst && cost <= limit.Burst {
		scaled.Burst = cost
	}
	return scaled
}

// AllowAll decides on the primary, or by the fail mode: open admits when
// every cost fits its burst, closed refuses, local decides on the fallback
// with every limit scaled as for Allow.
func (f *Failover) AllowAll(ctx context.Context, key string, limits []NamedLimit, cost int) (MultiDecision, error) {
	if err := CheckAllowAll(limits, cost); err != nil {
		return MultiDecision{}, err
	}
	return do(f, func() (MultiDecision, error) { return f.primary.AllowAll(ctx, key, limits, cost) },
		func(error) (MultiDecision, error) {
			if f.mode == FailLocal {
				scaled := make([]NamedLimit, len(limits))
				for i, l := range limits {
					scaled[i] = NamedLimit{Name: l.Name, Limit: ScaleLimit(l.Limit, f.replicas, cost)}
				}
				return f.fallback.AllowAll(ctx, key, scaled, cost)
			}
			ds := make([]Decision, len(limits))
			for i, l := range limits {
				switch {
				case f.mode == FailClosed:
					ds[i] = Decision{RetryAfter: f.retryEvery}
				case cost > l.Limit.Burst:
					ds[i] = Decision{RetryAfter: RetryNever}
				default:
					ds[i] = Decision{Allowed: true, Remaining: l.Limit.Burst - cost}
				}
			}
			return NewMultiDecision(ds), nil
		})
}
