package bruteforce

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rampartsec/rampart/internal/jsonptr"
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

	// FailClosed makes a store failure during Check deny the request with
	// 503. Default false (fail open): the request goes on unchecked, and
	// the failure is logged and reported to Options.OnStoreError.
	// Failures while counting a response never change the response.
	FailClosed bool
}

// Endpoint says how to read one credential route.
type Endpoint struct {
	// Username is where the account name is read from.
	Username UsernameSource
	// Failure says which upstream responses are failed attempts.
	Failure FailureDetection
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
// bytes of Header, hashed. The guard runs before authentication, so it
// reads the raw header rather than a verified identity.
type APIKeyPolicy struct {
	Threshold
	// Header carries the raw API key. Default "X-API-Key".
	Header string
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

// settings is a validated Config with its defaults applied.
type settings struct {
	endpoints       map[pipeline.Route]*endpoint
	account         AccountPolicy
	ip              Threshold
	network         NetworkPolicy
	apiKey          APIKeyPolicy
	delay           DelayPolicy
	lockout         time.Duration
	stuffing        StuffingPolicy
	trustFor        time.Duration
	accountKey      []byte
	caseSensitive   bool
	maxUsername     int
	failClosed      bool
	delayEnabled    bool
	stuffingEnabled bool
}

// endpoint is a validated Endpoint.
type endpoint struct {
	jsonPath   jsonptr.Pointer // nil: no JSON source
	formField  string
	basicAuth  bool
	statuses   []int
	bodyMarker []byte
	peekBytes  int
}

// resolve validates c and applies the defaults.
func (c Config) resolve() (settings, error) {
	if len(c.Endpoints) == 0 {
		return settings{}, errors.New("bruteforce: at least one credential endpoint is required")
	}
	s := settings{
		endpoints:     make(map[pipeline.Route]*endpoint, len(c.Endpoints)),
		caseSensitive: c.CaseSensitiveUsernames,
		failClosed:    c.FailClosed,
	}
	for route, ep := range c.Endpoints {
		e, err := ep.resolve()
		if err != nil {
			return settings{}, fmt.Errorf("bruteforce: endpoint %s/%s: %w", route.API, route.Route, err)
		}
		if route.API == "" {
			return settings{}, fmt.Errorf("bruteforce: endpoint %q has no API name", route.Route)
		}
		s.endpoints[route] = e
	}
	var err error
	if s.account, err = c.Account.resolve(); err != nil {
		return settings{}, err
	}
	if s.ip, err = c.IP.resolve("ip", DefaultIPFailures); err != nil {
		return settings{}, err
	}
	if s.network, err = c.Network.resolve(); err != nil {
		return settings{}, err
	}
	if s.apiKey, err = c.APIKey.resolve(); err != nil {
		return settings{}, err
	}
	if s.delay, err = c.Delay.resolve(); err != nil {
		return settings{}, err
	}
	s.delayEnabled = s.delay.Base > 0 && s.account.DelayAfter > 0
	if s.stuffing, err = c.Stuffing.resolve(); err != nil {
		return settings{}, err
	}
	s.stuffingEnabled = s.stuffing.Accounts > 0 || s.stuffing.NetworkAccounts > 0
	if s.lockout, err = positiveOr("lockout", c.Lockout, DefaultLockout); err != nil {
		return settings{}, err
	}
	s.trustFor = c.TrustFor
	if s.trustFor == 0 {
		s.trustFor = DefaultTrustFor
	}
	switch {
	case c.MaxUsernameBytes < 0:
		return settings{}, fmt.Errorf("bruteforce: max username bytes %d is negative", c.MaxUsernameBytes)
	case c.MaxUsernameBytes == 0:
		s.maxUsername = DefaultMaxUsernameBytes
	default:
		s.maxUsername = c.MaxUsernameBytes
	}
	switch {
	case c.AccountKey == nil:
		s.accountKey = make([]byte, defaultAccountKeyBytes)
		if _, err := rand.Read(s.accountKey); err != nil {
			return settings{}, fmt.Errorf("bruteforce: drawing an account key: %w", err)
		}
	case len(c.AccountKey) < minAccountKeyBytes:
		return settings{}, fmt.Errorf("bruteforce: account key has %d bytes, want at least %d", len(c.AccountKey), minAccountKeyBytes)
	default:
		s.accountKey = append([]byte(nil), c.AccountKey...)
	}
	return s, nil
}

func (e Endpoint) resolve() (*endpoint, error) {
	u := e.Username
	if u == (UsernameSource{}) {
		u = UsernameSource{JSONField: DefaultUsernameField, FormField: DefaultUsernameField, BasicAuth: true}
	}
	ep := &endpoint{formField: u.FormField, basicAuth: u.BasicAuth}
	if u.JSONField != "" {
		path, err := jsonptr.ParseField(u.JSONField)
		if err != nil {
			return nil, err
		}
		ep.jsonPath = path
	}
	f := e.Failure
	if len(f.Statuses) == 0 {
		ep.statuses = []int{http.StatusUnauthorized, http.StatusForbidden}
	} else {
		for _, st := range f.Statuses {
			if st < 100 || st > 599 {
				return nil, fmt.Errorf("failure status %d is not an HTTP status", st)
			}
		}
		ep.statuses = append([]int(nil), f.Statuses...)
	}
	switch {
	case f.BodyPeekBytes < 0 || f.BodyPeekBytes > maxBodyPeekBytes:
		return nil, fmt.Errorf("body peek bytes %d is outside 0..%d", f.BodyPeekBytes, maxBodyPeekBytes)
	case f.BodyPeekBytes == 0:
		ep.peekBytes = DefaultBodyPeekBytes
	default:
		ep.peekBytes = f.BodyPeekBytes
	}
	if f.BodyMarker != "" {
		if len(f.BodyMarker) > ep.peekBytes {
			return nil, fmt.Errorf("body marker is longer than the %d bytes peeked", ep.peekBytes)
		}
		ep.bodyMarker = []byte(f.BodyMarker)
	}
	return ep, nil
}

func (a AccountPolicy) resolve() (AccountPolicy, error) {
	if a.DelayAfter == 0 {
		a.DelayAfter = DefaultAccountDelayAfter
	}
	if a.LockAfter == 0 {
		a.LockAfter = DefaultAccountLockAfter
	}
	var err error
	a.Window, err = positiveOr("account window", a.Window, DefaultWindow)
	return a, err
}

func (t Threshold) resolve(name string, failures int) (Threshold, error) {
	if t.Failures == 0 {
		t.Failures = failures
	}
	var err error
	t.Window, err = positiveOr(name+" window", t.Window, DefaultWindow)
	return t, err
}

func (n NetworkPolicy) resolve() (NetworkPolicy, error) {
	var err error
	if n.Threshold, err = n.Threshold.resolve("network", DefaultNetworkFailures); err != nil {
		return n, err
	}
	if n.IPv4Bits == 0 {
		n.IPv4Bits = DefaultIPv4Bits
	}
	if n.IPv6Bits == 0 {
		n.IPv6Bits = DefaultIPv6Bits
	}
	if n.IPv4Bits < 1 || n.IPv4Bits > 32 || n.IPv6Bits < 1 || n.IPv6Bits > 128 {
		return n, fmt.Errorf("bruteforce: network prefix /%d (IPv4) or /%d (IPv6) is out of range", n.IPv4Bits, n.IPv6Bits)
	}
	return n, nil
}

func (k APIKeyPolicy) resolve() (APIKeyPolicy, error) {
	var err error
	if k.Threshold, err = k.Threshold.resolve("api key", DefaultAPIKeyFailures); err != nil {
		return k, err
	}
	if k.Header == "" {
		k.Header = DefaultAPIKeyHeader
	}
	k.Header = http.CanonicalHeaderKey(k.Header)
	switch {
	case k.PrefixLen < 0:
		return k, fmt.Errorf("bruteforce: api key prefix length %d is negative", k.PrefixLen)
	case k.PrefixLen == 0:
		k.PrefixLen = DefaultAPIKeyPrefixLen
	}
	return k, nil
}

func (d DelayPolicy) resolve() (DelayPolicy, error) {
	if d.Base < 0 {
		return DelayPolicy{Base: -1}, nil
	}
	if d.Base == 0 {
		d.Base = DefaultDelayBase
	}
	var err error
	if d.Max, err = positiveOr("delay max", d.Max, DefaultDelayMax); err != nil {
		return d, err
	}
	if d.Max < d.Base {
		return d, fmt.Errorf("bruteforce: delay max %v is below delay base %v", d.Max, d.Base)
	}
	switch {
	case d.MaxDelayed < 0:
		return d, fmt.Errorf("bruteforce: max delayed %d is negative", d.MaxDelayed)
	case d.MaxDelayed == 0:
		d.MaxDelayed = DefaultMaxDelayed
	}
	return d, nil
}

func (s StuffingPolicy) resolve() (StuffingPolicy, error) {
	if s.Accounts == 0 {
		s.Accounts = DefaultStuffingAccounts
	}
	if s.NetworkAccounts == 0 {
		s.NetworkAccounts = DefaultStuffingNetAccts
	}
	var err error
	if s.Window, err = positiveOr("stuffing window", s.Window, DefaultStuffingWindow); err != nil {
		return s, err
	}
	s.BanFor, err = positiveOr("stuffing ban", s.BanFor, DefaultBanFor)
	return s, err
}

// positiveOr returns d, or def when d is zero; a negative d is an error.
func positiveOr(name string, d, def time.Duration) (time.Duration, error) {
	switch {
	case d < 0:
		return 0, fmt.Errorf("bruteforce: %s %v is negative", name, d)
	case d == 0:
		return def, nil
	}
	return d, nil
}
