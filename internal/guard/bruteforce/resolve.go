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
	eventWindow     time.Duration
	eventKeys       int
}

// endpoint is a validated Endpoint.
type endpoint struct {
	jsonPath   jsonptr.Pointer // nil: no JSON source
	formField  string
	basicAuth  bool
	statuses   []int
	bodyMarker []byte
	peekBytes  int
	monitor    bool
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
	if s.eventWindow, err = positiveOr("event window", c.EventWindow, DefaultEventWindow); err != nil {
		return settings{}, err
	}
	switch {
	case c.EventKeys < 0:
		return settings{}, fmt.Errorf("bruteforce: event keys %d is negative", c.EventKeys)
	case c.EventKeys == 0:
		s.eventKeys = DefaultEventKeys
	default:
		s.eventKeys = c.EventKeys
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
	switch e.Mode {
	case pipeline.Enforce:
	case pipeline.Monitor:
		ep.monitor = true
	default:
		return nil, fmt.Errorf("unknown mode %d", e.Mode)
	}
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
