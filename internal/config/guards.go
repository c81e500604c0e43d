package config

import "time"

// BruteForce configures the brute-force guard of credential routes
// (routes with a `credential` section).
type BruteForce struct {
	// Account thresholds: failures per account in Window.
	Account AccountThresholds `yaml:"account"`
	// IP locks a client address out of credential routes. Default 20 failures per 15m.
	IP Threshold `yaml:"ip"`
	// Network locks a /24 (IPv4) or /64 (IPv6) out. Default 100 failures per 15m.
	Network Threshold `yaml:"network"`
	// APIKey locks an API-key prefix out. Default 100 failures per 15m.
	APIKey Threshold `yaml:"api_key"`
	// Lockout is how long every kind of lockout lasts. Default 15m.
	Lockout time.Duration `yaml:"lockout"`
	// Delay is the progressive delay before the account lockout.
	Delay Delay `yaml:"delay"`
	// Stuffing bans a source that fails on many distinct accounts.
	Stuffing Stuffing `yaml:"stuffing"`
	// TrustFor is how long a source that logged in to an account stays
	// exempt from that account's lockout. Default 720h; -1 disables trust.
	TrustFor time.Duration `yaml:"trust_for"`
	// AccountKeyEnv / AccountKeyFile hold the HMAC key usernames are hashed
	// with (at least 16 bytes). Replicas sharing Redis need the same key.
	// Default: a random key per process.
	AccountKeyEnv  string `yaml:"account_key_env"`
	AccountKeyFile string `yaml:"account_key_file"`
	// TokenGuessing bans a source that sends many invalid API keys or tokens.
	TokenGuessing TokenGuessing `yaml:"token_guessing"`
}

// AccountThresholds configures per-account counting.
type AccountThresholds struct {
	// DelayAfter failures start the progressive delay. Default 5.
	DelayAfter int `yaml:"delay_after"`
	// LockAfter failures lock the account for sources without a recent
	// success. Default 10.
	LockAfter int `yaml:"lock_after"`
	// Window counts failures. Default 15m.
	Window time.Duration `yaml:"window"`
}

// Threshold is failures per window.
type Threshold struct {
	// Failures in Window. Default per section; -1 disables.
	Failures int `yaml:"failures"`
	// Window. Default 15m.
	Window time.Duration `yaml:"window"`
}

// Delay configures the progressive delay.
type Delay struct {
	// Base is the first delay, doubled per failure. Default 250ms; -1ms disables.
	Base time.Duration `yaml:"base"`
	// Max caps one delay. Default 4s.
	Max time.Duration `yaml:"max"`
	// MaxDelayed caps requests being delayed at once; beyond it they are
	// refused at once. Default 64.
	MaxDelayed int `yaml:"max_delayed"`
}

// Stuffing configures credential-stuffing bans.
type Stuffing struct {
	// Accounts is the number of distinct failed accounts from one address
	// in Window that bans it. Default 10.
	Accounts int `yaml:"accounts"`
	// NetworkAccounts is the same for a /24. Default 50.
	NetworkAccounts int `yaml:"network_accounts"`
	// Window. Default 10m.
	Window time.Duration `yaml:"window"`
	// BanFor is the ban length. Default 1h.
	BanFor time.Duration `yaml:"ban_for"`
}

// TokenGuessing configures bans for sources guessing credentials.
type TokenGuessing struct {
	// Failures (invalid API keys or tokens) in Window ban the source. Default 20; -1 disables.
	Failures int `yaml:"failures"`
	// Window. Default 10m.
	Window time.Duration `yaml:"window"`
	// BanFor is the ban length. Default 1h.
	BanFor time.Duration `yaml:"ban_for"`
}

// Credential marks a route as a credential endpoint (login, token, password
// reset, OTP verify) for the brute-force guard.
type Credential struct {
	// UsernameJSONField is the JSON member (name or pointer) holding the
	// account. Default "username".
	UsernameJSONField string `yaml:"username_json_field"`
	// UsernameFormField is the form field holding it. Default "username".
	UsernameFormField string `yaml:"username_form_field"`
	// BasicAuth reads the account from HTTP Basic credentials. Default true.
	BasicAuth *bool `yaml:"basic_auth"`
	// FailureStatuses are upstream statuses that mean a failed attempt.
	// Default [401, 403].
	FailureStatuses []int `yaml:"failure_statuses"`
	// FailureBodyMarker, when set, also marks a failure when the response
	// body contains it (APIs answering 200 to a failed login).
	FailureBodyMarker string `yaml:"failure_body_marker"`
	// Mode is "enforce" (default) or "monitor": attempts are counted and
	// what enforcement would do is recorded, but nothing is delayed,
	// refused, locked out or banned.
	Mode string `yaml:"mode"`
}

// Authz is an authorization rule.
type Authz struct {
	// Scopes are all required.
	Scopes []string `yaml:"scopes"`
	// Roles: any one is required.
	Roles []string `yaml:"roles"`
	// AllowIPs lists the only CIDRs allowed. Empty = any.
	AllowIPs []string `yaml:"allow_ips"`
	// DenyIPs lists refused CIDRs; deny wins.
	DenyIPs []string `yaml:"deny_ips"`
	// PathTemplate names path parameters for an owner rule: "/api/users/{user}".
	PathTemplate string `yaml:"path_template"`
	// Owner requires a request parameter to equal an identity claim (BOLA).
	Owner *Owner `yaml:"owner"`
}

// Owner is an ownership rule.
type Owner struct {
	// Param is the parameter name (or a JSON pointer for in: body).
	Param string `yaml:"param"`
	// In is "path" (default), "query" or "body".
	In string `yaml:"in"`
	// Claim is "sub" (default), "tenant" or another claim name.
	Claim string `yaml:"claim"`
	// OverrideScopes / OverrideRoles bypass the rule (administrators).
	OverrideScopes []string `yaml:"override_scopes"`
	OverrideRoles  []string `yaml:"override_roles"`
}

// Bans configures the ban check.
type Bans struct {
	// CacheTTL is how long a ban lookup is cached per replica: a ban made on
	// another replica applies here within it. Default 1s; -1ms disables.
	CacheTTL time.Duration `yaml:"cache_ttl"`
	// OnDenials ban the sources of repeated denials by a guard (see
	// BanOnDenials). Default none.
	OnDenials []BanOnDenials `yaml:"on_denials"`
}

// IdentityHeaders name the headers that carry the authenticated identity to
// the upstream. Incoming copies (and every X-Rampart-* header) are always
// removed, so a client cannot spoof them.
type IdentityHeaders struct {
	// Subject header. Default X-Rampart-Subject; "off" disables.
	Subject string `yaml:"subject"`
	// Scopes header (space-separated). Default X-Rampart-Scopes.
	Scopes string `yaml:"scopes"`
	// Roles header (space-separated). Default X-Rampart-Roles.
	Roles string `yaml:"roles"`
	// Method header (api_key, jwt, mtls, signature). Default X-Rampart-Auth-Method.
	Method string `yaml:"method"`
	// Tenant header. Default X-Rampart-Tenant.
	Tenant string `yaml:"tenant"`
}

// Objects protects direct object access by opaque ids (BOLA/IDOR): a
// subject may access an id only after the API served it that id.
type Objects struct {
	// Type names the kind of object ("item", "order"). Default: param.
	Type string `yaml:"type"`
	// PathTemplate locates the id in the path: "/api/items/{id}". Required.
	PathTemplate string `yaml:"path_template"`
	// Param is the template parameter holding the id. Required.
	Param string `yaml:"param"`
	// Methods that access one object. Default all but POST.
	Methods []string `yaml:"methods"`
	// TTL is how long a served id stays allowed. Default 24h.
	TTL time.Duration `yaml:"ttl"`
	// Unknown is "deny" (default: 403) or "flag" (pass, record an event).
	Unknown string `yaml:"unknown"`
	// OverrideScopes / OverrideRoles see every object (administrators).
	OverrideScopes []string `yaml:"override_scopes"`
	OverrideRoles  []string `yaml:"override_roles"`
	// Learn lists the routes of this API whose responses reveal ids.
	Learn []ObjectsLearn `yaml:"learn"`
}

// ObjectsLearn is a route whose 2xx JSON responses teach ids.
type ObjectsLearn struct {
	// Route is a route name of the same API (or "default"). Required.
	Route string `yaml:"route"`
	// Methods whose responses teach. Default GET and POST.
	Methods []string `yaml:"methods"`
	// IDPointer is a JSON pointer to the id of a single-object response ("/id").
	IDPointer string `yaml:"id_pointer"`
	// ListPointer points at an array of objects ("" = top-level array when
	// item_id_pointer is set).
	ListPointer string `yaml:"list_pointer"`
	// ItemIDPointer is the id inside each array element ("/id").
	ItemIDPointer string `yaml:"item_id_pointer"`
}
