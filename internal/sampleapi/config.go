package sampleapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"
)

// WeakJWTSecret is the HS256 key used in vulnerable mode when Config.JWTSecret
// is empty: a word any small cracking list (rockyou, the jwt-secrets lists)
// contains.
const WeakJWTSecret = "secret123"

// minHardenedSecretLen is the shortest HS256 key hardened mode accepts: RFC 7518
// §3.2 requires a key at least as long as the hash output (256 bits).
const minHardenedSecretLen = 32

// tokenTTL is how long an issued token is valid.
const tokenTTL = time.Hour

// Config configures the sample API. The zero value is the vulnerable API with
// the weak JWT key and no logging.
type Config struct {
	// Hardened switches every deliberate flaw off (see the package doc).
	// Default false: vulnerable.
	Hardened bool

	// JWTSecret is the HS256 key that signs and verifies tokens.
	// Vulnerable mode: default WeakJWTSecret ("secret123"), any value accepted.
	// Hardened mode: default 32 random bytes drawn by New; a value given must
	// be at least 32 bytes long.
	JWTSecret string

	// Logger receives one line per request and every internal error.
	// Default: discard.
	Logger *slog.Logger

	// Now is the clock for token issue and expiry, the login lockout and
	// the rate limits. Default time.Now.
	Now func() time.Time

	// RequestRate and RequestBurst are hardened mode's per-client-IP
	// request limit: a token bucket refilled at RequestRate requests per
	// second that holds RequestBurst. Default DefaultRequestRate (100) and
	// DefaultRequestBurst (1,000). Vulnerable mode limits nothing.
	RequestRate  float64
	RequestBurst int
}

// withDefaults validates c and fills in its defaults, in one place.
func (c Config) withDefaults() (Config, error) {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.RequestRate < 0 || c.RequestBurst < 0:
		return c, fmt.Errorf("request rate %g and burst %d must not be negative", c.RequestRate, c.RequestBurst)
	case c.RequestRate == 0:
		c.RequestRate = DefaultRequestRate
	}
	if c.RequestBurst == 0 {
		c.RequestBurst = DefaultRequestBurst
	}
	switch {
	case !c.Hardened && c.JWTSecret == "":
		c.JWTSecret = WeakJWTSecret
	case c.Hardened && c.JWTSecret == "":
		key := make([]byte, minHardenedSecretLen)
		if _, err := rand.Read(key); err != nil {
			return c, fmt.Errorf("drawing a jwt secret: %w", err)
		}
		c.JWTSecret = hex.EncodeToString(key)
	case c.Hardened && len(c.JWTSecret) < minHardenedSecretLen:
		return c, fmt.Errorf("hardened mode needs a jwt secret of at least %d bytes, got %d", minHardenedSecretLen, len(c.JWTSecret))
	}
	return c, nil
}

// mode names the configuration in logs and the debug dump.
func (c Config) mode() string {
	if c.Hardened {
		return "hardened"
	}
	return "vulnerable"
}
