package bruteforce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// Defaults applied by [NewTokenGuessing].
const (
	DefaultTokenGuard    = "authn"
	DefaultTokenFailures = 20
	DefaultTokenWindow   = 10 * time.Minute
)

// TokenGuessingConfig configures a [TokenGuessing] sink.
type TokenGuessingConfig struct {
	// Guard names the authentication guard whose denials count. Default
	// "authn".
	Guard string
	// Rules, when set, counts only denials with these rules. Default: every
	// denial of Guard except IgnoreRules.
	Rules []string
	// IgnoreRules are denial rules that are not guesses, used when Rules is
	// empty. Default: the authn guard's rules for a missing credential, an
	// expired or not-yet-valid one (a client with a stale token retrying is
	// not guessing), and its own key-fetch failure: authn_missing,
	// jwt_keys_unavailable, apikey_expired, jwt_expired, jwt_not_yet_valid,
	// jwt_too_old, signature_stale, signature_expired,
	// signature_body_too_large.
	IgnoreRules []string
	// Failures denials from one address within Window ban the address.
	// Default 20.
	Failures int
	// Window is the counting window. Default 10m.
	Window time.Duration
	// BanFor is the ban's duration. Default 1h.
	BanFor time.Duration
}

// TokenGuessingOptions holds a TokenGuessing sink's collaborators.
type TokenGuessingOptions struct {
	// Counters and Marks are the shared state. Required.
	Counters Counters
	Marks    Marks
	// Events receive the "ban" Event of each ban. The gateway passes its
	// event sinks before adding this one to them; a ban Event handed back
	// to this sink is ignored anyway.
	Events []pipeline.EventSink
	// OnBan is called with KindTokenGuessing per ban; OnStoreError with the
	// operation when the store fails. Optional.
	OnBan        func(kind string)
	OnStoreError func(op string)
	// Logger receives store failures; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// TokenGuessing is a pipeline.EventSink that bans key and token guessing:
// an address that collects many authentication denials (invalid API keys,
// forged or expired JWTs) is trying credentials, not using them (OWASP
// API2:2023). It counts the enforced denial Events of the authentication
// guard per client address and, at the threshold, writes the "ban" mark
// "ip:<addr>" that the ban guard enforces on every route.
//
// It sees Events after the response, on the request's goroutine, and does
// one store write per counted denial. Monitored denials do not count: a rule
// on trial must not get legitimate clients banned.
type TokenGuessing struct {
	guard    string
	rules    map[string]bool // nil: every rule not in ignore
	ignore   map[string]bool
	failures int64
	window   time.Duration
	banFor   time.Duration

	counters     Counters
	marks        Marks
	events       []pipeline.EventSink
	onBan        func(string)
	onStoreError func(string)
	log          *slog.Logger
	now          func() time.Time
	bans         *crossings
}

var _ pipeline.EventSink = (*TokenGuessing)(nil)

// NewTokenGuessing validates cfg and builds the sink.
func NewTokenGuessing(cfg TokenGuessingConfig, opts TokenGuessingOptions) (*TokenGuessing, error) {
	if opts.Counters == nil || opts.Marks == nil {
		return nil, errors.New("bruteforce: token guessing needs a counters and a marks store")
	}
	t := &TokenGuessing{
		guard:        cfg.Guard,
		failures:     int64(cfg.Failures),
		counters:     opts.Counters,
		marks:        opts.Marks,
		events:       opts.Events,
		onBan:        opts.OnBan,
		onStoreError: opts.OnStoreError,
		log:          opts.Logger,
		now:          opts.Now,
		bans:         newCrossings(),
	}
	if t.guard == "" {
		t.guard = DefaultTokenGuard
	}
	switch {
	case cfg.Failures < 0:
		return nil, fmt.Errorf("bruteforce: token guessing failures %d is negative", cfg.Failures)
	case cfg.Failures == 0:
		t.failures = DefaultTokenFailures
	}
	var err error
	if t.window, err = positiveOr("token guessing window", cfg.Window, DefaultTokenWindow); err != nil {
		return nil, err
	}
	if t.banFor, err = positiveOr("token guessing ban", cfg.BanFor, DefaultBanFor); err != nil {
		return nil, err
	}
	if t.rules, err = ruleSet(cfg.Rules); err != nil {
		return nil, err
	}
	if t.rules == nil {
		ignore := cfg.IgnoreRules
		if len(ignore) == 0 {
			ignore = defaultIgnoredAuthnRules()
		}
		if t.ignore, err = ruleSet(ignore); err != nil {
			return nil, err
		}
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.now == nil {
		t.now = time.Now
	}
	return t, nil
}

// WriteEvent counts an enforced denial of the authentication guard against
// its client address and bans the address at the threshold.
func (t *TokenGuessing) WriteEvent(e *pipeline.Event) {
	if e.Kind != "denial" || e.Guard != t.guard || e.Monitor || !e.Client.IsValid() {
		return
	}
	if t.rules != nil && !t.rules[e.Rule] || t.ignore[e.Rule] {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	key := sourceKey(e.Client)
	n, err := t.counters.Incr(ctx, authnPrefix+key, t.window, 1)
	if err != nil {
		t.storeFailed(ctx, "incr_counter", err)
		return
	}
	if n < t.failures {
		return
	}
	now := t.now()
	until := now.Add(t.banFor)
	if !t.bans.first(key, now, until) {
		return
	}
	reason := "token guessing: " + strconv.FormatInt(n, 10) + " authentication failures within " + t.window.String()
	if err := t.marks.PutMark(ctx, NamespaceBan, store.Mark{Key: key, Reason: reason, Source: markSource, Since: now, Until: until}); err != nil {
		t.bans.forget(key)
		t.storeFailed(ctx, "put_ban", err)
		return
	}
	ban := pipeline.Event{
		Time:      now,
		RequestID: e.RequestID,
		Kind:      "ban",
		Severity:  pipeline.SeverityHigh,
		Category:  "API2:2023",
		Guard:     "bruteforce",
		Rule:      KindTokenGuessing,
		Client:    e.Client,
		Subject:   e.Subject,
		Route:     e.Route,
		Method:    e.Method,
		Path:      e.Path,
		Message:   reason + "; " + key + " banned until " + until.UTC().Format(time.RFC3339),
		Evidence: map[string]string{"key": key, "failures": strconv.FormatInt(n, 10), "window": t.window.String(),
			"until": until.UTC().Format(time.RFC3339)},
	}
	for _, sink := range t.events {
		sink.WriteEvent(&ban)
	}
	if t.onBan != nil {
		t.onBan(KindTokenGuessing)
	}
}

func (t *TokenGuessing) storeFailed(ctx context.Context, op string, err error) {
	t.log.LogAttrs(ctx, slog.LevelWarn, "bruteforce store failure", slog.String("op", op), slog.Any("error", err))
	if t.onStoreError != nil {
		t.onStoreError(op)
	}
}

// defaultIgnoredAuthnRules lists the authn guard's denial rules (see its
// Rule constants; guards do not import each other) that do not suggest
// guessing.
func defaultIgnoredAuthnRules() []string {
	return []string{"authn_missing", "jwt_keys_unavailable", "apikey_expired", "jwt_expired",
		"jwt_not_yet_valid", "jwt_too_old", "signature_stale", "signature_expired", "signature_body_too_large"}
}

// ruleSet turns rule names into a set; nil for none.
func ruleSet(rules []string) (map[string]bool, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	set := make(map[string]bool, len(rules))
	for _, r := range rules {
		if r == "" {
			return nil, errors.New("bruteforce: token guessing rule names must not be empty")
		}
		set[r] = true
	}
	return set, nil
}
