package authn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

// Revocation namespaces in the shared store.
const (
	// NamespaceRevokedJTI holds revoked JWT ids ("jti").
	NamespaceRevokedJTI = "revoked-jti"
	// NamespaceRevokedSubject holds revoked subjects, refused whatever
	// credential they present.
	NamespaceRevokedSubject = "revoked-sub"
)

// DefaultRevocationTTL is how long a revocation without an end lasts:
// practically forever; Unrevoke lifts it.
const DefaultRevocationTTL = 10 * 365 * 24 * time.Hour

// RevocationChecker is what the guard reads: store.Marks' lookup.
type RevocationChecker interface {
	GetMark(ctx context.Context, ns, key string) (store.Mark, bool, error)
}

// RevocationStore is what Revocations manages: store.Marks.
type RevocationStore interface {
	RevocationChecker
	PutMark(ctx context.Context, ns string, m store.Mark) error
	DeleteMark(ctx context.Context, ns, key string) (bool, error)
	ListMarks(ctx context.Context, ns string, limit int) ([]store.Mark, error)
}

// NonceStore remembers signature nonces: store.Nonces.
type NonceStore interface {
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

var (
	_ RevocationStore = store.Store(nil)
	_ NonceStore      = store.Store(nil)
)

// RevocationKind says what a revocation names.
type RevocationKind string

const (
	// RevokeJTI revokes one token by its "jti".
	RevokeJTI RevocationKind = "jti"
	// RevokeSubject revokes a subject: every credential it presents.
	RevokeSubject RevocationKind = "sub"
)

// ParseRevocationKind parses "jti" or "sub" (also "subject").
func ParseRevocationKind(s string) (RevocationKind, error) {
	switch s {
	case "jti":
		return RevokeJTI, nil
	case "sub", "subject":
		return RevokeSubject, nil
	}
	return "", fmt.Errorf("unknown revocation kind %q (want jti or sub)", s)
}

// Namespace is the store namespace of the kind.
func (k RevocationKind) Namespace() (string, error) {
	switch k {
	case RevokeJTI:
		return NamespaceRevokedJTI, nil
	case RevokeSubject:
		return NamespaceRevokedSubject, nil
	}
	return "", fmt.Errorf("unknown revocation kind %q", string(k))
}

// Revocations manages revocations for the admin API: it writes the marks
// the guard reads.
type Revocations struct {
	store RevocationStore
	now   func() time.Time
}

// NewRevocations returns a manager over s; now nil means time.Now.
func NewRevocations(s RevocationStore, now func() time.Time) (*Revocations, error) {
	if s == nil {
		return nil, errors.New("authn: revocations need a store")
	}
	if now == nil {
		now = time.Now
	}
	return &Revocations{store: s, now: now}, nil
}

// Revoke records m (Key is the jti or subject). Since defaults to now,
// Until to now+DefaultRevocationTTL, Source to "admin".
func (r *Revocations) Revoke(ctx context.Context, kind RevocationKind, m store.Mark) error {
	ns, err := kind.Namespace()
	if err != nil {
		return err
	}
	now := r.now()
	if m.Since.IsZero() {
		m.Since = now
	}
	if m.Until.IsZero() {
		m.Until = now.Add(DefaultRevocationTTL)
	}
	if !m.Until.After(now) {
		return fmt.Errorf("revocation of %q ends in the past", m.Key)
	}
	if m.Source == "" {
		m.Source = "admin"
	}
	if err := store.CheckMark(ns, m); err != nil {
		return err
	}
	if err := r.store.PutMark(ctx, ns, m); err != nil {
		return fmt.Errorf("revoking %s %q: %w", kind, m.Key, err)
	}
	return nil
}

// Unrevoke lifts a revocation and reports whether there was one.
func (r *Revocations) Unrevoke(ctx context.Context, kind RevocationKind, key string) (bool, error) {
	ns, err := kind.Namespace()
	if err != nil {
		return false, err
	}
	ok, err := r.store.DeleteMark(ctx, ns, key)
	if err != nil {
		return false, fmt.Errorf("lifting revocation of %s %q: %w", kind, key, err)
	}
	return ok, nil
}

// ListRevocations returns at most limit live revocations of kind.
func (r *Revocations) ListRevocations(ctx context.Context, kind RevocationKind, limit int) ([]store.Mark, error) {
	ns, err := kind.Namespace()
	if err != nil {
		return nil, err
	}
	marks, err := r.store.ListMarks(ctx, ns, limit)
	if err != nil {
		return nil, fmt.Errorf("listing revocations of %s: %w", kind, err)
	}
	return marks, nil
}
