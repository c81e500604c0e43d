package ratelimit

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/rampartsec/rampart/internal/store"
)

// TestGuardWithCost: a route's cost overrides the policy's, so an expensive
// operation drains the shared bucket faster.
func TestGuardWithCost(t *testing.T) {
	st, err := store.NewMemory(store.MemoryConfig{Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Config{Policies: []Policy{{Name: "api", Key: KeySpec{Kind: "ip"}, Limits: limitsOf(perSecond(10, 10))}}},
		Options{Limiter: st})
	if err != nil {
		t.Fatal(err)
	}
	cheap, err := l.Guard("cheap", "api")
	if err != nil {
		t.Fatal(err)
	}
	expensive, err := l.GuardWithCost("expensive", 4, "api")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil).WithContext(context.Background())
	r.RemoteAddr = "192.0.2.1:1234"
	// 10 tokens: two expensive requests (8) and two cheap ones (2) pass.
	for i, g := range []*Guard{expensive, expensive, cheap, cheap} {
		if _, err := g.Check(r); err != nil {
			t.Fatalf("request %d refused: %v", i, err)
		}
	}
	if _, err := cheap.Check(r); err == nil {
		t.Error("the bucket should be empty after 10 units")
	}
	if _, err := l.GuardWithCost("huge", 11, "api"); err == nil {
		t.Error("a cost above the burst was accepted")
	}
}
