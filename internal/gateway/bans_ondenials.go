package gateway

import (
	"fmt"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/guard/authn"
	"github.com/rampartsec/rampart/internal/guard/ban"
	"github.com/rampartsec/rampart/internal/guard/bruteforce"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// tokenGuessingSource is the source of token-guessing bans in /admin/bans:
// the brute-force guard's, with the credential-stuffing bans, as before the
// mechanism moved to the ban package.
const tokenGuessingSource = "bruteforce"

// notGuesses are the authentication guard's denial rules that do not
// suggest guessing: a missing credential, an expired or not-yet-valid one
// (a client with a stale token retrying is not guessing), and the guard's
// own failure to fetch keys.
var notGuesses = []string{
	authn.RuleMissing, authn.RuleJWTKeysUnavailable, authn.RuleAPIKeyExpired, authn.RuleJWTExpired,
	authn.RuleJWTNotYetValid, authn.RuleJWTTooOld, authn.RuleSignatureStale, authn.RuleSignatureExpired,
	authn.RuleSignatureBodyTooLarge,
}

// tokenGuessingBan is bruteforce.token_guessing as a denial ban: many
// authentication denials from one source are credentials being tried, not
// used (OWASP API2:2023). ok is false when it is disabled (failures -1).
func tokenGuessingBan(tg config.TokenGuessing) (c ban.OnDenialsConfig, ok bool) {
	if tg.Failures < 0 {
		return ban.OnDenialsConfig{}, false
	}
	return ban.OnDenialsConfig{
		Name:        bruteforce.KindTokenGuessing,
		Source:      tokenGuessingSource,
		Guard:       "authn",
		IgnoreRules: notGuesses,
		Failures:    tg.Failures,
		Window:      tg.Window,
		BanFor:      tg.BanFor,
		Category:    "API2:2023",
	}, true
}

// onDenials translates one bans.on_denials entry.
func onDenials(c config.BanOnDenials) ban.OnDenialsConfig {
	return ban.OnDenialsConfig{Name: c.Name, Guard: c.Guard, Rules: c.Rules, IgnoreRules: c.IgnoreRules,
		Failures: c.Failures, Window: c.Window, BanFor: c.BanFor, Scope: c.Scope}
}

// addDenialBans adds the sinks that ban the sources of repeated denials:
// token guessing and every bans.on_denials entry. They count from the
// request Outcomes, so they live as long as the sinks: changing their
// settings needs a restart.
func (e *env) addDenialBans(cfg *config.Config) error {
	if c, ok := tokenGuessingBan(cfg.BruteForce.TokenGuessing); ok {
		if err := e.addDenialBan(c, "bruteforce.token_guessing", "token_guessing"); err != nil {
			return err
		}
	}
	for i, entry := range cfg.Bans.OnDenials {
		if err := e.addDenialBan(onDenials(entry), fmt.Sprintf("bans.on_denials[%d]", i), "ban_on_denials"); err != nil {
			return err
		}
	}
	return nil
}

// addDenialBan builds one sink; field is blamed for its errors, and its
// store failures are counted under component.
func (e *env) addDenialBan(c ban.OnDenialsConfig, field, component string) error {
	sink, err := ban.NewOnDenials(c, ban.OnDenialsOptions{
		Counters: e.store, Marks: e.store, Events: e.events, Logger: e.log,
		OnBan:        func(name string) { e.metrics.Security("ban", name) },
		OnStoreError: func(string) { e.metrics.StoreError(component) },
	})
	if err != nil {
		return atField(field, err)
	}
	e.outcomes = append(e.outcomes, pipeline.OutcomeSink(sink))
	e.denialBans = append(e.denialBans, sink)
	return nil
}
