// Package store defines Rampart's shared state: GCRA rate limits, windowed
// counters, distinct counts, marks (bans, revocations) and nonce sets. Guards
// declare the small interfaces they consume with these types; the
// composition root picks one backend at construction: the bounded in-memory
// implementation in this package (one replica) or internal/store/redisstore
// (replicas sharing state through Redis).
//
// Every per-key structure is bounded: an attacker chooses the keys.
//
// # Backends
//
// NewMemory returns the in-memory Store: sharded maps with per-shard locks,
// an injected clock, and a capacity per structure (MemoryConfig). Limiter,
// counter, distinct and nonce tables evict (expired entries first, then the
// soonest-expiring of a random sample); mark namespaces never evict and
// refuse new marks with ErrFull instead, so a flood of bans cannot push an
// older ban out.
//
// NewFailover wraps a shared backend (redisstore) with the fail mode chosen
// in config, FailOpen, FailClosed or FailLocal, probes it every RetryEvery
// while it is down, and reports each transition once (a log line and
// OnTransition, for a metric).
//
//	mem, _ := store.NewMemory(store.MemoryConfig{})
//	st, err := store.NewFailover(redis, mem, store.FailoverConfig{Mode: store.FailLocal, Replicas: 3})
//	md, err := st.AllowAll(ctx, "ip:"+clientIP, []store.NamedLimit{
//		{Name: "s", Limit: store.Limit{Rate: 20, Period: time.Second, Burst: 40}},
//		{Name: "d", Limit: store.Limit{Rate: 10000, Period: 24 * time.Hour, Burst: 10000}},
//	}, 1)
//	if !md.Allowed { /* 429 with Retry-After: md.RetryAfter (unless RetryNever) */ }
//
// # Semantics shared by both backends
//
// Allow is GCRA (ITU-T I.371's virtual scheduling): a denied request
// consumes nothing; cost 0 peeks; a cost above the burst is denied with
// RetryAfter == RetryNever. Both backends compute to the nanosecond and give
// identical decisions for the same history (checked by redisstore's tests).
// AllowAll decides several limits of one key (each NamedLimit its own
// state) atomically: the request is counted in every limit or in none, so
// a refusal by the daily quota does not spend the per-second one; it says
// which limit refused, the wait until all admit, and each limit's
// remaining and reset for RateLimit headers. Allow is AllowAll with one
// unnamed limit.
// Counters and distinct counts use fixed windows aligned to multiples of the
// window since the Unix epoch. Windows and TTLs are at least MinDuration.
// Distinct counts are exact up to 512 members per key, then estimates within
// a few percent. ListMarks returns the latest-expiring marks first.
package store
