package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Auth health. A scan that keeps testing with credentials that stopped
// working (the account got locked by a brute-force probe, a token was
// revoked, a session expired) reports "403 everywhere, no BOLA" — a false
// all-clear. So every profile with a canary path is probed at login, every
// Config.CanaryEvery requests and whenever the engine calls CheckAuth: a
// 2xx proves the credentials; a refusal triggers one re-login (login-recipe
// profiles) and a second probe; if that fails too the profile is marked not
// working, Do refuses to send as it, and every coverage row that depends on
// it and was recorded since its last good canary turns invalid.

// ProfileWorking reports whether the named profile exists and its
// credentials have not been found broken. Checks that need a profile skip
// (Cover ... Skipped) when it is not working.
func (s *Scan) ProfileWorking(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.profiles[name]
	return p != nil && !p.down
}

// ProfileInfos says, per configured profile in config order, whether it
// worked and how it was set up or why it failed. No secrets.
func (s *Scan) ProfileInfos() []ProfileInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ProfileInfo, 0, len(s.profOrder))
	for _, name := range s.profOrder {
		p := s.profiles[name]
		d := p.detail
		if d == "" {
			d = "static headers"
		}
		out = append(out, ProfileInfo{Name: name, Working: !p.down, Detail: d})
	}
	return out
}

// CheckAuth runs every working profile's canary now. Do calls it every
// Config.CanaryEvery requests; the engine also calls it after each stage
// and at the end, so that the last rows are proven too.
func (s *Scan) CheckAuth(ctx context.Context) {
	s.canaryMu.Lock()
	defer s.canaryMu.Unlock()
	s.runCanaries(ctx)
}

// runCanaries probes every working profile that has a canary. Hold canaryMu.
func (s *Scan) runCanaries(ctx context.Context) {
	s.mu.Lock()
	s.sinceCanary = 0
	var ps []*Profile
	for _, name := range s.profOrder {
		if p := s.profiles[name]; !p.down && p.canary != "" {
			ps = append(ps, p)
		}
	}
	at := s.sent
	s.mu.Unlock()
	for _, p := range ps {
		_ = s.probeProfile(ctx, p, fmt.Sprintf("at request %d", at))
	}
}

// tickCanary counts one check request and runs the canaries when due. A
// round already running elsewhere is not waited for.
func (s *Scan) tickCanary(ctx context.Context) {
	if s.cfg.CanaryEvery < 0 {
		return
	}
	s.mu.Lock()
	s.sinceCanary++
	due := s.sinceCanary >= s.cfg.CanaryEvery
	s.mu.Unlock()
	if !due || !s.canaryMu.TryLock() {
		return
	}
	defer s.canaryMu.Unlock()
	s.runCanaries(ctx)
}

// canaryVerdict is what one canary request proved.
type canaryVerdict int

const (
	canaryGood         canaryVerdict = iota
	canaryBad                        // the target refused the credentials
	canaryInconclusive               // no answer, rate limited, server error, out of budget
)

// canary requests p's canary path once with its current credentials.
func (s *Scan) canary(ctx context.Context, p *Profile) (canaryVerdict, string) {
	u, err := s.resolve(Request{Path: p.canary})
	if err != nil {
		return canaryInconclusive, err.Error()
	}
	h, _ := p.headerGen()
	resp, err := s.roundTrip(ctx, trip{method: http.MethodGet, url: u, header: h, profile: p.Name, check: "rampart.canary"})
	if err != nil {
		return canaryInconclusive, err.Error()
	}
	what := fmt.Sprintf("canary GET %s answered %d", p.canary, resp.Status)
	switch {
	case resp.Status >= 200 && resp.Status <= 299:
		return canaryGood, what
	case resp.Status == http.StatusTooManyRequests || resp.Status >= 500:
		return canaryInconclusive, what
	default:
		return canaryBad, what
	}
}

// probeProfile runs p's canary, re-logs in once when it is refused, and
// marks p good or down. when says when ("at start", "at request 812").
func (s *Scan) probeProfile(ctx context.Context, p *Profile, when string) error {
	v, what := s.canary(ctx, p)
	switch v {
	case canaryGood:
		s.markGood(p)
		return nil
	case canaryInconclusive:
		return nil
	}
	detail := what + " " + when
	if p.recipe != nil {
		p.loginMu.Lock()
		err := s.login(ctx, p)
		p.loginMu.Unlock()
		var le *LoginError
		if err != nil && errors.As(err, &le) && !le.refused() {
			return nil // the target did not answer; the credentials may be fine
		}
		if err == nil {
			v2, what2 := s.canary(ctx, p)
			if v2 != canaryBad {
				if v2 == canaryGood {
					s.markGood(p)
				}
				return nil
			}
			detail += "; after a fresh login " + what2
		} else {
			detail += "; re-login failed: " + le.Reason
		}
	}
	s.markDown(p, detail)
	return fmt.Errorf("auth profile %s: %s", p.Name, detail)
}

func (s *Scan) markGood(p *Profile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.lastGood = s.sent
}

// markDown marks p not working and invalidates the tested rows that depend
// on it and were recorded since its last good canary.
func (s *Scan) markDown(p *Profile, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.down {
		return
	}
	p.down, p.detail = true, detail
	s.Logf("auth profile %s stopped working: %s", p.Name, detail)
	for _, k := range s.order {
		row := s.ledger[k]
		if row.Status == Tested && row.seq > p.lastGood && row.dependsOn(p.Name) {
			row.Status = Invalid
			row.Reason = invalidReason(p.Name, detail)
		}
	}
}

func invalidReason(profile, detail string) string {
	return fmt.Sprintf("the %s profile stopped working (%s); retest", profile, detail)
}

// noteUse remembers that a check sent as a profile, so that its coverage
// rows depend on that profile unless it names others (CoverAs).
func (s *Scan) noteUse(check, profile string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.usedBy[check]
	if m == nil {
		m = map[string]bool{}
		s.usedBy[check] = m
	}
	m[profile] = true
}
