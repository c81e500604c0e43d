package store

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// RetryNever is Decision.RetryAfter when a request can never be admitted
// because its cost is above the limit's burst. It is negative on purpose:
// do not turn it into a Retry-After header.
const RetryNever time.Duration = -1

// MinDuration is the smallest window or TTL a backend accepts: Redis
// expires keys with millisecond precision, and both backends answer the
// same.
const MinDuration = time.Millisecond

// ErrFull is returned by PutMark when the namespace holds its maximum number
// of live marks. Existing marks are never evicted to make room: an attacker
// who can get many throwaway addresses banned must not be able to push an
// older ban out (a ban-flush attack). Updating an existing mark always
// succeeds.
var ErrFull = errors.New("store full")

// CheckAllow validates Allow's arguments. Both backends call it, so they
// refuse the same input. cost 0 is a valid "peek": it consumes nothing.
func CheckAllow(limit Limit, cost int) error {
	if !limit.Valid() {
		return fmt.Errorf("invalid limit %+v: rate, period and burst must be positive", limit)
	}
	interval := limit.Interval()
	if interval <= 0 {
		return fmt.Errorf("invalid limit %+v: period shorter than one nanosecond per event", limit)
	}
	// burst*interval and cost*interval must fit in an int64 of nanoseconds.
	if int64(limit.Burst) > math.MaxInt64/4/int64(interval) {
		return fmt.Errorf("invalid limit %+v: burst times interval overflows", limit)
	}
	if cost < 0 {
		return fmt.Errorf("invalid cost %d: must not be negative", cost)
	}
	return nil
}

// Bounds of AllowAll's arguments: a Redis script gets two arguments per
// limit, and a limit name is part of a store key.
const (
	MaxLimitsPerDecision = 16
	MaxLimitNameLen      = 64
)

// CheckAllowAll validates AllowAll's arguments: 1 to MaxLimitsPerDecision
// valid limits with distinct names of at most MaxLimitNameLen bytes
// without braces.
func CheckAllowAll(limits []NamedLimit, cost int) error {
	if len(limits) == 0 || len(limits) > MaxLimitsPerDecision {
		return fmt.Errorf("invalid limits: %d of them, want 1 to %d", len(limits), MaxLimitsPerDecision)
	}
	for i, l := range limits {
		if len(l.Name) > MaxLimitNameLen || strings.ContainsAny(l.Name, "{}") {
			return fmt.Errorf("invalid limit name %q: at most %d bytes, no braces", l.Name, MaxLimitNameLen)
		}
		for _, prev := range limits[:i] {
			if prev.Name == l.Name {
				return fmt.Errorf("invalid limits: name %q given twice", l.Name)
			}
		}
		if err := CheckAllow(l.Limit, cost); err != nil {
			return err
		}
	}
	return nil
}

// NewMultiDecision sums up per-limit decisions (made without charging
// unless all admit) into AllowAll's answer; both backends use it.
func NewMultiDecision(limits []Decision) MultiDecision {
	md := MultiDecision{Allowed: true, Refused: -1, Limits: limits}
	for i, d := range limits {
		if d.Allowed {
			continue
		}
		md.Allowed = false
		switch {
		case md.Refused >= 0 && md.RetryAfter == RetryNever:
		case d.RetryAfter == RetryNever, md.Refused < 0, d.RetryAfter > md.RetryAfter:
			md.Refused, md.RetryAfter = i, d.RetryAfter
		}
	}
	return md
}

// CheckDuration validates a window or TTL.
func CheckDuration(what string, d time.Duration) error {
	if d < MinDuration {
		return fmt.Errorf("invalid %s %v: must be at least %v", what, d, MinDuration)
	}
	return nil
}

// gcra makes one Generic Cell Rate Algorithm decision (ITU-T I.371): tat is
// the key's stored theoretical arrival time (zero when the key is new), now
// the current time, both in nanoseconds. It returns the decision and the
// TAT to store, which is tat itself (unchanged) when the request is denied:
// a denied request consumes nothing, so a client hammering a closed limit
// does not push its own reopening further away.
//
// The arithmetic, shared with the Redis script:
//
//	tat      = max(tat, now)
//	newTat   = tat + cost*interval
//	allowAt  = newTat - burst*interval
//	allowed  = now >= allowAt
//	remaining  = floor((now - (tatAfter - burst*interval)) / interval)
//	resetAfter = tatAfter - now
func gcra(tat, now int64, limit Limit, cost int) (d Decision, storeTat int64) {
	interval := int64(limit.Interval())
	span := interval * int64(limit.Burst)
	storeTat = tat
	if tat < now {
		tat = now
	}
	remaining := func(after int64) int {
		r := (now - (after - span)) / interval
		if r < 0 {
			return 0
		}
		return int(r)
	}
	if cost > limit.Burst {
		return Decision{Remaining: remaining(tat), RetryAfter: RetryNever, ResetAfter: time.Duration(tat - now)}, storeTat
	}
	newTat := tat + int64(cost)*interval
	if allowAt := newTat - span; now < allowAt {
		return Decision{Remaining: remaining(tat), RetryAfter: time.Duration(allowAt - now), ResetAfter: time.Duration(tat - now)}, storeTat
	}
	return Decision{Allowed: true, Remaining: remaining(newTat), ResetAfter: time.Duration(newTat - now)}, newTat
}

// gcraAll decides several limits of one key together: tats holds each
// limit's stored TAT and, when every limit admits, gets the TATs to store.
// When one refuses, tats are left as they were and the limits that had
// room report their untouched state (a peek: gcra with cost 0). The Redis
// script does the same.
func gcraAll(tats []int64, now int64, limits []NamedLimit, cost int) MultiDecision {
	ds := make([]Decision, len(limits))
	var after [MaxLimitsPerDecision]int64
	all := true
	for i, l := range limits {
		ds[i], after[i] = gcra(tats[i], now, l.Limit, cost)
		all = all && ds[i].Allowed
	}
	if all {
		copy(tats, after[:len(limits)])
	} else {
		for i, l := range limits {
			if ds[i].Allowed {
				ds[i], _ = gcra(tats[i], now, l.Limit, 0)
			}
		}
	}
	return NewMultiDecision(ds)
}
