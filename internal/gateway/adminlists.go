package gateway

import (
	"context"

	"github.com/rampartsec/rampart/internal/admin"
	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/guard/ban"
	"github.com/rampartsec/rampart/internal/guard/bruteforce"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// adminLists are the mark lists the admin API manages.
func (s *Service) adminLists() map[string]admin.MarkList {
	return map[string]admin.MarkList{
		"bans": &banList{svc: s},
	}
}

// adminAction records a change made through the admin API as an Event
// (and so in the audit log and the SIEM feed).
func (s *Service) adminAction(action string, fields map[string]string) {
	s.env.log.Info("admin action", "action", action, "key", fields["key"])
	s.event(pipeline.Event{Kind: action, Severity: pipeline.SeverityMedium, Message: "admin action", Evidence: fields})
}

// banList is /admin/bans over the store, through the ban guard's helpers so
// keys are normalised exactly as the guard reads them.
type banList struct{ svc *Service }

func (b *banList) List(ctx context.Context, limit int) ([]store.Mark, error) {
	return ban.List(ctx, b.svc.env.store, limit)
}

func (b *banList) Put(ctx context.Context, m store.Mark) error {
	m, err := ban.Ban(ctx, b.svc.env.store, m)
	if err == nil {
		b.invalidate(m.Key)
	}
	return err
}

func (b *banList) Delete(ctx context.Context, key string) (bool, error) {
	norm, err := ban.ParseKey(key)
	if err != nil {
		return false, nil
	}
	found, err := ban.Unban(ctx, b.svc.env.store, norm)
	if err == nil {
		b.invalidate(norm)
	}
	return found, err
}

func (b *banList) Validate(key string) error {
	_, err := ban.ParseKey(key)
	return err
}

// invalidate drops a cached ban decision on this replica at once; other
// replicas see the change within bans.cache_ttl.
func (b *banList) invalidate(key string) {
	b.svc.mu.Lock()
	gen := b.svc.gen
	b.svc.mu.Unlock()
	if gen != nil && gen.security != nil {
		gen.security.ban.Invalidate(key)
	}
}

// addTokenGuessing adds the sink that bans sources sending many invalid
// credentials. It reads authentication denials from the event stream, so it
// lives as long as the sinks (its settings need a restart).
func (e *env) addTokenGuessing(cfg *config.Config) error {
	tg := cfg.BruteForce.TokenGuessing
	if tg.Failures < 0 {
		return nil
	}
	sink, err := bruteforce.NewTokenGuessing(bruteforce.TokenGuessingConfig{
		Failures: tg.Failures, Window: tg.Window, BanFor: tg.BanFor,
	}, bruteforce.TokenGuessingOptions{
		Counters: e.store, Marks: e.store, Events: e.events, Logger: e.log,
		OnBan:        func(kind string) { e.metrics.Security("ban", kind) },
		OnStoreError: func(string) { e.metrics.StoreError("token_guessing") },
	})
	if err != nil {
		return err
	}
	e.events = append(e.events, sink)
	return nil
}
