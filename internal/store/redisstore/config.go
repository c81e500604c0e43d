package redisstore

import (
	"crypto/tls"
	"errors"
	"fmt"
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
	// Addr is Redis's host:port. Required.
	Addr string
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
	// PoolSize is the number of connections. Default 10 per CPU.
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
	if c.Addr == "" {
		return errors.New("redis store: address is required")
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
