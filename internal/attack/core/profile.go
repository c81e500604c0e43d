package core

import (
	"net/http"
	"strings"
	"sync"
)

// Profile is one identity's current credentials.
type Profile struct {
	Name string

	recipe *LoginRecipe // nil: static headers
	canary string       // GET path proving the credentials work; "" none

	// loginMu serialises logins of this profile, so that ten requests
	// meeting a 401 together log in once.
	loginMu sync.Mutex

	mu     sync.Mutex
	header http.Header
	token  string
	gen    uint64 // bumped each time a token is installed
	// no401 is the generation for which a 401 proved not to mean an
	// expired token (a fresh one got 401 too); 0 none.
	no401 uint64

	// Guarded by the Scan's mu, not by mu: health is read together with
	// the coverage ledger it invalidates.
	down     bool
	detail   string
	lastGood int // Scan.sent when the credentials last proved to work
}

// Header returns the headers that authenticate this profile.
func (p *Profile) Header() http.Header {
	h, _ := p.headerGen()
	return h
}

func (p *Profile) headerGen() (http.Header, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.header.Clone(), p.gen
}

func (p *Profile) spurious401(gen uint64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return gen != 0 && p.no401 == gen
}

func (p *Profile) setSpurious401(gen uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.no401 = gen
}

func (p *Profile) generation() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen
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
	p.gen++
}

// LoginRecipe returns the profile's login recipe (with defaults applied),
// or nil for a profile with static headers.
func (p *Profile) LoginRecipe() *LoginRecipe {
	if p.recipe == nil {
		return nil
	}
	r := *p.recipe
	return &r
}

// CanaryPath is the profile's health-check path, "" when it has none.
func (p *Profile) CanaryPath() string { return p.canary }

// sensitiveHeaders are replaced in evidence.
var sensitiveHeaders = map[string]bool{
	"Authorization": true, "Cookie": true, "Set-Cookie": true, "X-Api-Key": true,
	"Proxy-Authorization": true, "X-Auth-Token": true,
}

// Redact copies a header with credentials replaced by a marker that keeps
// the scheme ("Bearer [redacted]").
func Redact(h http.Header) map[string][]string { return redactWith(h, nil) }

// redactWith also redacts the headers in extra (canonical names): the ones
// the scan's profiles authenticate with.
func redactWith(h http.Header, extra map[string]bool) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		if !sensitiveHeaders[ck] && !extra[ck] {
			out[k] = append([]string(nil), vs...)
			continue
		}
		red := make([]string, len(vs))
		for i, v := range vs {
			if scheme, _, ok := strings.Cut(v, " "); ok && (ck == "Authorization" || ck == "Proxy-Authorization") {
				red[i] = scheme + " [redacted]"
			} else {
				red[i] = "[redacted]"
			}
		}
		out[k] = red
	}
	return out
}
