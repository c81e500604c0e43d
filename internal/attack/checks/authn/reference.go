package authn

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// credential is how a profile presents its token.
type credential struct {
	profile string
	header  string // "Authorization"
	scheme  string // "Bearer"; "" for a bare token
	token   string
}

// headerWith is the request header carrying tok where this profile's token
// goes.
func (c credential) headerWith(tok string) http.Header {
	v := tok
	if c.scheme != "" {
		v = c.scheme + " " + tok
	}
	return http.Header{http.CanonicalHeaderKey(c.header): {v}}
}

// credentialOf reads a profile's current token and where it goes. Call it
// after a request as the profile, so a login recipe has run.
func credentialOf(s *core.Scan, profile string) (credential, bool) {
	p := s.Profile(profile)
	if p == nil {
		return credential{}, false
	}
	tok := p.Token()
	if tok == "" {
		return credential{}, false
	}
	c := credential{profile: profile, header: "Authorization", scheme: "Bearer", token: tok}
	if r := p.LoginRecipe(); r != nil && r.Header != "" {
		c.header, c.scheme = r.Header, r.Scheme
	}
	return c, true
}

// referenceKey is the Scan value holding the shared reference.
const referenceKey = "authn.reference"

// maxReferenceCandidates bounds the endpoints tried as the reference.
const maxReferenceCandidates = 3

// reference is the secured endpoint every JWT check aims at, with the
// answers that make a forged token's answer meaningful.
type reference struct {
	once sync.Once
	err  error // why there is no reference

	cred    credential
	tok     *jwtToken // nil when the credential is not a JWT
	op      core.Operation
	path    string
	real    *core.Response // as the profile: 2xx
	control *core.Response // garbage in the token's place: 401 or 403
}

// selfPath matches paths that describe the caller.
var selfPath = regexp.MustCompile(`(?i)/(me|self|whoami|profile|account|userinfo|current[-_]?user)(/|$)`)

// errNoReference wraps the reasons a check has nothing to aim at.
var errNoReference = errors.New("no reference endpoint")

// sharedReference returns the scan's reference, finding it on first use.
func sharedReference(ctx context.Context, s *core.Scan, check string) *reference {
	r, _ := s.Get(referenceKey).(*reference)
	if r == nil {
		r = &reference{}
		s.Set(referenceKey, r)
	}
	r.once.Do(func() { r.find(ctx, s, check) })
	return r
}

// referenceCandidates are the secured GET operations a non-administrator
// may read: the caller's own resource first (/me: each user gets their
// own answer, which the sub-swap tamper needs), then operations without
// parameters, then with query parameters, then with path parameters
// (/items/{id}, whose example id may not be the profile's).
func referenceCandidates(s *core.Scan) []core.Operation {
	var out []core.Operation
	for _, op := range probe.Operations(s, "GET") {
		if op.Secured && !op.AdminOnly {
			out = append(out, op)
		}
	}
	rank := func(op core.Operation) int {
		switch {
		case probe.HasPathParams(op):
			return 3
		case strings.Contains(probe.ConcretePath(op), "?"):
			return 2
		case selfPath.MatchString(op.Path):
			return 0
		}
		return 1
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	if len(out) > maxReferenceCandidates {
		out = out[:maxReferenceCandidates]
	}
	return out
}

func (r *reference) find(ctx context.Context, s *core.Scan, check string) {
	user := probe.Unprivileged(s)
	if user == "" {
		r.err = errors.Join(errNoReference, errors.New("no working non-admin profile"))
		return
	}
	cands := referenceCandidates(s)
	if len(cands) == 0 {
		r.err = errors.Join(errNoReference, errors.New("no secured GET operation"))
		return
	}
	for _, op := range cands {
		path := probe.ConcretePath(op)
		real, err := s.Do(ctx, core.Request{Method: "GET", Path: path, Profile: user, Check: check})
		if probe.Stopped(ctx, err) {
			r.err = err
			return
		}
		if err != nil || !probe.Is2xx(real.Status) {
			continue
		}
		cred, ok := credentialOf(s, user)
		if !ok {
			r.err = errors.Join(errNoReference, errors.New(user+" authenticates without a token"))
			return
		}
		control, err := s.Do(ctx, core.Request{Method: "GET", Path: path, Header: cred.headerWith("rampart-control-" + probe.RandomHex(8)), Check: check})
		if probe.Stopped(ctx, err) {
			r.err = err
			return
		}
		if err != nil || !probe.Refused(control.Status) {
			continue // the endpoint does not depend on the token
		}
		r.cred, r.op, r.path, r.real, r.control = cred, op, path, real, control
		r.tok, _ = parseJWT(cred.token)
		return
	}
	r.err = errors.Join(errNoReference, errors.New("no secured GET operation answered 2xx to "+user+" and 401/403 to a garbage token"))
}

// send sends tok in the profile's token place, anonymously otherwise.
func (r *reference) send(ctx context.Context, s *core.Scan, check, tok string) (*core.Response, error) {
	return s.Do(ctx, core.Request{Method: "GET", Path: r.path, Header: r.cred.headerWith(tok), Check: check})
}

// accepted reports whether a forged credential's answer is the real one:
// 2xx with the same content.
func (r *reference) accepted(resp *core.Response) bool {
	return resp != nil && probe.Is2xx(resp.Status) && probe.SameContent(resp.Body, r.real.Body)
}

// jwtReference returns the reference when its credential is a JWT, or a
// skip error saying why the check cannot run.
func jwtReference(ctx context.Context, s *core.Scan, check string) (*reference, error) {
	r := sharedReference(ctx, s, check)
	if r.err != nil {
		if probe.Stopped(ctx, r.err) {
			return nil, r.err
		}
		s.Cover("*", check, core.Skipped, r.err.Error())
		return nil, core.Skip(r.err.Error())
	}
	if r.tok == nil {
		reason := r.cred.profile + "'s credential is not a JWT"
		s.Cover(r.op.Key(), check, core.Skipped, reason)
		return nil, core.Skip(reason)
	}
	return r, nil
}

// referencePlan is the reference's requests for --plan.
func referencePlan(s *core.Scan) core.PlannedRequest {
	return core.PlannedRequest{Endpoint: "*", Class: "reference: a secured GET as user1, then with a garbage token (shared by the authn checks)",
		Count: 2 * maxReferenceCandidates}
}
