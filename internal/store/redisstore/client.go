package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// newClient builds the go-redis client of cfg: one node (Addr) or a Redis
// Cluster (ClusterAddrs, the seed nodes; the client learns the slot map
// from them and follows MOVED and ASK redirects, at most 3 per call).
func newClient(cfg *Config) redis.UniversalClient {
	// go-redis logs every failed dial through a process-wide logger: a
	// line per request during an outage, where store.Failover logs one
	// per transition. This package is the only importer of go-redis, so
	// silencing it here silences nobody else.
	redis.SetLogger(&logging.VoidLogger{})
	// The per-call context deadline bounds everything; go-redis must not
	// add retries or dial back-off on top of it (a dead Redis would hold
	// each request for seconds).
	opts := &redis.UniversalOptions{
		Username:  cfg.Username,
		Password:  cfg.Password,
		TLSConfig: cfg.TLS,
		PoolSize:  cfg.PoolSize, // per node on Cluster
		Protocol:  2,

		ContextTimeoutEnabled:    true,
		DialTimeout:              cfg.Timeout,
		ReadTimeout:              cfg.Timeout,
		WriteTimeout:             cfg.Timeout,
		PoolTimeout:              cfg.Timeout,
		MaxRetries:               -1,
		DialerRetries:            1,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
	// Both kinds of client take these options (Cluster and Simple copy
	// them). The kind is chosen here, not by redis.NewUniversalClient,
	// which takes one address for a single node: a Cluster may be given
	// one seed node.
	if len(cfg.ClusterAddrs) > 0 {
		opts.Addrs = cfg.ClusterAddrs
		return redis.NewClusterClient(opts.Cluster())
	}
	opts.Addrs, opts.DB = []string{cfg.Addr}, cfg.DB
	return redis.NewClient(opts.Simple())
}

// loadScripts puts every script in the script cache, so that calls run
// with EVALSHA from the start. SCRIPT LOAD directly: redis.Script.Load on
// a pipeline would record the not-yet-known digest as "", making every
// later EVALSHA miss. A Redis that loses its cache later (a restart, a
// replica promoted on Cluster) costs one EVAL per script, then EVALSHA
// again (redis.Script.Run falls back on NOSCRIPT).
func (s *Store) loadScripts(ctx context.Context) error {
	if cluster, ok := s.client.(*redis.ClusterClient); ok {
		// ClusterClient.ScriptLoad sends the script to every shard: a
		// pipeline would send it to one node only.
		for _, src := range s.scripts.sources() {
			if err := cluster.ScriptLoad(ctx, src).Err(); err != nil {
				return err
			}
		}
		return nil
	}
	pipe := s.client.Pipeline()
	for _, src := range s.scripts.sources() {
		pipe.ScriptLoad(ctx, src)
	}
	_, err := pipe.Exec(ctx)
	return err
}
