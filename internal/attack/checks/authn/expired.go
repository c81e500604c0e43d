package authn

import (
	"context"
	"fmt"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// ExpiredTokenKey is the Scan value with an expired token the user
// supplies (string), for APIs whose tokens live too long to wait for.
const ExpiredTokenKey = "jwt.expired_token"

// JWTExpiredCheck replays an expired token, and reports tokens issued
// without an expiry.
type JWTExpiredCheck struct {
	// Skew is how long past exp the replay waits: verifiers allow some
	// clock skew (Spring Security 60 s by default), and a token accepted
	// within it is not a flaw. Default 61 s.
	Skew time.Duration
	// MaxWait is the longest remaining lifetime the check waits out.
	// Default 2 minutes.
	MaxWait time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Defaults of JWTExpiredCheck.
const (
	DefaultSkew    = 61 * time.Second
	DefaultMaxWait = 2 * time.Minute
)

// ID implements core.Check.
func (JWTExpiredCheck) ID() string { return "authn.jwt_expired" }

// Stage implements core.Check.
func (JWTExpiredCheck) Stage() core.Stage { return core.StageAuthn }

// Title implements core.Check.
func (JWTExpiredCheck) Title() string { return "Expired JWT replay" }

func (c JWTExpiredCheck) settings() (skew, maxWait time.Duration, now func() time.Time) {
	skew, maxWait, now = c.Skew, c.MaxWait, c.Now
	if skew <= 0 {
		skew = DefaultSkew
	}
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	if now == nil {
		now = time.Now
	}
	return skew, maxWait, now
}

// Plan implements core.Check.
func (c JWTExpiredCheck) Plan(s *core.Scan) []core.PlannedRequest {
	_, maxWait, _ := c.settings()
	return []core.PlannedRequest{referencePlan(s), {Endpoint: "reference endpoint",
		Class: fmt.Sprintf("an expired token: jwt.expired_token if given, else user1's once past exp when that is within %s", maxWait), Count: 1}}
}

// Run implements core.Check.
func (c JWTExpiredCheck) Run(ctx context.Context, s *core.Scan) error {
	r, err := jwtReference(ctx, s, c.ID())
	if err != nil {
		return err
	}
	skew, maxWait, now := c.settings()
	key := r.op.Key()

	token, source := "", ""
	if v, ok := s.Get(ExpiredTokenKey).(string); ok && v != "" {
		t, err := parseJWT(v)
		if err != nil {
			reason := "jwt.expired_token is not a JWT"
			s.Cover(key, c.ID(), core.Skipped, reason)
			return core.Skip(reason)
		}
		exp, ok := t.numericClaim("exp")
		if !ok || now().Before(exp.Add(skew)) {
			reason := fmt.Sprintf("jwt.expired_token is not expired by more than %s", skew)
			s.Cover(key, c.ID(), core.Skipped, reason)
			return core.Skip(reason)
		}
		token, source = v, "the expired token given in jwt.expired_token"
	} else {
		exp, ok := r.tok.numericClaim("exp")
		if !ok {
			s.CoverAs(key, c.ID(), core.Tested, "", r.cred.profile)
			s.Report(c.noExpiry(r))
			return nil
		}
		wait := exp.Add(skew).Sub(now())
		if left := exp.Sub(now()); left > maxWait {
			reason := fmt.Sprintf("%s's token is valid for another %s, more than the %s this check waits; give an expired token in jwt.expired_token",
				r.cred.profile, left.Round(time.Second), maxWait)
			s.Cover(key, c.ID(), core.Skipped, reason)
			return core.Skip(reason)
		}
		if dl, ok := ctx.Deadline(); ok && now().Add(wait).After(dl) {
			return c.outOfTime(s, key)
		}
		if dl := s.Deadline(); !dl.IsZero() && now().Add(wait).After(dl) {
			return c.outOfTime(s, key)
		}
		if wait > 0 {
			s.Logf("%s: waiting %s for %s's token to expire", c.ID(), wait.Round(time.Second), r.cred.profile)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				s.Cover(key, c.ID(), core.NotReached, ctx.Err().Error())
				return ctx.Err()
			case <-t.C:
			}
		}
		token, source = r.cred.token, r.cred.profile+"'s own token, replayed after it expired"
	}

	resp, err := r.send(ctx, s, c.ID(), token)
	if probe.Stopped(ctx, err) {
		s.Cover(key, c.ID(), core.NotReached, err.Error())
		return err
	}
	s.CoverAs(key, c.ID(), core.Tested, "", r.cred.profile)
	if err != nil || !probe.Is2xx(resp.Status) || !probe.SameContent(resp.Body, r.real.Body) {
		return nil
	}
	s.Report(r.finding(c.ID(), forged{
		title:    "Expired JWT accepted",
		cwe:      613,
		severity: core.SeverityHigh,
		description: fmt.Sprintf("The API accepted %s more than %s after its exp. A stolen token then works for as long as the attacker likes, "+
			"and logging out or short lifetimes protect nobody.", source, skew),
		resp: resp,
		note: "an expired token: " + source,
	}))
	return nil
}

func (c JWTExpiredCheck) outOfTime(s *core.Scan, key string) error {
	reason := "the token expires after the scan's deadline"
	s.Cover(key, c.ID(), core.Skipped, reason)
	return core.Skip(reason)
}

// noExpiry reports a token without exp that the API accepts (the reference
// answer proves acceptance).
func (c JWTExpiredCheck) noExpiry(r *reference) core.Finding {
	ex := r.real.Exchange
	ex.Note = r.cred.profile + "'s token has no exp claim and is accepted"
	return core.Finding{
		Check:            c.ID(),
		Title:            "JWT without expiry accepted",
		OWASP:            core.API2Authn,
		CWE:              613,
		Severity:         core.SeverityMedium,
		Confidence:       core.Firm,
		ConfidenceReason: "the token carries no exp claim and the API answered it 2xx",
		Endpoint:         r.op.Key(),
		Description:      fmt.Sprintf("%s's token has no exp claim, and the API accepts it: a stolen token never stops working.", r.cred.profile),
		Evidence:         exposure.MaskEvidence(ex),
		Curl:             probe.Curl(ex.Request),
		Remediation: "Issue tokens with a short exp and refuse tokens without one. With Rampart in front, authentication.jwt.issuers[] requires exp " +
			"unless allow_no_expiry is set, bounds their age with max_age, and tolerates only leeway of clock skew.",
	}
}
