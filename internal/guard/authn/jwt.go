package authn

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// jwtVerifier checks bearer tokens. Signature verification and claims
// validation are golang-jwt's; parseCompactJWT splits and decodes tokens
// as golang-jwt's parser does, and this type picks the issuer, pins its
// algorithms, finds the key and maps claims to an Identity.
type jwtVerifier struct {
	issuers       map[string]*issuer
	maxTokenBytes int
	now           func() time.Time
	cache         *tokenCache
}

type issuer struct {
	name      string
	algs      []string
	static    *keySet
	jwks      *jwksSource
	validator *jwt.Validator
	leeway    time.Duration
	maxAge    time.Duration
	required  []string
	claims    claimNames
}

func newJWTVerifier(cfg JWTConfig, a *Authenticator) (*jwtVerifier, error) {
	v := &jwtVerifier{
		issuers:       make(map[string]*issuer, len(cfg.Issuers)),
		maxTokenBytes: cfg.MaxTokenBytes,
		now:           a.now,
		cache:         newTokenCache(cfg.CacheSize),
	}
	if v.maxTokenBytes == 0 {
		v.maxTokenBytes = DefaultMaxTokenBytes
	}
	if v.maxTokenBytes < 0 {
		return nil, fmt.Errorf("jwt: max token bytes %d is negative", v.maxTokenBytes)
	}
	for _, ic := range cfg.Issuers {
		if _, dup := v.issuers[ic.Issuer]; dup {
			return nil, fmt.Errorf("jwt: issuer %q appears twice", ic.Issuer)
		}
		iss, err := newIssuer(ic, a)
		if err != nil {
			return nil, fmt.Errorf("jwt issuer %q: %w", ic.Issuer, err)
		}
		v.issuers[ic.Issuer] = iss
	}
	return v, nil
}

func newIssuer(ic Issuer, a *Authenticator) (*issuer, error) {
	if ic.Issuer == "" {
		return nil, errors.New("issuer (iss) is required")
	}
	if len(ic.Algorithms) == 0 {
		return nil, errors.New("algorithms must be pinned (e.g. [RS256])")
	}
	hmac := 0
	for _, alg := range ic.Algorithms {
		if err := checkAlg(alg); err != nil {
			return nil, err
		}
		if isHMACAlg(alg) {
			hmac++
		}
	}
	if hmac > 0 && hmac < len(ic.Algorithms) {
		// One issuer both HMAC and public-key: the setting in which an
		// attacker signs HS256 with the public key (algorithm confusion).
		return nil, errors.New("HMAC algorithms cannot be mixed with public-key algorithms")
	}
	if hmac > 0 && ic.JWKSURL != "" {
		return nil, errors.New("HMAC secrets come from static keys, not a JWKS URL")
	}
	if len(ic.Audiences) == 0 && !ic.AnyAudience {
		return nil, errors.New("audiences are required (or set AnyAudience)")
	}
	if ic.RefreshInterval < 0 || ic.MinRefreshInterval < 0 || ic.FetchTimeout < 0 || ic.MaxAge < 0 {
		return nil, errors.New("durations must not be negative")
	}
	iss := &issuer{name: ic.Issuer, algs: slices.Clone(ic.Algorithms), maxAge: ic.MaxAge,
		required: slices.Clone(ic.RequiredClaims), claims: newClaimNames(ic)}
	iss.leeway = ic.Leeway
	if iss.leeway == 0 {
		iss.leeway = DefaultLeeway
	}
	if iss.leeway < 0 {
		iss.leeway = 0
	}
	static, err := staticKeys(ic, iss.algs)
	if err != nil {
		return nil, err
	}
	if len(static) > 0 {
		iss.static = newKeySet(static)
	}
	if ic.JWKSURL != "" {
		if iss.jwks, err = newJWKSSource(ic, a); err != nil {
			return nil, err
		}
	}
	if iss.static == nil && iss.jwks == nil {
		return nil, errors.New("no keys: set a JWKS URL or static keys")
	}
	opts := []jwt.ParserOption{jwt.WithLeeway(iss.leeway), jwt.WithTimeFunc(a.now), jwt.WithIssuedAt(), jwt.WithIssuer(ic.Issuer)}
	if !ic.AllowNoExpiry {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if len(ic.Audiences) > 0 {
		opts = append(opts, jwt.WithAudience(ic.Audiences...))
	}
	iss.validator = jwt.NewValidator(opts...)
	return iss, nil
}

func newJWKSSource(ic Issuer, a *Authenticator) (*jwksSource, error) {
	u, err := url.Parse(ic.JWKSURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("jwks url %q is not an absolute URL", ic.JWKSURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		// Keys fetched in clear text could be swapped by anyone on the path.
		return nil, fmt.Errorf("jwks url %q must use https (http only on loopback)", ic.JWKSURL)
	}
	s := &jwksSource{
		issuer: ic.Issuer, url: ic.JWKSURL, client: a.httpClient,
		refresh: ic.RefreshInterval, minInterval: ic.MinRefreshInterval, timeout: ic.FetchTimeout,
		maxBytes: DefaultJWKSMaxBytes, now: a.now, log: a.log, hook: a.hooks.JWKSFetch, ctx: a.ctx,
	}
	if s.refresh == 0 {
		s.refresh = DefaultJWKSRefresh
	}
	if s.minInterval == 0 {
		s.minInterval = DefaultJWKSMinInterval
	}
	if s.timeout == 0 {
		s.timeout = DefaultJWKSTimeout
	}
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bearer returns the token of "Authorization: Bearer <token>" and whether
// the Bearer scheme was used at all.
func bearer(r *http.Request) (string, bool) {
	scheme, cred, ok := authorization(r)
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return cred, true
}

// tokenCheck is one verification: which issuer, key set and keys may
// verify a token.
type tokenCheck struct {
	v       *jwtVerifier
	ctx     context.Context
	allowed map[string]bool
	iss     *issuer
	kid     string
	set     *keySet
}

// find decides which issuer, algorithm and keys may verify t, and appends
// the keys to keys; it runs after the token parsed and before its
// signature is verified. The algorithm in the header is only ever checked
// against the issuer's pinned list, never trusted to pick a verification
// method on its own.
func (c *tokenCheck) find(t *compactJWT, keys []any) ([]any, *failure) {
	alg := t.header.alg
	if alg == jwt.SigningMethodNone.Alg() {
		return nil, failf(RuleJWTAlgNone, `token uses alg "none"`)
	}
	if t.header.crit {
		// RFC 7515 §4.1.11: critical extensions we do not understand
		// make the token invalid. We understand none.
		return nil, failf(RuleJWTMalformed, `token has a "crit" header`)
	}
	name, _ := t.claims["iss"].(string)
	iss := c.v.issuers[name]
	if iss == nil || (c.allowed != nil && !c.allowed[name]) {
		return nil, fail(RuleJWTUnknownIssuer, fmt.Errorf("issuer %q is not trusted here", name))
	}
	c.iss = iss
	if !slices.Contains(iss.algs, alg) {
		return nil, fail(RuleJWTAlgNotAllowed, fmt.Errorf("issuer %q does not allow alg %q", name, alg))
	}
	kid, hasKID := t.header.kid, t.header.kidString
	if t.header.kidPresent && !hasKID {
		return nil, failf(RuleJWTMalformed, "kid is not a string")
	}
	c.kid = kid
	candidates, set := iss.static.lookup(kid, hasKID), iss.static
	if len(candidates) == 0 && iss.jwks != nil {
		var f *failure
		if candidates, set, f = iss.jwks.lookup(c.ctx, kid, hasKID); f != nil {
			return nil, f
		}
	}
	c.set = set
	if len(candidates) == 0 {
		return nil, fail(RuleJWTUnknownKID, fmt.Errorf("issuer %q has no key %q", name, kid))
	}
	// Only keys whose type (and pinned alg) fit the token's alg: an RSA
	// key never serves as an HMAC secret.
	first := len(keys)
	for _, k := range candidates {
		if (k.alg == "" || k.alg == alg) && keyFits(alg, k.key) {
			keys = append(keys, k.key)
		}
	}
	if len(keys) == first {
		return nil, fail(RuleJWTKeyMismatch, fmt.Errorf("issuer %q: no key %q fits alg %q", name, kid, alg))
	}
	return keys, nil
}

// authenticate verifies the bearer token of r; (nil, nil) when there is
// none. allowed, when non-nil, restricts the issuers (per route).
func (a *Authenticator) authenticateJWT(r *http.Request, allowed map[string]bool) (*pipeline.Identity, *failure) {
	v := a.jwt
	raw, present := bearer(r)
	if !present {
		return nil, nil
	}
	if raw == "" {
		return nil, failf(RuleJWTMalformed, "Bearer scheme without a token")
	}
	if len(raw) > v.maxTokenBytes {
		return nil, fail(RuleJWTMalformed, fmt.Errorf("token of %d bytes exceeds %d", len(raw), v.maxTokenBytes))
	}
	var cacheKey [32]byte
	if v.cache != nil {
		cacheKey = sha256.Sum256([]byte(raw))
		if e := v.cache.get(cacheKey); e != nil {
			if id, f, ok := a.fromCache(r, e, cacheKey, allowed); ok {
				return id, f
			}
		}
	}
	t, f := parseCompactJWT(raw)
	if f != nil {
		return nil, f
	}
	c := tokenCheck{v: v, ctx: r.Context(), allowed: allowed}
	var keyBuf [2]any // the usual one key, or two during a rotation
	keys, f := c.find(&t, keyBuf[:0])
	if f != nil {
		return nil, f
	}
	if f := t.verify(keys); f != nil {
		return nil, f
	}
	// Only now, with the signature proving the token comes from the
	// issuer it names, are its claims validated: once, by that issuer's
	// rules.
	iss, claims := c.iss, t.claims
	if f := iss.validate(claims, v.now()); f != nil {
		return nil, f
	}
	if v.cache != nil {
		v.cache.put(cacheKey, &cachedToken{iss: iss, set: c.set, claims: claims, kid: c.kid})
		claims = maps.Clone(claims)
	}
	return a.finishJWT(r, iss, claims, c.kid)
}

// validate checks the claims of a token whose signature verified.
func (iss *issuer) validate(claims jwt.MapClaims, now time.Time) *failure {
	if err := iss.validator.Validate(claims); err != nil {
		return claimsFailure(err)
	}
	return iss.checkClaims(claims, now)
}

// fromCache answers from a cached verification when the entry still
// holds: ok is false when the token must be verified afresh (and the
// full path then names the reason of any refusal).
func (a *Authenticator) fromCache(r *http.Request, e *cachedToken, key [32]byte, allowed map[string]bool) (*pipeline.Identity, *failure, bool) {
	if allowed != nil && !allowed[e.iss.name] {
		return nil, nil, false
	}
	if !e.current() || e.iss.validate(e.claims, a.now()) != nil {
		a.jwt.cache.drop(key)
		return nil, nil, false
	}
	id, f := a.finishJWT(r, e.iss, e.claimsCopy(), e.kid)
	return id, f, true
}

// finishJWT checks revocation of the token id and builds the Identity.
func (a *Authenticator) finishJWT(r *http.Request, iss *issuer, claims jwt.MapClaims, kid string) (*pipeline.Identity, *failure) {
	if jti, ok := claims["jti"].(string); ok && jti != "" {
		if f := a.revoked(r.Context(), NamespaceRevokedJTI, jti, RuleJWTRevoked); f != nil {
			return nil, f
		}
	}
	return iss.identity(claims, kid), nil
}

// claimsFailure classifies a validator error.
func claimsFailure(err error) *failure {
	for _, c := range []struct {
		target error
		rule   string
	}{
		{jwt.ErrTokenExpired, RuleJWTExpired},
		{jwt.ErrTokenNotValidYet, RuleJWTNotYetValid},
		{jwt.ErrTokenUsedBeforeIssued, RuleJWTIssuedInFuture},
		{jwt.ErrTokenInvalidAudience, RuleJWTAudience},
		{jwt.ErrTokenInvalidIssuer, RuleJWTUnknownIssuer},
		{jwt.ErrTokenRequiredClaimMissing, RuleJWTClaimMissing},
	} {
		if errors.Is(err, c.target) {
			return fail(c.rule, err)
		}
	}
	return fail(RuleJWTMalformed, err)
}
