package authn

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// JWTSignatureCheck sends the profile's token without its signature, and
// with changed claims under the original signature.
type JWTSignatureCheck struct{}

// ID implements core.Check.
func (JWTSignatureCheck) ID() string { return "authn.jwt_signature" }

// Stage implements core.Check.
func (JWTSignatureCheck) Stage() core.Stage { return core.StageAuthn }

// Title implements core.Check.
func (JWTSignatureCheck) Title() string { return "JWT signature verification" }

// Plan implements core.Check.
func (c JWTSignatureCheck) Plan(s *core.Scan) []core.PlannedRequest {
	return []core.PlannedRequest{referencePlan(s),
		{Endpoint: "reference endpoint", Class: "user1's token with the signature stripped", Count: 1},
		{Endpoint: "reference endpoint", Class: "user1's token with claims changed under the original signature (an added claim; sub → user2's; role → admin)", Count: 3},
		{Endpoint: "reference endpoint", Class: "read as user2, to recognise user2's answer", Count: 1}}
}

// tamper is one claim change.
type tamper struct {
	what   string // "sub → bob"
	claims map[string]any
	want   func(*core.Response) bool
}

// Run implements core.Check.
func (c JWTSignatureCheck) Run(ctx context.Context, s *core.Scan) error {
	r, err := jwtReference(ctx, s, c.ID())
	if err != nil {
		return err
	}
	stop := func(err error) error {
		s.Cover(r.op.Key(), c.ID(), core.NotReached, err.Error())
		return err
	}

	// The signature stripped: "header.payload." with the original alg.
	resp, err := r.send(ctx, s, c.ID(), r.tok.signingInput()+".")
	if probe.Stopped(ctx, err) {
		return stop(err)
	}
	if err == nil && r.accepted(resp) {
		s.Report(r.finding(c.ID(), forged{
			title:    "JWT accepted without its signature",
			cwe:      347,
			severity: core.SeverityCritical,
			description: fmt.Sprintf("The API accepted %s's token with the signature removed (alg %s kept): it does not verify signatures, "+
				"so anyone can write any claims.", r.cred.profile, r.tok.alg()),
			setup: `RAMPART_SECRET="` + tokenPart(r.cred.profile, "1-2") + `."`,
			resp:  resp,
			note:  "forged token: the real header and claims, empty signature",
		}))
	}

	tampers, extra, err := c.tampers(ctx, s, r)
	if probe.Stopped(ctx, err) {
		return stop(err)
	}
	var accepted []string
	var first *core.Response
	var firstClaims string
	for _, t := range tampers {
		raw, _ := json.Marshal(t.claims)
		resp, err := r.send(ctx, s, c.ID(), r.tok.headerSeg+"."+encodeSegment(t.claims)+"."+r.tok.sigSeg)
		if probe.Stopped(ctx, err) {
			return stop(err)
		}
		if err == nil && t.want(resp) {
			accepted = append(accepted, t.what)
			if first == nil {
				first, firstClaims = resp, string(raw)
			}
		}
	}
	s.CoverAs(r.op.Key(), c.ID(), core.Tested, "", r.cred.profile)
	if first == nil {
		return nil
	}
	f := r.finding(c.ID(), forged{
		title:    "Tampered JWT accepted under the original signature",
		cwe:      347,
		severity: core.SeverityCritical,
		description: fmt.Sprintf("The API accepted %s's token with changed claims and the original signature: %s. "+
			"The signature is not checked against the claims, so any user can become any other, or an administrator.",
			r.cred.profile, strings.Join(accepted, "; ")),
		setup: b64url + "\n" + `RAMPART_SECRET="` + tokenPart(r.cred.profile, "1") + `.$(` + printfJSON(firstClaims) + ` | b64url).` + tokenPart(r.cred.profile, "3") + `"`,
		resp:  first,
		note:  "forged token: the real header and signature over claims " + firstClaims,
	})
	if extra != nil {
		ex := extra.Exchange
		ex.Note = "the real answer to the other user, which the forged token obtained"
		f.Evidence = append(f.Evidence, ex)
	}
	s.Report(f)
	return nil
}

// tampers lists the claim changes worth trying: an added claim (any
// signature check refuses it), sub set to the second user's (proven by
// getting that user's answer), and role claims set to admin.
func (c JWTSignatureCheck) tampers(ctx context.Context, s *core.Scan, r *reference) ([]tamper, *core.Response, error) {
	out := []tamper{{
		what:   "an added claim",
		claims: r.tok.withClaims(map[string]any{"rampart_probe": probe.RandomHex(4)}),
		want:   r.accepted,
	}}
	var otherAnswer *core.Response
	if other := secondUser(s, r.cred.profile); other != "" && r.tok.stringClaim("sub") != "" {
		resp, err := s.Do(ctx, core.Request{Method: "GET", Path: r.path, Profile: other, Check: c.ID()})
		if probe.Stopped(ctx, err) {
			return nil, nil, err
		}
		if err == nil && probe.Is2xx(resp.Status) && probe.Normalise(resp.Body) != probe.Normalise(r.real.Body) {
			if oc, ok := credentialOf(s, other); ok {
				if ot, err := parseJWT(oc.token); err == nil && ot.stringClaim("sub") != "" && ot.stringClaim("sub") != r.tok.stringClaim("sub") {
					otherAnswer = resp
					want := probe.Normalise(resp.Body)
					out = append(out, tamper{
						what:   "sub → " + other + "'s (" + ot.stringClaim("sub") + "), answered with " + other + "'s data",
						claims: r.tok.withClaims(map[string]any{"sub": ot.stringClaim("sub")}),
						want: func(got *core.Response) bool {
							return got != nil && probe.Is2xx(got.Status) && probe.Normalise(got.Body) == want
						},
					})
				}
			}
		}
	}
	if changes := adminClaims(r.tok); changes != nil {
		out = append(out, tamper{what: "role claims → admin", claims: r.tok.withClaims(changes), want: r.accepted})
	}
	return out, otherAnswer, nil
}

// secondUser is another working non-admin profile than p, or "".
func secondUser(s *core.Scan, p string) string {
	for _, name := range probe.Profiles(s) {
		if name != p && !probe.Privileged(name) {
			return name
		}
	}
	return ""
}

// adminClaims returns the changes that make the token's role claims say
// administrator, or nil when it has none.
func adminClaims(t *jwtToken) map[string]any {
	ch := map[string]any{}
	for k, v := range t.claims {
		switch strings.ToLower(k) {
		case "role", "roles", "groups", "scope", "scp", "authorities", "permissions":
			switch v.(type) {
			case string:
				ch[k] = "admin"
			case []any:
				ch[k] = []any{"admin"}
			}
		case "admin", "is_admin", "isadmin":
			ch[k] = true
		}
	}
	if len(ch) == 0 {
		return nil
	}
	return ch
}
