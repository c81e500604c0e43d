// Package store defines Rampart's shared state: GCRA rate limits, windowed
// counters, distinct counts, marks (bans, revocations) and nonce sets. Guards
// declare the small interfaces they consume with these types; the
// composition root picks one backend at construction: the bounded in-memory
// implementation in this package (one replica) or internal/store/redisstore
// (replicas sharing state through Redis).
//
// Every per-key structure is bounded: an attacker chooses the keys.
package store
