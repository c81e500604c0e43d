package authn

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Method is an authentication method a route can accept.
type Method string

// The authentication methods.
const (
	MethodAPIKey    Method = "api_key"
	MethodJWT       Method = "jwt"
	MethodMTLS      Method = "mtls"
	MethodSignature Method = "signature"
)

// ParseMethod parses "api_key", "jwt", "mtls" or "signature".
func ParseMethod(s string) (Method, error) {
	switch m := Method(s); m {
	case MethodAPIKey, MethodJWT, MethodMTLS, MethodSignature:
		return m, nil
	}
	return "", fmt.Errorf("unknown authentication method %q (want api_key, jwt, mtls or signature)", s)
}

// challengeScheme is the WWW-Authenticate scheme advertised per method.
// RFC 9110 §11.6.1 wants a challenge on every 401; mTLS and signatures have
// no registered scheme, so theirs are informative names.
func challengeScheme(m Method) string {
	switch m {
	case MethodAPIKey:
		return "ApiKey"
	case MethodJWT:
		return "Bearer"
	case MethodSignature:
		return "Signature"
	}
	return "ClientCertificate"
}

// Policy says how one route authenticates.
type Policy struct {
	// Methods lists methods any one of which authenticates the request
	// (auth: [api_key, jwt]).
	Methods []Method
	// Require lists methods that must all authenticate, in addition to one
	// of Methods when Methods is set (require: [mtls, signature]).
	Require []Method
	// Issuers restricts the JWT issuers accepted on this route. Default:
	// every configured issuer.
	Issuers []string
	// ClientCAFiles is this route's CA bundle for mTLS. Default: the
	// Config.MTLS.ClientCAFiles.
	ClientCAFiles []string
	// SameSubject requires every method that authenticated to name the
	// same subject (the certificate's and the signing key's, say), so that
	// one partner's key cannot ride on another's certificate.
	SameSubject bool
}

// Guard authenticates the requests of one route. Safe for concurrent use;
// immutable after Authenticator.Guard.
//
// A request is refused when a method of Require fails or is absent, when
// none of Methods succeeds, or when any credential the request presents
// for an accepted method is invalid (a bad token next to a good API key is
// an attack, not a fallback). Every refusal is the same 401; the Denial's
// Rule and Cause say why, for logs and events.
type Guard struct {
	a           *Authenticator
	anyOf       []Method
	require     []Method
	issuers     map[string]bool
	caPool      *x509.CertPool
	sameSubject bool
	challenge   http.Header
}

var _ pipeline.Guard = (*Guard)(nil)

// Guard validates p against the configured credentials and returns the
// route's guard.
func (a *Authenticator) Guard(p Policy) (*Guard, error) {
	g := &Guard{a: a, anyOf: slices.Clone(p.Methods), require: slices.Clone(p.Require), sameSubject: p.SameSubject}
	if len(g.anyOf) == 0 && len(g.require) == 0 {
		return nil, fmt.Errorf("authn: policy names no method")
	}
	var challenges []string
	seen := map[Method]bool{}
	for _, m := range append(slices.Clone(g.require), g.anyOf...) {
		if seen[m] {
			return nil, fmt.Errorf("authn: method %q appears twice in the policy", m)
		}
		seen[m] = true
		if err := a.check(m, &p, g); err != nil {
			return nil, fmt.Errorf("authn: %w", err)
		}
		challenges = append(challenges, fmt.Sprintf(`%s realm="%s"`, challengeScheme(m), a.realm))
	}
	g.challenge = http.Header{"Www-Authenticate": slices.Clip(challenges)}
	if len(p.Issuers) > 0 {
		if !seen[MethodJWT] {
			return nil, fmt.Errorf("authn: policy restricts issuers but does not accept jwt")
		}
		g.issuers = make(map[string]bool, len(p.Issuers))
		for _, iss := range p.Issuers {
			if a.jwt.issuers[iss] == nil {
				return nil, fmt.Errorf("authn: policy names unknown issuer %q", iss)
			}
			g.issuers[iss] = true
		}
	}
	return g, nil
}

// check verifies that method m can run for policy p.
func (a *Authenticator) check(m Method, p *Policy, g *Guard) error {
	switch m {
	case MethodAPIKey:
		if a.apiKeys == nil {
			return fmt.Errorf("policy accepts api_key but no API keys are configured")
		}
	case MethodJWT:
		if a.jwt == nil {
			return fmt.Errorf("policy accepts jwt but no issuers are configured")
		}
	case MethodSignature:
		if a.sigs == nil {
			return fmt.Errorf("policy accepts signature but no signature keys are configured")
		}
	case MethodMTLS:
		g.caPool = a.mtls.defaultPool
		if len(p.ClientCAFiles) > 0 {
			pool, err := a.caPool(p.ClientCAFiles)
			if err != nil {
				return err
			}
			g.caPool = pool
		}
		if g.caPool == nil {
			return errNoCAPool
		}
	default:
		return fmt.Errorf("unknown method %q", m)
	}
	return nil
}

// Name returns "authn".
func (g *Guard) Name() string { return "authn" }

// authenticate runs one method; (nil, nil) means its credential is absent.
func (g *Guard) authenticate(m Method, r *http.Request) (*pipeline.Identity, *failure) {
	switch m {
	case MethodAPIKey:
		return g.a.apiKeys.authenticate(r)
	case MethodJWT:
		return g.a.authenticateJWT(r, g.issuers)
	case MethodMTLS:
		return g.a.authenticateMTLS(r, g.caPool)
	case MethodSignature:
		return g.a.authenticateSignature(r)
	}
	return nil, nil
}

// Check authenticates r and records the Identity with
// pipeline.SetIdentity.
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	if len(r.Header["Authorization"]) > 1 {
		// Which of two Authorization headers counts differs between
		// components: an ambiguity attackers use (CWE-444 style).
		return nil, g.denial(failf(RuleAmbiguous, "Authorization header repeated"))
	}
	var established [4]*pipeline.Identity
	ids := established[:0]
	for _, m := range g.require {
		id, f := g.authenticate(m, r)
		if f == nil && id == nil {
			f = fail(RuleMissing, fmt.Errorf("required %s credential is absent", m))
		}
		if f != nil {
			return nil, g.denial(f)
		}
		ids = append(ids, id)
	}
	if len(g.anyOf) > 0 {
		var found *pipeline.Identity
		for _, m := range g.anyOf {
			id, f := g.authenticate(m, r)
			if f != nil {
				return nil, g.denial(f)
			}
			if found == nil {
				found = id
			}
		}
		if found == nil {
			return nil, g.denial(fail(RuleMissing, fmt.Errorf("no credential for %v", g.anyOf)))
		}
		ids = append(ids, found)
	}
	if f := g.checkSubjects(r, ids); f != nil {
		return nil, g.denial(f)
	}
	primary := ids[0]
	if len(ids) > 1 {
		methods := make([]string, len(ids))
		for i, id := range ids {
			methods[i] = id.Method
		}
		// Copy: verifiers may share one Identity across requests.
		combined := *primary
		combined.Method = strings.Join(methods, "+")
		primary = &combined
	}
	pipeline.SetIdentity(r, primary)
	return r, nil
}

// checkSubjects applies SameSubject and subject revocation.
func (g *Guard) checkSubjects(r *http.Request, ids []*pipeline.Identity) *failure {
	for i, id := range ids {
		if g.sameSubject && id.Subject != ids[0].Subject {
			return fail(RuleSubjectMismatch, fmt.Errorf("%s subject %q differs from %s subject %q",
				id.Method, id.Subject, ids[0].Method, ids[0].Subject))
		}
		if i > 0 && id.Subject == ids[i-1].Subject {
			continue
		}
		if f := g.a.revoked(r.Context(), NamespaceRevokedSubject, id.Subject, RuleSubjectRevoked); f != nil {
			return f
		}
	}
	return nil
}

// authorization splits the Authorization header into scheme and
// credentials. Check has already refused a repeated header.
func authorization(r *http.Request) (scheme, cred string, ok bool) {
	vals := r.Header["Authorization"]
	if len(vals) == 0 {
		return "", "", false
	}
	scheme, cred, _ = strings.Cut(strings.TrimSpace(vals[0]), " ")
	return scheme, strings.TrimSpace(cred), true
}

// clipped copies g with capacity-clipped slices: identities share them
// across requests, and an append by a consumer must never write into
// another request's identity.
func (g Grants) clipped() Grants {
	return Grants{Tenant: g.Tenant, Scopes: slices.Clip(slices.Clone(g.Scopes)), Roles: slices.Clip(slices.Clone(g.Roles))}
}
