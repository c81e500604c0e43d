package store

import (
	"context"
	"errors"
	"time"
)

// Limit is a GCRA rate: Rate events per Period, with bursts of up to Burst
// events. Rate 10, Period 1s, Burst 20 admits 20 at once, then 10 per second.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// Valid reports whether the limit can be enforced.
func (l Limit) Valid() bool { return l.Rate > 0 && l.Period > 0 && l.Burst > 0 }

// Interval is the emission interval: the time one event's cost takes to drain.
func (l Limit) Interval() time.Duration { return l.Period / time.Duration(l.Rate) }

// Decision is the answer of a Limiter.
type Decision struct {
	// Allowed says whether the events were admitted (and counted).
	Allowed bool
	// Remaining is how many more events would be admitted right now.
	Remaining int
	// RetryAfter is how long until the request would be admitted (zero when
	// allowed).
	RetryAfter time.Duration
	// ResetAfter is how long until the key is back to a full burst.
	ResetAfter time.Duration
}

// NamedLimit is one limit of a multi-limit decision. Name tells apart the
// limits of one key: each (key, Name) pair has its own state. The empty
// name is the key's own state, the one Allow uses. At most MaxNameLen
// bytes, no braces.
type NamedLimit struct {
	Name  string
	Limit Limit
}

// MultiDecision is the answer of Limiter.AllowAll.
type MultiDecision struct {
	// Allowed says whether every limit admitted the request. Only then was
	// it counted, in every limit at once.
	Allowed bool
	// Refused is the index of the limit that decides when the request can
	// pass: the refusing limit with the longest RetryAfter (RetryNever
	// counts as longest; the first of equals). -1 when Allowed.
	Refused int
	// RetryAfter is how long until every limit would admit the request (a
	// refused request changes nothing, so the limits drain independently):
	// the longest RetryAfter of the refusing limits, RetryNever when one of
	// them never can. Zero when Allowed.
	RetryAfter time.Duration
	// Limits holds each limit's own decision, in the order given.
	// Limits[i].Allowed says whether limit i had room; its Remaining and
	// ResetAfter describe the state after this decision: charged when the
	// request was admitted, untouched when it was refused.
	Limits []Decision
}

// Limiter decides GCRA limits. cost is the number of events a request
// counts for (1 for most, more for expensive operations); a cost above the
// burst is never admitted.
type Limiter interface {
	// Allow decides one limit: AllowAll with one unnamed limit.
	Allow(ctx context.Context, key string, limit Limit, cost int) (Decision, error)
	// AllowAll decides several limits of one key atomically (20/s burst
	// 40 and 10,000 a day): the request is admitted only if every limit
	// admits it, and counted in every limit only then; a refusal by any
	// limit leaves all of them untouched. One Redis round trip.
	AllowAll(ctx context.Context, key string, limits []NamedLimit, cost int) (MultiDecision, error)
}

// Counters count events per key in fixed windows.
type Counters interface {
	// Incr adds n to key's counter in the current window of the given
	// length and returns the new count.
	Incr(ctx context.Context, key string, window time.Duration, n int64) (int64, error)
	// Reset deletes key's counter.
	Reset(ctx context.Context, key string) error
}

// Distinct counts distinct members per key in fixed windows (e.g. distinct
// usernames tried from one address). Counts may be approximate above a few
// thousand members, never under-counting by more than a few percent.
type Distinct interface {
	// AddDistinct records member under key and returns the number of
	// distinct members seen in the current window.
	AddDistinct(ctx context.Context, key, member string, window time.Duration) (int64, error)
}

// Mark is an expiring record about a key: a ban of a client, a revoked
// token id.
type Mark struct {
	Key    string
	Reason string
	// Source names who set it ("bruteforce", "admin", "detect").
	Source string
	Since  time.Time
	Until  time.Time
}

// MarkResult is one key's answer of Marks.GetMarks.
type MarkResult struct {
	// Mark and Found are what GetMark returns for the key.
	Mark  Mark
	Found bool
	// Err is this key's own failure (its stored mark is corrupt), where
	// GetMark would return an error for this key alone; the other keys'
	// answers stand. Failures of the whole call (the store unavailable, a
	// bad namespace) are GetMarks' error instead.
	Err error
}

// Marks stores marks in namespaces ("ban", "revoked-jti", ...). Expired
// marks are never returned.
type Marks interface {
	PutMark(ctx context.Context, ns string, m Mark) error
	GetMark(ctx context.Context, ns, key string) (Mark, bool, error)
	// GetMarks looks up several keys of ns in one call (one Redis round
	// trip, where GetMark is one per key): it appends to dst one result
	// per key, in the order of keys, and returns the extended slice. A
	// dst with room for len(keys) more results is filled in place, so a
	// caller reusing one allocates nothing for the answers. On error dst
	// is returned unchanged.
	GetMarks(ctx context.Context, ns string, keys []string, dst []MarkResult) ([]MarkResult, error)
	// DeleteMark reports whether a mark was there.
	DeleteMark(ctx context.Context, ns, key string) (bool, error)
	// ListMarks returns the namespace's live marks, at most limit of them.
	ListMarks(ctx context.Context, ns string, limit int) ([]Mark, error)
}

// Nonces remember values for a while, to refuse replays.
type Nonces interface {
	// FirstSeen records key for ttl and reports whether it was new. A
	// second call within ttl returns false.
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Store is everything a backend provides.
type Store interface {
	Limiter
	Counters
	Distinct
	Marks
	Nonces
	Close() error
}

// ErrUnavailable wraps backend failures (Redis unreachable, timeout), so
// callers can apply their configured fail mode.
var ErrUnavailable = errors.New("store unavailable")
