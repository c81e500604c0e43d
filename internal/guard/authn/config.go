package authn

import (
	"crypto"
	"log/slog"
	"net/http"
	"time"
)

// Defaults applied by New to zero-valued Config fields.
const (
	// DefaultRealm is the realm of the WWW-Authenticate challenges.
	DefaultRealm = "rampart"
	// DefaultAPIKeyHeader carries API keys when APIKeyConfig.Header is empty.
	DefaultAPIKeyHeader = "X-API-Key"
	// DefaultMaxTokenBytes bounds a bearer token: 8 KiB.
	DefaultMaxTokenBytes = 8 << 10
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
	DefaultLeeway = 30 * time.Second
	// DefaultJWKSRefresh is how often JWKS are re-fetched in the background.
	DefaultJWKSRefresh = time.Hour
	// DefaultJWKSMinInterval is the least time between two fetches of one
	// JWKS triggered by unknown key ids (and between retries after a failure).
	DefaultJWKSMinInterval = time.Minute
	// DefaultJWKSTimeout bounds one JWKS fetch.
	DefaultJWKSTimeout = 5 * time.Second
	// DefaultJWKSMaxBytes bounds a JWKS document: 1 MiB.
	DefaultJWKSMaxBytes = 1 << 20
	// DefaultSignatureMaxAge is how old a signature's created time may be.
	DefaultSignatureMaxAge = 5 * time.Minute
	// DefaultSignatureSkew is how far in the future created may be.
	DefaultSignatureSkew = 30 * time.Second
	// DefaultSignatureMaxBody bounds the body read to check Content-Digest: 1 MiB.
	DefaultSignatureMaxBody = 1 << 20
)

// Config configures an Authenticator: the credentials it knows. Which
// methods a route accepts is its Policy. The zero value of every field means
// its documented default; a section without keys disables its method.
type Config struct {
	// Realm is sent in WWW-Authenticate challenges. Default DefaultRealm.
	Realm string
	// APIKeys configures API key authentication.
	APIKeys APIKeyConfig
	// JWT configures bearer-token authentication.
	JWT JWTConfig
	// MTLS configures client-certificate authentication.
	MTLS MTLSConfig
	// Signatures configures HTTP Message Signatures (RFC 9421).
	Signatures SignatureConfig
	// StoreFailOpen decides what happens when the revocation or nonce store
	// fails: false (default) answers 500 (fail closed); true skips the check.
	// Either way the failure is logged and reported to Hooks.StoreError.
	StoreFailOpen bool
}

// APIKeyConfig configures API keys.
type APIKeyConfig struct {
	// Keys are the accepted keys. Only hashes are configured.
	Keys []APIKey
	// Header carries the key. Default DefaultAPIKeyHeader ("X-API-Key").
	// "Authorization: ApiKey <key>" is accepted as well.
	Header string
	// QueryParam, when set, also accepts the key in this query parameter.
	// Discouraged: URLs end up in access logs, browser history and Referer
	// headers (CWE-598). Default: off.
	QueryParam string
}

// APIKey is one API key record. The key itself is never stored: Hashes
// holds "sha256:<64 hex>" hashes of the full key string (see GenerateKey).
type APIKey struct {
	// ID is the key id, the part of "rk_<id>_<secret>" before the secret:
	// 1-64 characters of [a-z0-9-].
	ID string
	// Hashes holds one hash, or two while a key is being rotated (clients
	// switch from the old key to the new one under the same id).
	Hashes []string
	// Subject is the identity's subject. Default: ID.
	Subject string
	// Tenant, Scopes and Roles are copied to the identity.
	Tenant string
	Scopes []string
	Roles  []string
	// ExpiresAt, when set, is when the key stops working.
	ExpiresAt time.Time
	// Disabled refuses the key without deleting its record.
	Disabled bool
}

// JWTConfig configures bearer tokens (JWS-signed JWTs, RFC 7519).
type JWTConfig struct {
	// Issuers are the trusted token issuers.
	Issuers []Issuer
	// MaxTokenBytes bounds a token. Default DefaultMaxTokenBytes (8 KiB).
	MaxTokenBytes int
	// CacheSize is how many verified tokens are remembered, so that a token
	// sent again is not parsed and verified again (it is still re-validated
	// and checked for revocation). Default DefaultTokenCacheSize (4096);
	// negative disables the cache.
	CacheSize int
}

// Issuer configures one trusted token issuer and its keys.
type Issuer struct {
	// Issuer is the exact "iss" value. Required, unique.
	Issuer string
	// Audiences: the token's "aud" must contain one of them. Required
	// unless AnyAudience is set (a token minted for another service of the
	// same identity provider must not be accepted here).
	Audiences   []string
	AnyAudience bool
	// Algorithms pins the accepted "alg" values (RS256, RS384, RS512, PS256,
	// PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384, HS512).
	// Required. HMAC cannot be mixed with public-key algorithms (algorithm
	// confusion) and takes its secrets from Keys or KeyFiles only.
	Algorithms []string
	// JWKSURL is the issuer's JWK Set (https, or http on loopback).
	JWKSURL string
	// KeyFiles are static keys: a PEM public key or certificate, a JWK or
	// JWK Set JSON file, or for HMAC a base64 secret.
	KeyFiles []KeyFile
	// Keys are static keys given in code (tests, embedding).
	Keys []StaticKey
	// RefreshInterval is how often the JWKS is re-fetched. Default
	// DefaultJWKSRefresh (1h).
	RefreshInterval time.Duration
	// MinRefreshInterval is the least time between two fetches of the JWKS
	// triggered by unknown "kid"s or retries, so that a flood of tokens with
	// made-up kids cannot hammer the identity provider. Default
	// DefaultJWKSMinInterval (1m).
	MinRefreshInterval time.Duration
	// FetchTimeout bounds one JWKS fetch. Default DefaultJWKSTimeout (5s).
	FetchTimeout time.Duration
	// RequireKeysAtStart makes New fail when the first JWKS fetch fails.
	// Default false: New succeeds, tokens of this issuer are refused until
	// keys were fetched, and fetching is retried every MinRefreshInterval.
	RequireKeysAtStart bool
	// Leeway is the clock skew allowed on exp, nbf and iat. Default
	// DefaultLeeway (30s); negative means none.
	Leeway time.Duration
	// MaxAge, when positive, refuses tokens issued ("iat") longer ago.
	MaxAge time.Duration
	// AllowNoExpiry accepts tokens without "exp". Default false.
	AllowNoExpiry bool
	// RequiredClaims must be present (non-null) in every token.
	RequiredClaims []string
	// SubjectClaim names the subject claim. Default "sub".
	SubjectClaim string
	// ScopeClaim names the scope claim (a space-separated string or an array
	// of strings). Default: "scope", then "scp".
	ScopeClaim string
	// RolesClaim names the roles claim. Default "roles". Dotted paths reach
	// nested claims ("realm_access.roles").
	RolesClaim string
	// TenantClaim names the tenant claim. Default: none.
	TenantClaim string
}

// KeyFile is a static verification key on disk.
type KeyFile struct {
	Path string
	// ID is the "kid" of a PEM or secret key (JWK files carry their own).
	ID string
	// Algorithm optionally pins the key to one "alg".
	Algorithm string
}

// StaticKey is a verification key given in code: a crypto.PublicKey
// (*rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey; a private key is
// reduced to its public half) or a []byte HMAC secret.
type StaticKey struct {
	ID        string
	Algorithm string
	Key       any
}

// MTLSConfig configures client-certificate authentication. The listener
// requests the certificate; the guard verifies it against the route's CA
// pool, so one listener can serve routes trusting different partners.
type MTLSConfig struct {
	// ClientCAFiles are PEM bundles of the CAs trusted for client
	// certificates, unless a route's Policy names its own.
	ClientCAFiles []string
	// SubjectFrom picks the identity subject: "cn" (default), "san_uri",
	// "san_dns" or "san_email" (the first SAN of that type).
	SubjectFrom string
	// Subjects, when non-empty, is an allow-list: certificate subjects
	// mapped to their grants; other subjects are refused.
	Subjects map[string]Grants
}

// Grants are the attributes an identity carries to authorization.
type Grants struct {
	Tenant string
	Scopes []string
	Roles  []string
}

// SignatureConfig configures HTTP Message Signatures (RFC 9421).
type SignatureConfig struct {
	// Keys are the partners' verification keys, by keyid.
	Keys []SignatureKey
	// RequiredComponents must be covered in addition to the defaults:
	// @method; @target-uri, or @path with @query; content-digest when the
	// request has a body.
	RequiredComponents []string
	// MaxAge is how old "created" may be. Default DefaultSignatureMaxAge (5m).
	MaxAge time.Duration
	// ClockSkew is how far in the future "created" may be, and how long
	// after "expires" a signature is still accepted. Default
	// DefaultSignatureSkew (30s).
	ClockSkew time.Duration
	// AllowNoNonce accepts signatures without a nonce (replays are then
	// possible within MaxAge). Default false.
	AllowNoNonce bool
	// Label, when set, verifies only the signature with this label.
	// Default: the first signature whose keyid is known.
	Label string
	// Tag, when set, must equal the signature's tag parameter.
	Tag string
	// MaxBodyBytes bounds the body read to verify Content-Digest. Default
	// DefaultSignatureMaxBody (1 MiB); a longer body is refused with 413.
	MaxBodyBytes int64
}

// SignatureKey is one partner's verification key.
type SignatureKey struct {
	// ID is the keyid.
	ID string
	// Algorithm is the RFC 9421 algorithm (ed25519, ecdsa-p256-sha256,
	// rsa-pss-sha512, hmac-sha256); empty infers it from the key type.
	Algorithm string
	// KeyFile is a PEM public key or certificate, or a base64 HMAC secret.
	KeyFile string
	// Public or Secret give the key in code instead of KeyFile.
	Public crypto.PublicKey
	Secret []byte
	// Subject is the identity's subject. Default: ID.
	Subject string
	Grants
}

// Options are the Authenticator's collaborators.
type Options struct {
	// Revocations is consulted for revoked token ids and subjects. Nil
	// disables revocation checks.
	Revocations RevocationChecker
	// Nonces remembers signature nonces. Required when signature keys are
	// configured and nonces are required.
	Nonces NonceStore
	// Logger receives JWKS fetch failures and store errors. Nil discards.
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// HTTPClient fetches JWKS. Nil means a client without redirects to
	// other hosts and with the issuers' FetchTimeout.
	HTTPClient *http.Client
	// Hooks report operational events (for metrics).
	Hooks Hooks
}

// Hooks report operational events. Every hook is optional and must be
// safe for concurrent use and quick.
type Hooks struct {
	// JWKSFetch is called after every JWKS fetch: keys is the number of
	// usable keys fetched, err is nil on success (on failure the last good
	// keys stay in use).
	JWKSFetch func(issuer string, keys int, err error)
	// StoreError is called when the revocation or nonce store fails; op is
	// "revocation" or "nonce".
	StoreError func(op string, err error)
}
