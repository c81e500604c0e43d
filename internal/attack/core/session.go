package core

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Errors Do returns without sending anything.
var (
	ErrBudget     = errors.New("request budget exhausted")
	ErrUnsafe     = errors.New("refused by --safe: state-changing request on an object the scan did not create")
	ErrOutOfScope = errors.New("host is out of scope")
	// ErrDeadline: the scan's --duration has passed. errors.Is(err,
	// ErrBudget) is true for it too, so a check that stops on ErrBudget stops
	// on both.
	ErrDeadline error = budgetError("scan duration reached")
	// ErrProfileDown: the auth profile failed its canary and could not log
	// in again, so a request as it would test nothing (see ProfileWorking).
	ErrProfileDown = errors.New("auth profile is not working")
)

// budgetError is an out-of-budget reason that matches ErrBudget.
type budgetError string

func (e budgetError) Error() string        { return string(e) }
func (e budgetError) Is(target error) bool { return target == ErrBudget }

// Defaults for zero Config fields.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultMaxResponseBody = 1 << 20
	DefaultCanaryEvery     = 50
	DefaultMaxRetryWait    = 30 * time.Second
)

// Config is one scan's settings. The engine (internal/attack) fills it from
// the command line; tests build it directly.
type Config struct {
	Target      string        // base URL, e.g. http://127.0.0.1:8080
	Scope       []string      // extra host[:port] the dialer may reach besides the target's; a host without port allows any port
	MaxRequests int           // 0: unlimited
	Rate        float64       // requests per second, 0: unpaced
	Duration    time.Duration // 0: unlimited; requests after it fail with ErrDeadline
	Safe        bool          // no unsafe requests on objects the scan did not create
	OwnTarget   bool          // --i-own-this-target: allows resource ramps on non-loopback targets
	Timeout     time.Duration // per request; default DefaultTimeout (10s)
	// MaxResponseBody bounds the bytes read of each answer; default 1 MiB.
	MaxResponseBody int64
	Profiles        []ProfileConfig
	Operations      []Operation // from the spec
	Logf            func(format string, args ...any)

	// CanaryEvery runs every profile's canary after this many requests;
	// default DefaultCanaryEvery (50), negative: never (the canary still
	// runs at login and when the engine calls CheckAuth).
	CanaryEvery int
	// MaxRetryWait bounds the wait for a Retry-After before the one retry
	// of a 429/503; default DefaultMaxRetryWait (30s). A longer Retry-After
	// is cut to it.
	MaxRetryWait time.Duration
	// TLSClientConfig is used to reach an https target (a private CA, or
	// InsecureSkipVerify for --insecure); nil: the system roots.
	TLSClientConfig *tls.Config
	// OnRequest, when set, is called after each request is counted (live
	// progress). It must be fast and must not call back into the Scan.
	OnRequest func(check string, sent int)
}

// ProfileConfig is one identity the scan acts as: static headers, or a
// login recipe that yields a token (refreshed on expiry or 401).
type ProfileConfig struct {
	Name   string // "user1", "user2", "admin"
	Header http.Header
	Login  *LoginRecipe
	// CanaryPath is requested (GET, as this profile) at login and every
	// Config.CanaryEvery requests; a 2xx answer proves the credentials still
	// work, e.g. "/api/users/me". Empty: no canary for this profile.
	CanaryPath string
}

// LoginRecipe logs a profile in.
type LoginRecipe struct {
	Method       string // default POST
	Path         string
	Body         string // sent as is, application/json
	TokenPointer string // RFC 6901 pointer to the token in the JSON answer, e.g. /token
	Header       string // default Authorization
	Scheme       string // default Bearer when Header is Authorization, else none
}

// Scan is the state of one run, shared by every check. It is safe for
// concurrent use.
//
// Lock order: Scan.mu may be held while taking a Profile's mu, never the
// reverse; Profile.loginMu is never taken while holding either.
type Scan struct {
	cfg      Config
	target   *url.URL
	scope    scope
	client   *http.Client
	deadline time.Time // zero: none

	userLimit  *rate.Limiter // --rate; nil when unpaced
	adaptLimit *rate.Limiter // slowed by 429s; starts unlimited
	calmRun    atomic.Int64  // answers in a row without push-back
	canaryMu   sync.Mutex    // one auth canary round at a time

	mu          sync.Mutex
	sent        int
	sentBy      map[string]int
	sinceCanary int
	deadlineHit bool // pacing would pass the deadline: the scan is over
	findings    []Finding
	ledger      map[[2]string]*ledgerRow
	order       [][2]string
	usedBy      map[string]map[string]bool // check → profiles it sent as
	operations  []Operation
	profiles    map[string]*Profile
	profOrder   []string
	created     map[string]bool
	values      map[string]any
	callback    *Canary
	closed      bool
	// secretHeaders are the header names the profiles authenticate with,
	// redacted in evidence besides the well-known ones.
	secretHeaders map[string]bool
}

// NewScan checks the config and prepares a scan. Call Close when done.
func NewScan(cfg Config) (*Scan, error) {
	u, err := url.Parse(cfg.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target %q: want an absolute http:// or https:// URL", cfg.Target)
	}
	if u.User != nil {
		return nil, fmt.Errorf("target: put credentials in the auth file, not in the URL")
	}
	u.RawQuery, u.Fragment = "", ""
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBody <= 0 {
		cfg.MaxResponseBody = DefaultMaxResponseBody
	}
	if cfg.CanaryEvery == 0 {
		cfg.CanaryEvery = DefaultCanaryEvery
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = DefaultMaxRetryWait
	}
	if cfg.Rate < 0 || cfg.MaxRequests < 0 || cfg.Duration < 0 {
		return nil, errors.New("rate, max requests and duration must not be negative")
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	sc, err := newScope(u, cfg.Scope)
	if err != nil {
		return nil, err
	}
	s := &Scan{
		cfg:           cfg,
		target:        u,
		scope:         sc,
		adaptLimit:    rate.NewLimiter(rate.Inf, 1),
		sentBy:        map[string]int{},
		ledger:        map[[2]string]*ledgerRow{},
		usedBy:        map[string]map[string]bool{},
		operations:    append([]Operation(nil), cfg.Operations...),
		profiles:      map[string]*Profile{},
		created:       map[string]bool{},
		values:        map[string]any{},
		secretHeaders: map[string]bool{},
	}
	if cfg.Rate > 0 {
		s.userLimit = rate.NewLimiter(rate.Limit(cfg.Rate), 1)
	}
	if cfg.Duration > 0 {
		s.deadline = time.Now().Add(cfg.Duration)
	}
	s.client = &http.Client{Transport: newTransport(sc, cfg.TLSClientConfig), CheckRedirect: s.checkRedirect}
	for _, pc := range cfg.Profiles {
		if err := s.addProfile(pc); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Scan) addProfile(pc ProfileConfig) error {
	if pc.Name == "" {
		return errors.New("auth profile without a name")
	}
	if _, dup := s.profiles[pc.Name]; dup {
		return fmt.Errorf("auth profile %q is defined twice", pc.Name)
	}
	if pc.CanaryPath != "" && !strings.HasPrefix(pc.CanaryPath, "/") {
		return fmt.Errorf("auth profile %q: canary path %q must start with /", pc.Name, pc.CanaryPath)
	}
	p := &Profile{Name: pc.Name, header: pc.Header.Clone(), canary: pc.CanaryPath}
	for k := range pc.Header {
		s.secretHeaders[http.CanonicalHeaderKey(k)] = true
	}
	if pc.Login != nil {
		r, err := pc.Login.withDefaults()
		if err != nil {
			return fmt.Errorf("auth profile %q: %w", pc.Name, err)
		}
		p.recipe = &r
		s.secretHeaders[http.CanonicalHeaderKey(r.Header)] = true
	}
	s.profiles[pc.Name] = p
	s.profOrder = append(s.profOrder, pc.Name)
	return nil
}

// Target is the base URL.
func (s *Scan) Target() *url.URL { u := *s.target; return &u }

// Config returns the scan's settings.
func (s *Scan) Config() Config { return s.cfg }

// Close stops the SSRF canary listener and drops idle connections. The scan
// refuses requests afterwards.
func (s *Scan) Close() error {
	s.mu.Lock()
	cb := s.callback
	s.callback, s.closed = nil, true
	s.mu.Unlock()
	s.client.CloseIdleConnections()
	if cb != nil {
		return cb.close()
	}
	return nil
}

// Report records a finding and gives it its report id.
func (s *Scan) Report(f Finding) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.ID = fmt.Sprintf("RA-%03d", len(s.findings)+1)
	s.findings = append(s.findings, f)
}

// Findings returns the findings so far, in report order.
func (s *Scan) Findings() []Finding {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Finding(nil), s.findings...)
}

// Operations returns the known operations: the spec's, then discovered ones.
func (s *Scan) Operations() []Operation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Operation(nil), s.operations...)
}

// AddOperation adds a discovered operation unless one with the same key is known.
func (s *Scan) AddOperation(op Operation) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.operations {
		if o.Key() == op.Key() {
			return false
		}
	}
	s.operations = append(s.operations, op)
	return true
}

// Profile returns a configured profile, or nil.
func (s *Scan) Profile(name string) *Profile {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.profiles[name]
}

// TrackCreated remembers an object URL path the scan created, so that --safe
// allows writing and deleting it.
func (s *Scan) TrackCreated(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.created[path] = true
}

// Created reports whether the scan created the object at path.
func (s *Scan) Created(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created[path]
}

// Set shares a value between checks (a public key found by recon, object
// ids found by discovery). Keys are documented where they are set.
func (s *Scan) Set(key string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[key] = v
}

// Get returns a shared value, or nil.
func (s *Scan) Get(key string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[key]
}

// Logf writes a progress line.
func (s *Scan) Logf(format string, args ...any) { s.cfg.Logf(format, args...) }
