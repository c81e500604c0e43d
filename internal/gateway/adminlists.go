package gateway

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/admin"
	"github.com/rampartsec/rampart/internal/guard/authn"
	"github.com/rampartsec/rampart/internal/guard/ban"
	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// adminLists are the mark lists the admin API manages.
func (s *Service) adminLists() map[string]admin.MarkList {
	return map[string]admin.MarkList{
		"bans":        &banList{svc: s},
		"revocations": &revocationList{svc: s},
	}
}

// adminAction records a change made through the admin API as an Event
// (and so in the audit log and the SIEM feed).
func (s *Service) adminAction(action string, fields map[string]string) {
	s.env.log.Info("admin action", "action", action, "target", fields["target"])
	ev := pipeline.Event{Kind: action, Severity: pipeline.SeverityMedium, Message: "admin action", Evidence: fields, Time: time.Now()}
	for _, sink := range s.env.events {
		if s.env.audit != nil && sink == pipeline.EventSink(s.env.audit) {
			continue
		}
		sink.WriteEvent(&ev)
	}
	// The audit log records admin actions as admin records, synchronously:
	// an action the API acknowledged is on disk (per audit.fsync).
	if s.env.audit != nil {
		s.env.audit.Admin(action, fields)
	}
}

// banList is /admin/bans over the store, through the ban guard's helpers so
// keys are normalised exactly as the guard reads them.
type banList struct{ svc *Service }

func (b *banList) List(ctx context.Context, limit int) ([]store.Mark, error) {
	return ban.List(ctx, b.svc.env.store, limit)
}

func (b *banList) Put(ctx context.Context, m store.Mark) (store.Mark, error) {
	m, err := ban.Ban(ctx, b.svc.env.store, m)
	if err == nil {
		b.invalidate(m.Key)
	}
	return m, err
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
		gen.security.banSubject.Invalidate(key)
		if gen.security.bruteforce != nil {
			gen.security.bruteforce.ForgetBan(key)
		}
	}
	for _, s := range b.svc.env.denialBans {
		s.Forget(key)
	}
}

// revocationList is /admin/revocations: keys "jti:<token id>" or
// "sub:<subject>", kept in the store where every replica's authn guard
// checks them.
type revocationList struct{ svc *Service }

func (l *revocationList) revocations() (*authn.Revocations, error) {
	return authn.NewRevocations(l.svc.env.store, nil)
}

func splitRevocationKey(key string) (authn.RevocationKind, string, error) {
	kind, value, ok := strings.Cut(key, ":")
	if !ok || value == "" || len(value) > 512 {
		return "", "", errors.New(`key must be "jti:<token id>" or "sub:<subject>"`)
	}
	k, err := authn.ParseRevocationKind(kind)
	if err != nil {
		return "", "", errors.New(`key must be "jti:<token id>" or "sub:<subject>"`)
	}
	return k, value, nil
}

func (l *revocationList) List(ctx context.Context, limit int) ([]store.Mark, error) {
	r, err := l.revocations()
	if err != nil {
		return nil, err
	}
	var out []store.Mark
	for _, kind := range []string{"jti", "sub"} {
		k, _ := authn.ParseRevocationKind(kind)
		marks, err := r.ListRevocations(ctx, k, limit)
		if err != nil {
			return nil, err
		}
		for _, m := range marks {
			m.Key = kind + ":" + m.Key
			out = append(out, m)
		}
	}
	return out, nil
}

func (l *revocationList) Put(ctx context.Context, m store.Mark) (store.Mark, error) {
	kind, value, err := splitRevocationKey(m.Key)
	if err != nil {
		return m, err
	}
	r, err := l.revocations()
	if err != nil {
		return m, err
	}
	stored := m
	stored.Key = value
	return m, r.Revoke(ctx, kind, stored)
}

func (l *revocationList) Delete(ctx context.Context, key string) (bool, error) {
	kind, value, err := splitRevocationKey(key)
	if err != nil {
		return false, nil
	}
	r, err := l.revocations()
	if err != nil {
		return false, err
	}
	return r.Unrevoke(ctx, kind, value)
}

func (l *revocationList) Validate(key string) error {
	_, _, err := splitRevocationKey(key)
	return err
}
