package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/metrics"
	"github.com/rampartsec/rampart/internal/store"
	"github.com/rampartsec/rampart/internal/store/redisstore"
)

// openStore builds the shared-state backend chosen in the configuration,
// once per process: a reload keeps it (store settings need a restart).
// With Redis (one node, or a Cluster with store.redis.cluster), calls go
// through a failover that applies store.fail_mode while Redis is
// unreachable; the gateway starts even when Redis is down. The fallback
// Memory of fail_mode local mirrors marks, so it gets the same max_marks.
func openStore(cfg *config.Config, log *slog.Logger, m *metrics.Metrics) (store.Store, error) {
	mem, err := store.NewMemory(store.MemoryConfig{MaxKeys: cfg.Store.MaxKeys, MaxMarks: cfg.Store.MaxMarks})
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if cfg.Store.Backend != "redis" {
		return mem, nil
	}
	rc := cfg.Store.Redis
	password, tlsConfig, err := redisClientSettings(rc)
	if err != nil {
		return nil, err
	}
	rcfg := redisstore.Config{
		Addr: rc.Addr, Username: rc.Username, Password: password, DB: rc.DB,
		TLS: tlsConfig, Prefix: rc.Prefix, Timeout: rc.Timeout, MaxMarks: cfg.Store.MaxMarks,
	}
	if rc.Cluster {
		rcfg.Addr, rcfg.ClusterAddrs = "", rc.Addrs
	}
	rs, err := redisstore.New(context.Background(), rcfg)
	switch {
	case rs == nil:
		return nil, fmt.Errorf("store.redis: %w", err)
	case err != nil:
		// Unreachable at start: serve in the fail mode until it answers.
		log.Warn("redis unreachable at start; applying store.fail_mode until it answers",
			"fail_mode", cfg.Store.FailMode, "error", err)
	}
	fo, err := store.NewFailover(rs, mem, store.FailoverConfig{
		Mode:     store.FailMode(cfg.Store.FailMode),
		Replicas: cfg.Store.Replicas,
		Logger:   log,
		OnTransition: func(healthy bool) {
			m.StoreHealthy(healthy)
		},
	})
	if err != nil {
		_ = rs.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return fo, nil
}

// secretFrom reads a secret from an environment variable or a file; never
// from the configuration itself. Trailing newlines of files are dropped.
func secretFrom(env, file string) (string, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set", env)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading secret file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}
