package authn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rampartsec/rampart/internal/store"
)

func TestRevocation(t *testing.T) {
	clock := newClock()
	k := sharedKeys()
	st := newMemoryStore(t, clock)
	apiKey, hash := mustGenerate(t, "svc")
	a := mustNew(t, Config{
		APIKeys: APIKeyConfig{Keys: []APIKey{{ID: "svc", Hashes: []string{hash}, Subject: "alice"}}},
		JWT: JWTConfig{Issuers: []Issuer{{Issuer: testIssuer, Audiences: []string{testAudience}, Algorithms: []string{"EdDSA"},
			Keys: []StaticKey{{ID: "ed1", Key: k.ed}}}}},
	}, Options{Now: clock.Now, Revocations: st})
	gw := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodJWT, MethodAPIKey}}), nil)
	rev, err := NewRevocations(st, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bearer := func(claims jwt.MapClaims) result {
		req := gw.request(t, http.MethodGet, "/", "")
		req.Header.Set("Authorization", "Bearer "+mint(t, jwt.SigningMethodEdDSA, k.ed, "ed1", claims))
		return gw.do(t, nil, req)
	}
	withKey := func() result {
		req := gw.request(t, http.MethodGet, "/", "")
		req.Header.Set("X-API-Key", apiKey)
		return gw.do(t, nil, req)
	}
	c1 := with(baseClaims(clock), "jti", "token-1")
	c2 := with(baseClaims(clock), "jti", "token-2", "sub", "bob")

	wantAllowed(t, bearer(c1), "alice")
	if err := rev.Revoke(ctx, RevokeJTI, store.Mark{Key: "token-1", Reason: "leaked in a ticket"}); err != nil {
		t.Fatal(err)
	}
	wantDenied(t, bearer(c1), RuleJWTRevoked)
	wantAllowed(t, bearer(c2), "bob")

	if err := rev.Revoke(ctx, RevokeSubject, store.Mark{Key: "bob", Until: clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	wantDenied(t, bearer(c2), RuleSubjectRevoked)
	if err := rev.Revoke(ctx, RevokeSubject, store.Mark{Key: "alice"}); err != nil {
		t.Fatal(err)
	}
	wantDenied(t, withKey(), RuleSubjectRevoked) // every credential of the subject

	marks, err := rev.ListRevocations(ctx, RevokeSubject, 10)
	if err != nil || len(marks) != 2 {
		t.Fatalf("ListRevocations = %v, %v; want 2 marks", marks, err)
	}
	for _, m := range marks {
		if m.Source != "admin" || m.Since.IsZero() {
			t.Errorf("mark %+v lacks defaults", m)
		}
	}
	if ok, err := rev.Unrevoke(ctx, RevokeSubject, "alice"); !ok || err != nil {
		t.Fatalf("Unrevoke = %v, %v", ok, err)
	}
	wantAllowed(t, withKey(), "alice")
	clock.Advance(2 * time.Hour) // bob's revocation ends
	wantAllowed(t, bearer(with(baseClaims(clock), "sub", "bob")), "bob")

	if err := rev.Revoke(ctx, "session", store.Mark{Key: "x"}); err == nil {
		t.Error("unknown kind accepted")
	}
	if err := rev.Revoke(ctx, RevokeJTI, store.Mark{Key: ""}); err == nil {
		t.Error("empty key accepted")
	}
	if err := rev.Revoke(ctx, RevokeJTI, store.Mark{Key: "x", Until: clock.Now().Add(-time.Second)}); err == nil {
		t.Error("revocation ending in the past accepted")
	}
	for in, want := range map[string]RevocationKind{"jti": RevokeJTI, "sub": RevokeSubject, "subject": RevokeSubject} {
		if got, err := ParseRevocationKind(in); err != nil || got != want {
			t.Errorf("ParseRevocationKind(%q) = %q, %v", in, got, err)
		}
	}
}

// brokenStore fails every call, like an unreachable Redis.
type brokenStore struct{}

func (brokenStore) GetMark(context.Context, string, string) (store.Mark, bool, error) {
	return store.Mark{}, false, fmt.Errorf("dial redis: %w", store.ErrUnavailable)
}

func (brokenStore) FirstSeen(context.Context, string, time.Duration) (bool, error) {
	return false, fmt.Errorf("dial redis: %w", store.ErrUnavailable)
}

func TestStoreFailureModes(t *testing.T) {
	key, hash := mustGenerate(t, "svc")
	for _, open := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail open %v", open), func(t *testing.T) {
			var reported atomic.Int64
			a := mustNew(t, Config{StoreFailOpen: open, APIKeys: APIKeyConfig{Keys: []APIKey{{ID: "svc", Hashes: []string{hash}}}}},
				Options{Revocations: brokenStore{}, Hooks: Hooks{StoreError: func(op string, err error) {
					if op == "revocation" && errors.Is(err, store.ErrUnavailable) {
						reported.Add(1)
					}
				}}})
			gw := newGateway(t, mustGuard(t, a, Policy{Methods: []Method{MethodAPIKey}}), nil)
			req := gw.request(t, http.MethodGet, "/", "")
			req.Header.Set("X-API-Key", key)
			res := gw.do(t, nil, req)
			want := http.StatusInternalServerError
			if open {
				want = http.StatusOK
			}
			if res.status != want {
				t.Fatalf("status %d, want %d", res.status, want)
			}
			if reported.Load() != 1 {
				t.Errorf("store error reported %d times", reported.Load())
			}
		})
	}
}
