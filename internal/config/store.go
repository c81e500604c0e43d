package config

import (
	"fmt"
	"time"
)

// Store configures where shared state lives (rate limits, lockouts, bans,
// revocations, nonces).
type Store struct {
	// Backend is "memory" (default: per replica) or "redis" (shared by
	// every replica).
	Backend string `yaml:"backend"`
	// MaxKeys bounds the in-memory store per structure. Default 1000000.
	MaxKeys int `yaml:"max_keys"`
	// MaxMarks bounds the live marks of each kind (bans, lockouts, trusted
	// sources, revocations, learned object ids), in memory and in Redis.
	// A full kind refuses new marks; none is evicted. Default 100000.
	MaxMarks int `yaml:"max_marks"`
	// Redis configures the redis backend.
	Redis Redis `yaml:"redis"`
	// FailMode is what limits do while Redis is unreachable: "open" (admit),
	// "closed" (refuse) or "local" (default: per-replica in-memory limits,
	// divided by replicas).
	FailMode string `yaml:"fail_mode"`
	// Replicas is the number of gateway replicas, used by fail_mode local
	// to divide each limit. Default 1.
	Replicas int `yaml:"replicas"`
}

// Redis configures the Redis connection.
type Redis struct {
	// Addr is host:port of a single Redis. Required with backend redis,
	// unless Cluster.
	Addr string `yaml:"addr"`
	// Cluster connects to a Redis Cluster through the seed nodes in Addrs.
	// Default false.
	Cluster bool `yaml:"cluster"`
	// Addrs are host:port seed nodes of the cluster (one is enough, more
	// survive a seed being down). Required with Cluster, refused without.
	Addrs []string `yaml:"addrs"`
	// Username for Redis ACLs. Default none.
	Username string `yaml:"username"`
	// PasswordEnv names an environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
	// PasswordFile is a file holding the password.
	PasswordFile string `yaml:"password_file"`
	// DB is the database number. Default 0; must be 0 with Cluster.
	DB int `yaml:"db"`
	// TLS enables TLS to Redis. Default false.
	TLS bool `yaml:"tls"`
	// CAFile verifies the Redis server certificate. Default system roots.
	CAFile string `yaml:"ca_file"`
	// Prefix namespaces every key. Default "rampart".
	Prefix string `yaml:"prefix"`
	// Timeout bounds each call. Default 50ms.
	Timeout time.Duration `yaml:"timeout"`
}

// Store defaults and bounds.
const (
	DefaultStoreMaxKeys  = 1_000_000
	DefaultStoreMaxMarks = 100_000
	minStoreEntries      = 1000
)

func (s *Store) applyDefaults() {
	setDefault(&s.Backend, "memory")
	setDefault(&s.MaxKeys, DefaultStoreMaxKeys)
	setDefault(&s.MaxMarks, DefaultStoreMaxMarks)
	setDefault(&s.FailMode, "local")
	setDefault(&s.Replicas, 1)
	setDefault(&s.Redis.Prefix, "rampart")
	setDefault(&s.Redis.Timeout, 50*time.Millisecond)
}

func (s *Store) validate(v *validator) {
	switch s.Backend {
	case "memory":
	case "redis":
		s.Redis.validateAddrs(v)
	default:
		v.add("store.backend", "unknown backend %q (want memory or redis)", s.Backend)
	}
	if s.Redis.PasswordEnv != "" && s.Redis.PasswordFile != "" {
		v.add("store.redis.password_env", "set password_env or password_file, not both")
	}
	v.file("store.redis.password_file", s.Redis.PasswordFile)
	v.file("store.redis.ca_file", s.Redis.CAFile)
	v.nonNegative("store.redis.timeout", s.Redis.Timeout)
	if s.MaxKeys < minStoreEntries {
		v.add("store.max_keys", "must be at least %d", minStoreEntries)
	}
	if s.MaxMarks < minStoreEntries {
		v.add("store.max_marks", "must be at least %d", minStoreEntries)
	}
	switch s.FailMode {
	case "open", "closed", "local":
	default:
		v.add("store.fail_mode", "unknown mode %q (want open, closed or local)", s.FailMode)
	}
	if s.Replicas < 1 {
		v.add("store.replicas", "must be at least 1")
	}
}

// validateAddrs checks where backend redis connects: addr for one node,
// cluster with addrs for a Redis Cluster.
func (r *Redis) validateAddrs(v *validator) {
	if !r.Cluster {
		switch {
		case len(r.Addrs) > 0:
			v.add("store.redis.addrs", "needs cluster: true (a single Redis is addr)")
		case r.Addr == "":
			v.add("store.redis.addr", "required with backend redis")
		default:
			v.addr("store.redis.addr", r.Addr)
		}
		return
	}
	if r.Addr != "" {
		v.add("store.redis.addr", "not used with cluster: true; list the seed nodes in addrs")
	}
	if len(r.Addrs) == 0 {
		v.add("store.redis.addrs", "at least one seed node is required with cluster: true")
	}
	for i, a := range r.Addrs {
		v.addr(fmt.Sprintf("store.redis.addrs[%d]", i), a)
	}
	if r.DB != 0 {
		v.add("store.redis.db", "must be 0 with cluster: true (Redis Cluster has database 0 only)")
	}
}
