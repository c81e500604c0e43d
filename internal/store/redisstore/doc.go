// Package redisstore implements store.Store on Redis, so gateway replicas
// share rate limits, counters, distinct counts, bans and replay caches.
//
// Every limiter decision and counter update is one round trip: a Lua script
// run with EVALSHA (EVAL once after Redis lost its script cache). A
// multi-limit decision (AllowAll: 20/s and 10,000 a day) is one script
// too, which charges every limit or none. Scripts read the clock with
// Redis's TIME, so replicas with skewed clocks agree.
//
// Keys are namespaced by Config.Prefix; a key's client-chosen part sits in a
// hash tag ("rampart:gcra:{203.0.113.9}", its limits
// "rampart:gcra:{203.0.113.9}:<name>"), so every script's keys share one
// slot. Client-chosen parts that are long, empty, contain braces or start
// with '#' are replaced by '#' + SHA-256, which bounds Redis memory per key
// and keeps one client from naming another's key. Marks are tagged by
// namespace ("rampart:mark:{ban}:data" and ":until"): one namespace lives
// in one slot, so its cap is exact and listing it is one script.
//
// Config.ClusterAddrs connects to a Redis Cluster (redis.NewClusterClient)
// instead of one node: keys of different clients spread over the masters,
// each call goes to its slot's master, and nothing scans keys. Tested on a
// three-master cluster of real redis-server processes.
//
// Network failures and timeouts (Config.Timeout, 50ms by default, per call)
// are returned wrapping store.ErrUnavailable, for store.Failover to apply
// the configured fail mode. Any other unexpected reply is an error, never a
// panic.
//
// Usage:
//
//	rs, err := redisstore.New(ctx, redisstore.Config{Addr: "127.0.0.1:6379"})
//	if err != nil && !errors.Is(err, store.ErrUnavailable) {
//		return err // bad config or credentials
//	}
//	st, err := store.NewFailover(rs, mem, store.FailoverConfig{Mode: store.FailLocal, Replicas: 3})
//
// Requires Redis 5 or later (script effects replication); tested on 7.
package redisstore
