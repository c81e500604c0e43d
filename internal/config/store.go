package config

import "time"

// Store configures where shared state lives (rate limits, lockouts, bans,
// revocations, nonces).
type Store struct {
	// Backend is "memory" (default: per replica) or "redis" (shared by
	// every replica).
	Backend string `yaml:"backend"`
	// MaxKeys bounds the in-memory store per structure. Default 1000000.
	MaxKeys int `yaml:"max_keys"`
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
	// Addr is host:port. Required with backend redis.
	Addr string `yaml:"addr"`
	// Username for Redis ACLs. Default none.
	Username string `yaml:"username"`
	// PasswordEnv names an environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
	// PasswordFile is a file holding the password.
	PasswordFile string `yaml:"password_file"`
	// DB is the database number. Default 0.
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
