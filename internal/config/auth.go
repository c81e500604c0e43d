package config

import "time"

// Authentication configures the credentials Rampart verifies. Routes choose
// which methods they accept with `auth`.
type Authentication struct {
	// Realm is sent in WWW-Authenticate challenges. Default "rampart".
	Realm string `yaml:"realm"`
	// StoreFailOpen skips revocation and nonce checks while the store
	// fails. Default false: such requests get 500 (fail closed).
	StoreFailOpen bool `yaml:"store_fail_open"`
	// APIKeys configures API keys.
	APIKeys APIKeys `yaml:"api_keys"`
	// JWT configures bearer tokens.
	JWT JWT `yaml:"jwt"`
	// MTLS configures client certificates.
	MTLS MTLS `yaml:"mtls"`
	// Signatures configures HTTP Message Signatures (RFC 9421).
	Signatures Signatures `yaml:"signatures"`
}

// APIKeys configures API key authentication.
type APIKeys struct {
	// Header carries the key. Default X-API-Key ("Authorization: ApiKey KEY"
	// is accepted too).
	Header string `yaml:"header"`
	// QueryParam also accepts the key in this query parameter.
	// Discouraged (URLs are logged). Default off.
	QueryParam string `yaml:"query_param"`
	// KeysFile is a YAML file with a list of key records (same fields as
	// keys), re-read on reload.
	KeysFile string `yaml:"keys_file"`
	// Keys are key records. Only hashes: `rampart keys generate` prints one.
	Keys []APIKeyRecord `yaml:"keys"`
}

// APIKeyRecord is one API key: its id and the SHA-256 hashes of the key.
type APIKeyRecord struct {
	// ID is the key id (the part of rk_<id>_<secret> before the secret).
	ID string `yaml:"id"`
	// Hashes are "sha256:<hex>" hashes: one, or two while rotating.
	Hashes []string `yaml:"hashes"`
	// Subject of the identity. Default: the id.
	Subject string `yaml:"subject"`
	// Tenant, Scopes and Roles are copied to the identity.
	Tenant string   `yaml:"tenant"`
	Scopes []string `yaml:"scopes"`
	Roles  []string `yaml:"roles"`
	// ExpiresAt, when set, is when the key stops working (RFC 3339).
	ExpiresAt time.Time `yaml:"expires_at"`
	// Disabled refuses the key without deleting its record.
	Disabled bool `yaml:"disabled"`
}

// JWT configures bearer-token authentication.
type JWT struct {
	// MaxTokenBytes bounds a token. Default 8KiB.
	MaxTokenBytes ByteSize `yaml:"max_token_bytes"`
	// CacheSize is how many verified tokens are remembered (still
	// re-validated and checked for revocation). Default 4096; -1 disables.
	CacheSize int `yaml:"cache_size"`
	// Issuers are the trusted token issuers.
	Issuers []Issuer `yaml:"issuers"`
}

// Issuer is one trusted token issuer.
type Issuer struct {
	// Issuer is the exact "iss" value. Required.
	Issuer string `yaml:"issuer"`
	// Audiences: the token's "aud" must contain one. Required unless any_audience.
	Audiences   []string `yaml:"audiences"`
	AnyAudience bool     `yaml:"any_audience"`
	// Algorithms pins the accepted "alg" values. Required.
	Algorithms []string `yaml:"algorithms"`
	// JWKSURL is the issuer's JWK Set URL (https, or http on loopback).
	JWKSURL string `yaml:"jwks_url"`
	// KeyFiles are static keys (PEM, JWK, JWKS; base64 secret for HMAC).
	KeyFiles []JWTKeyFile `yaml:"key_files"`
	// RefreshInterval re-fetches the JWKS. Default 1h.
	RefreshInterval time.Duration `yaml:"refresh_interval"`
	// MinRefreshInterval is the least time between fetches triggered by
	// unknown kids. Default 1m.
	MinRefreshInterval time.Duration `yaml:"min_refresh_interval"`
	// FetchTimeout bounds one JWKS fetch. Default 5s.
	FetchTimeout time.Duration `yaml:"fetch_timeout"`
	// RequireKeysAtStart refuses to start when the first fetch fails.
	RequireKeysAtStart bool `yaml:"require_keys_at_start"`
	// Leeway is the allowed clock skew. Default 30s.
	Leeway time.Duration `yaml:"leeway"`
	// MaxAge refuses tokens issued longer ago. Default: no limit.
	MaxAge time.Duration `yaml:"max_age"`
	// AllowNoExpiry accepts tokens without exp. Default false.
	AllowNoExpiry bool `yaml:"allow_no_expiry"`
	// RequiredClaims must be present.
	RequiredClaims []string `yaml:"required_claims"`
	// SubjectClaim, ScopeClaim, RolesClaim, TenantClaim map claims to the
	// identity. Defaults: sub; scope then scp; roles; none.
	SubjectClaim string `yaml:"subject_claim"`
	ScopeClaim   string `yaml:"scope_claim"`
	RolesClaim   string `yaml:"roles_claim"`
	TenantClaim  string `yaml:"tenant_claim"`
}

// JWTKeyFile is a static verification key on disk.
type JWTKeyFile struct {
	Path      string `yaml:"path"`
	ID        string `yaml:"id"`
	Algorithm string `yaml:"algorithm"`
}

// MTLS configures client-certificate authentication.
type MTLS struct {
	// ClientCAFiles are the CAs trusted for client certificates, unless a
	// route names its own.
	ClientCAFiles []string `yaml:"client_ca_files"`
	// SubjectFrom picks the subject: cn (default), san_uri, san_dns, san_email.
	SubjectFrom string `yaml:"subject_from"`
	// Subjects, when set, allow only these subjects, with their grants.
	Subjects map[string]Grants `yaml:"subjects"`
}

// Grants are identity attributes.
type Grants struct {
	Tenant string   `yaml:"tenant"`
	Scopes []string `yaml:"scopes"`
	Roles  []string `yaml:"roles"`
}

// Signatures configures RFC 9421 HTTP Message Signatures.
type Signatures struct {
	// Keys are the partners' verification keys.
	Keys []SignatureKey `yaml:"keys"`
	// RequiredComponents are covered components required besides @method,
	// @target-uri (or @path and @query) and content-digest for bodies.
	RequiredComponents []string `yaml:"required_components"`
	// MaxAge is how old "created" may be. Default 5m.
	MaxAge time.Duration `yaml:"max_age"`
	// ClockSkew tolerated on created/expires. Default 30s.
	ClockSkew time.Duration `yaml:"clock_skew"`
	// AllowNoNonce accepts signatures without a nonce. Default false.
	AllowNoNonce bool `yaml:"allow_no_nonce"`
	// MaxBodyBytes bounds the body read for Content-Digest. Default 1MiB.
	MaxBodyBytes ByteSize `yaml:"max_body_bytes"`
}

// SignatureKey is one partner's key.
type SignatureKey struct {
	// ID is the keyid. Required.
	ID string `yaml:"id"`
	// Algorithm: ed25519, ecdsa-p256-sha256, rsa-pss-sha512, hmac-sha256.
	Algorithm string `yaml:"algorithm"`
	// KeyFile is a PEM public key or certificate, or a base64 HMAC secret. Required.
	KeyFile string `yaml:"key_file"`
	// Subject of the identity. Default: the id.
	Subject string   `yaml:"subject"`
	Tenant  string   `yaml:"tenant"`
	Scopes  []string `yaml:"scopes"`
	Roles   []string `yaml:"roles"`
}

// RouteAuth says how requests to an API or route authenticate.
type RouteAuth struct {
	// Methods: any one of api_key, jwt, mtls, signature authenticates.
	// [none] (or no auth section) means no authentication.
	Methods []string `yaml:"methods"`
	// Require: every one of these must authenticate as well.
	Require []string `yaml:"require"`
	// Issuers restricts JWT issuers on this route. Default: all.
	Issuers []string `yaml:"issuers"`
	// ClientCAFiles is this route's CA bundle for mTLS.
	ClientCAFiles []string `yaml:"client_ca_files"`
	// SameSubject requires all methods to name the same subject.
	SameSubject bool `yaml:"same_subject"`
}
