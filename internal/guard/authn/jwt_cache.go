package authn

import (
	"crypto/sha256"
	"maps"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultTokenCacheSize is the number of verified tokens remembered when
// JWTConfig.CacheSize is 0.
const DefaultTokenCacheSize = 4096

// tokenCache remembers tokens whose signature verified, so that a client
// sending the same token on every request (the usual case) pays for
// parsing and signature verification once. It skips only those two steps:
// a hit is re-validated (issuer allowed on the route, exp, nbf, iat, max
// age, required claims) and re-checked for revocation, and it counts only
// while the key set that verified it is still current, so a key removed
// from the JWKS stops its tokens at the next refresh.
//
// Only tokens that fully verified are stored, so an attacker cannot fill
// the cache; it is bounded anyway, evicting an arbitrary entry when full.
// Entries are keyed by the token's SHA-256: memory per entry does not
// depend on the token's length.
type tokenCache struct {
	mu      sync.RWMutex
	max     int
	entries map[[sha256.Size]byte]*cachedToken
}

// cachedToken is a verified token. Its fields are never modified.
type cachedToken struct {
	iss    *issuer
	set    *keySet
	claims jwt.MapClaims
	kid    string
}

func newTokenCache(size int) *tokenCache {
	if size < 0 {
		return nil
	}
	if size == 0 {
		size = DefaultTokenCacheSize
	}
	return &tokenCache{max: size, entries: make(map[[sha256.Size]byte]*cachedToken)}
}

func (c *tokenCache) get(key [sha256.Size]byte) *cachedToken {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[key]
}

func (c *tokenCache) put(key [sha256.Size]byte, e *cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k := range c.entries { // map order is random: a random eviction
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = e
}

func (c *tokenCache) drop(key [sha256.Size]byte) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// current reports whether e's key set is still the one its issuer uses.
func (e *cachedToken) current() bool {
	if e.set == e.iss.static {
		return true
	}
	return e.iss.jwks != nil && e.set == e.iss.jwks.keys.Load()
}

// claimsCopy gives each request its own map, so that nothing a consumer
// does to one Identity's Claims reaches another request.
func (e *cachedToken) claimsCopy() jwt.MapClaims { return maps.Clone(e.claims) }
