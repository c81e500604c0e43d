package bruteforce

import (
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Defaults applied by [New] to zero-valued [Config] fields.
const (
	DefaultAccountDelayAfter = 5
	DefaultAccountLockAfter  = 10
	DefaultWindow            = 15 * time.Minute
	DefaultIPFailures        = 20
	DefaultNetworkFailures   = 100
	DefaultIPv4Bits          = 24
	DefaultIPv6Bits          = 64
	DefaultAPIKeyFailures    = 100
	DefaultAPIKeyHeader      = "X-API-Key"
	DefaultAPIKeyPrefixLen   = 16
	DefaultDelayBase         = 250 * time.Millisecond
	DefaultDelayMax          = 4 * time.Second
	DefaultMaxDelayed        = 64
	DefaultLockout           = 15 * time.Minute
	DefaultStuffingAccounts  = 10
	DefaultStuffingNetAccts  = 50
	DefaultStuffingWindow    = 10 * time.Minute
	DefaultBanFor            = time.Hour
	DefaultTrustFor          = 30 * 24 * time.Hour
	DefaultBodyPeekBytes     = 4 << 10
	DefaultUsernameField     = "username"
	DefaultMaxUsernameBytes  = 512
	DefaultEventWindow       = time.Minute
	DefaultEventKeys         = 10000
	maxRequestBodyBytes      = 64 << 10
	maxBodyPeekBytes         = 1 << 20
	minAccountKeyBytes       = 16
	defaultAccountKeyBytes   = 32
)

// Config configures a [Guard]. The zero value of every field means its
// documented default, applied in one place by [New]. For the thresholds a
// negative count disables that check.
type Config struct {
	// Endpoints are the credential routes (login, token, password reset, OTP
	// verify), keyed by the route that route matching recorded
	// (pipeline.RouteOf). A key {API, Route} names one route; {API, ""}
	// every route of that API without its own entry. Requests on any other
	// route pass untouched at the cost of one map lookup. Required: at least
	// one.
	Endpoints map[pipeline.Route]Endpoint

	// Account counts failures per account (the hashed, normalised username).
	Account AccountPolicy
	// IP counts failures per source (the client address; for IPv6 its
	// /64); reaching Failures locks the source out of the credential
	// endpoints. Default 20 per 15m.
	IP Threshold
	// Network counts failures per network (/24, /64). Default 100 per 15m.
	Network NetworkPolicy
	// APIKey counts failures per API-key prefix. Default 100 per 15m.
	APIKey APIKeyPolicy
	// Delay shapes the progressive delay of an account under attack.
	Delay DelayPolicy
	// Lockout is how long every lockout (account, ip, network, api key)
	// lasts. Default 15m.
	Lockout time.Duration
	// Stuffing bans sources that fail logins on many distinct accounts.
	Stuffing StuffingPolicy

	// TrustFor is how long a successful login makes its source (IPv4 address
	// or IPv6 /64) trusted for that account: a trusted source is exempt from
	// the account's lockout and delay (the anti-lockout policy, see the
	// package doc). Default 720h (30 days); negative disables trust, so an
	// account lockout then locks the owner out too.
	TrustFor time.Duration

	// AccountKey is the HMAC-SHA256 key usernames and API-key prefixes are
	// hashed with before they are used as store keys, so that neither Redis
	// nor a memory dump holds them in clear. At least 16 bytes. Default: 32
	// random bytes drawn by New, which is right for one replica; replicas
	// sharing counters through Redis must be given the same key, or each
	// counts the same account under a different name.
	AccountKey []byte

	// CaseSensitiveUsernames keeps the username's case. Default false:
	// usernames are trimmed and lower-cased before hashing, so "Alice" and
	// "alice " count against the same account (most login backends and all
	// e-mail providers compare them case-insensitively, and a guard that
	// did not would let an attacker multiply his guesses by varying case).
	CaseSensitiveUsernames bool

	// MaxUsernameBytes bounds the username, after trimming. A longer value
	// is no account (the request is still counted per IP). Default 512.
	MaxUsernameBytes int

	// FailClosed makes an unavailable store (an error wrapping
	// store.ErrUnavailable: Redis unreachable) during Check deny the
	// request with 503. Default false (fail open): the request goes on
	// unchecked. Every failure is reported to Options.OnStoreError and
	// logged; other errors (a corrupt reply) are not an outage and never
	// deny. Failures while counting a response never change the response.
	FailClosed bool

	// EventWindow is how long the refusals of one rule and key (a
	// locked-out address, an account under attack) produce a single
	// "denial" Event: the first is reported, the rest only recorded on the
	// Outcome, so a locked-out flood is not a flood of Events. Default 1m.
	EventWindow time.Duration
	// EventKeys bounds the keys remembered for that (an attacker chooses
	// keys); when full, refusals of new keys produce no Event until the
	// oldest window ends. Default 10000.
	EventKeys int
}

// Endpoint says how to read one credential route.
type Endpoint struct {
	// Username is where the account name is read from.
	Username UsernameSource
	// Failure says which upstream responses are failed attempts.
	Failure FailureDetection
	// Mode is pipeline.Enforce (the zero value) or pipeline.Monitor: the
	// endpoint's attempts are counted as usual and every refusal is a
	// monitored Denial (recorded, the request goes on), but nothing binds
	// anyone. No attempt is delayed (the delay it would get is a monitored
	// "delay" Denial), lockouts are written to NamespaceMonitorLockout,
	// which only monitored endpoints read, and credential-stuffing bans
	// are "ban" Events marked Monitor with no ban mark written.
	Mode pipeline.Mode
}

// UsernameSource lists where the account name may be found. They are tried
// in order: basic auth, JSON body, form body. The zero value means
// {JSONField: "username", FormField: "username", BasicAuth: true}.
type UsernameSource struct {
	// JSONField is a top-level member name ("username") or an RFC 6901 JSON
	// pointer ("/credentials/user"). Member names are matched
	// case-insensitively, as encoding/json matches struct fields.
	JSONField string
	// FormField is an application/x-www-form-urlencoded field name.
	FormField string
	// BasicAuth takes the user-id of an "Authorization: Basic" header.
	BasicAuth bool
}

// FailureDetection decides whether an upstream response is a failed
// attempt. Any response matching Statuses or BodyMarker is a failure; any
// other 2xx response is a success; anything else is neither.
type FailureDetection struct {
	// Statuses are failure statuses. Default [401, 403].
	Statuses []int
	// BodyMarker, when set, marks a failure by its presence in the first
	// BodyPeekBytes of the response body (for APIs that answer a failed
	// login with 200 and an error body). Compressed bodies are not
	// inspected. Default: none.
	BodyMarker string
	// BodyPeekBytes bounds how much of the body is searched for BodyMarker.
	// Default 4096, at most 1 MiB.
	BodyPeekBytes int
}

// Threshold is a number of failures within a window.
type Threshold struct {
	// Failures is the count that triggers; negative disables the check.
	Failures int
	// Window is the fixed counting window. Default 15m.
	Window time.Duration
}

// AccountPolicy counts failures per account.
type AccountPolicy struct {
	// DelayAfter failures in Window start the progressive delay. Default 5;
	// negative disables delaying.
	DelayAfter int
	// LockAfter failures in Window lock the account for Config.Lockout, for
	// every source without a recent success on it. Default 10; negative
	// disables account lockout.
	LockAfter int
	// Window is the counting window. Default 15m.
	Window time.Duration
}

// NetworkPolicy counts failures per network.
type NetworkPolicy struct {
	Threshold
	// IPv4Bits and IPv6Bits are the network prefix lengths. Default 24, 64.
	IPv4Bits, IPv6Bits int
}

// APIKeyPolicy counts failures per API-key prefix: the first PrefixLen
// bytes of the key, hashed. The guard runs before authentication, so it
// reads the raw key rather than a verified identity, from where the
// authentication guard reads it: Header, "Authorization: ApiKey <key>",
// or QueryParam when set.
type APIKeyPolicy struct {
	Threshold
	// Header carries the raw API key: the authentication guard's header.
	// Default "X-API-Key".
	Header string
	// QueryParam is the query parameter the authentication guard also
	// accepts the key in. Default none.
	QueryParam string
	// PrefixLen is how much of the key identifies it. It must reach past a
	// type prefix shared by every key ("rk_live_") into the key's own id,
	// or all keys count as one. Default 16.
	PrefixLen int
}

// DelayPolicy shapes the progressive delay: Base for the DelayAfter-th
// failure, doubling with each further failure, never above Max.
type DelayPolicy struct {
	// Base is the first delay. Default 250ms; negative disables delaying.
	Base time.Duration
	// Max caps one delay. Default 4s.
	Max time.Duration
	// MaxDelayed caps the requests being delayed at once, gateway-wide. A
	// request that would be delayed beyond the cap is denied at once with
	// the uniform 429, so a flood never holds more than MaxDelayed
	// goroutines asleep. Default 64.
	MaxDelayed int
}

// StuffingPolicy bans sources that fail on many distinct accounts
// (credential stuffing, OWASP API2:2023).
type StuffingPolicy struct {
	// Accounts distinct accounts failed from one source in Window ban the
	// source ("ban" mark "ip:<addr>", for IPv6 "net:<the /64>"). Default
	// 10; negative disables.
	Accounts int
	// NetworkAccounts distinct accounts failed from one IPv4 /24 in Window
	// ban the /24 ("ban" mark "net:<prefix>"). Default 50; negative
	// disables.
	NetworkAccounts int
	// Window is the counting window. Default 10m.
	Window time.Duration
	// BanFor is the ban's duration. Default 1h.
	BanFor time.Duration
}
