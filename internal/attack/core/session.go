package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Errors Do returns without sending anything.
var (
	ErrBudget     = errors.New("request budget exhausted")
	ErrUnsafe     = errors.New("refused by --safe: state-changing request on an object the scan did not create")
	ErrOutOfScope = errors.New("host is out of scope")
)

// Config is one scan's settings. The engine (internal/attack) fills it from
// the command line; tests build it directly.
type Config struct {
	Target          string        // base URL, e.g. http://127.0.0.1:8080
	Scope           []string      // extra host[:port] the dialer may reach besides the target's
	MaxRequests     int           // 0: unlimited
	Rate            float64       // requests per second, 0: unpaced
	Duration        time.Duration // 0: unlimited
	Safe            bool          // no unsafe requests on objects the scan did not create
	OwnTarget       bool          // --i-own-this-target: allows resource ramps on non-loopback targets
	Timeout         time.Duration // per request; default 10s
	MaxResponseBody int64         // default 1 MiB
	Profiles        []ProfileConfig
	Operations      []Operation // from the spec
	Logf            func(format string, args ...any)
}

// ProfileConfig is one identity the scan acts as: static headers, or a
// login recipe that yields a token (refreshed on expiry or 401).
type ProfileConfig struct {
	Name   string // "user1", "user2", "admin"
	Header http.Header
	Login  *LoginRecipe
}

// LoginRecipe logs a profile in.
type LoginRecipe struct {
	Method       string // default POST
	Path         string
	Body         string // sent as is, application/json
	TokenPointer string // RFC 6901 pointer to the token in the JSON answer, e.g. /token
	Header       string // default Authorization
	Scheme       string // default Bearer
}

// Scan is the state of one run, shared by every check. It is safe for
// concurrent use.
type Scan struct {
	cfg    Config
	target *url.URL
	client *http.Client

	mu         sync.Mutex
	sent       int
	findings   []Finding
	ledger     map[[2]string]Coverage
	order      [][2]string
	operations []Operation
	profiles   map[string]*Profile
	created    map[string]bool
	values     map[string]any
}

// NewScan checks the config and prepares a scan.
func NewScan(cfg Config) (*Scan, error) {
	u, err := url.Parse(cfg.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target %q: want an absolute http:// or https:// URL", cfg.Target)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxResponseBody <= 0 {
		cfg.MaxResponseBody = 1 << 20
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	s := &Scan{
		cfg:        cfg,
		target:     u,
		client:     &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		ledger:     map[[2]string]Coverage{},
		operations: append([]Operation(nil), cfg.Operations...),
		profiles:   map[string]*Profile{},
		created:    map[string]bool{},
		values:     map[string]any{},
	}
	for _, p := range cfg.Profiles {
		s.profiles[p.Name] = &Profile{Name: p.Name, header: p.Header.Clone()}
	}
	return s, nil
}

// Target is the base URL.
func (s *Scan) Target() *url.URL { u := *s.target; return &u }

// Config returns the scan's settings.
func (s *Scan) Config() Config { return s.cfg }

// Do sends one request as req.Profile, within scope and budget, and records
// the exchange. A transport error is returned with the exchange recorded in
// the error's Response (nil) — callers treat it as "no answer".
func (s *Scan) Do(ctx context.Context, req Request) (*Response, error) {
	if req.Unsafe && s.cfg.Safe {
		return nil, ErrUnsafe
	}
	raw := req.URL
	if raw == "" {
		raw = strings.TrimRight(s.target.String(), "/") + req.Path
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("request URL %q: %w", raw, err)
	}
	if !s.inScope(u.Host) {
		return nil, fmt.Errorf("%w: %s", ErrOutOfScope, u.Host)
	}
	s.mu.Lock()
	if s.cfg.MaxRequests > 0 && s.sent >= s.cfg.MaxRequests {
		s.mu.Unlock()
		return nil, ErrBudget
	}
	s.sent++
	s.mu.Unlock()

	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout(req))
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	if req.Body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.Profile != "" {
		p := s.Profile(req.Profile)
		if p == nil {
			return nil, fmt.Errorf("unknown profile %q", req.Profile)
		}
		for k, v := range p.Header() {
			hr.Header[k] = v
		}
	}
	ex := Exchange{Request: HTTPRequest{Method: method, URL: u.String(), Header: Redact(hr.Header), Body: string(req.Body), Profile: req.Profile}}
	start := time.Now()
	resp, err := s.client.Do(hr)
	if err != nil {
		ex.Error = err.Error()
		return &Response{Exchange: ex}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxResponseBody))
	d := time.Since(start)
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Duration: d}
	ex.Response = &HTTPResponse{Status: resp.StatusCode, Header: Redact(resp.Header), DurationMS: float64(d.Microseconds()) / 1000}
	ex.Response.Body, ex.Response.Truncated = cut(body)
	r.Exchange = ex
	return r, err
}

func (s *Scan) timeout(req Request) time.Duration {
	if req.Timeout > 0 {
		return req.Timeout
	}
	return s.cfg.Timeout
}

func (s *Scan) inScope(host string) bool {
	if strings.EqualFold(host, s.target.Host) {
		return true
	}
	for _, h := range s.cfg.Scope {
		if strings.EqualFold(host, h) {
			return true
		}
	}
	return false
}

func cut(b []byte) (string, bool) {
	if len(b) > MaxEvidenceBody {
		return string(b[:MaxEvidenceBody]), true
	}
	return string(b), false
}

// Sent is the number of requests sent so far.
func (s *Scan) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
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

// Cover records what happened to one endpoint × check pair; a later call
// for the same pair replaces the earlier one.
func (s *Scan) Cover(endpoint, check string, status CoverageStatus, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{endpoint, check}
	if _, ok := s.ledger[k]; !ok {
		s.order = append(s.order, k)
	}
	s.ledger[k] = Coverage{Endpoint: endpoint, Check: check, Status: status, Reason: reason}
}

// Ledger returns the coverage rows in the order they were first recorded.
func (s *Scan) Ledger() []Coverage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Coverage, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, s.ledger[k])
	}
	return out
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

// Profile is one identity's current credentials.
type Profile struct {
	Name string

	mu     sync.Mutex
	header http.Header
	token  string
}

// Header returns the headers that authenticate this profile.
func (p *Profile) Header() http.Header {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.header.Clone()
}

// Token returns the bearer token ("" when the profile authenticates otherwise).
func (p *Profile) Token() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.token != "" {
		return p.token
	}
	if v, ok := strings.CutPrefix(p.header.Get("Authorization"), "Bearer "); ok {
		return v
	}
	return ""
}

// SetToken installs a token obtained by a login recipe.
func (p *Profile) SetToken(header, scheme, token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.header == nil {
		p.header = http.Header{}
	}
	v := token
	if scheme != "" {
		v = scheme + " " + token
	}
	p.header.Set(header, v)
	p.token = token
}

// sensitiveHeaders are replaced in evidence.
var sensitiveHeaders = map[string]bool{
	"Authorization": true, "Cookie": true, "Set-Cookie": true, "X-Api-Key": true,
	"Proxy-Authorization": true, "X-Auth-Token": true,
}

// Redact copies a header with credentials replaced by a marker that keeps
// the scheme ("Bearer [redacted]").
func Redact(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		if !sensitiveHeaders[http.CanonicalHeaderKey(k)] {
			out[k] = append([]string(nil), vs...)
			continue
		}
		red := make([]string, len(vs))
		for i, v := range vs {
			if scheme, _, ok := strings.Cut(v, " "); ok && k == "Authorization" {
				red[i] = scheme + " [redacted]"
			} else {
				red[i] = "[redacted]"
			}
		}
		out[k] = red
	}
	return out
}
