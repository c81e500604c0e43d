package redisstore

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

// Defaults; see Config.
const (
	DefaultPrefix  = "rampart"
	DefaultTimeout = 50 * time.Millisecond
)

// Config configures New. Zero fields take the documented defaults.
type Config struct {
	// Addr is the host:port of a single Redis (or of a proxy in front of
	// several). Exactly one of Addr and ClusterAddrs is required.
	Addr string
	// ClusterAddrs are host:port seed nodes of a Redis Cluster: the client
	// reads the slot map from the first that answers and routes each call
	// to the master of its keys' slot. Every script's keys share one hash
	// tag, so every call is one slot. DB must be 0 (Cluster has no others).
	ClusterAddrs []string
	// Username and Password authenticate (Redis 6 ACL, or Password alone
	// for requirepass). The caller resolves them from the environment or
	// a file; they are never logged or put in errors.
	Username, Password string
	// DB is the database number. Default 0.
	DB int
	// TLS, if set, connects with TLS.
	TLS *tls.Config
	// Prefix namespaces every key ("<prefix>:gcra:{...}"). Default
	// "rampart". At most 64 bytes, no braces.
	Prefix string
	// Timeout bounds each call, connection included. Default 50ms: a
	// limiter that waits longer than that costs more than it protects.
	Timeout time.Duration
	// PoolSize is the number of connections (per node on Cluster).
	// Default 10 per CPU (5 per CPU and node on Cluster).
	PoolSize int
	// MaxMarks bounds the live marks of each namespace; a full namespace
	// refuses new marks with store.ErrFull. Default 100,000.
	MaxMarks int
	// Now, for tests only, replaces Redis's clock: scripts get the time as
	// an argument instead of calling TIME, and keys then live at least a
	// minute of Redis's own time (expiry only collects garbage; decisions
	// follow Now). Nonce expiry always follows Redis's clock. Leave nil in
	// production: replicas' clocks disagree, Redis's is the shared one.
	Now func() time.Time
}

func (c *Config) validate() error {
	switch {
	case c.Addr == "" && len(c.ClusterAddrs) == 0:
		return errors.New("redis store: address is required")
	case c.Addr != "" && len(c.ClusterAddrs) > 0:
		return errors.New("redis store: set an address or cluster addresses, not both")
	case len(c.ClusterAddrs) > 0 && c.DB != 0:
		return fmt.Errorf("redis store: db %d: Redis Cluster has database 0 only", c.DB)
	case slices.Contains(c.ClusterAddrs, ""):
		return errors.New("redis store: empty cluster address")
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if len(c.Prefix) > 64 || strings.ContainsAny(c.Prefix, "{}") {
		return fmt.Errorf("redis store: prefix %q: at most 64 bytes, no braces", c.Prefix)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxMarks == 0 {
		c.MaxMarks = store.DefaultMaxMarks
	}
	if c.Timeout < 0 || c.PoolSize < 0 || c.MaxMarks < 0 || c.DB < 0 {
		return fmt.Errorf("redis store: timeout %v, pool size %d, max marks %d and db %d must not be negative",
			c.Timeout, c.PoolSize, c.MaxMarks, c.DB)
	}
	return nil
}
