package objects

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

func TestMarkKey(t *testing.T) {
	tests := []struct {
		name    string
		id      pipeline.Identity
		object  string
		want    string
		prefix  string // when want is "" (hashed parts)
		notWant string
	}{
		{name: "plain", id: pipeline.Identity{Subject: "alice"}, object: "7", want: "item:alice:7"},
		{name: "email", id: pipeline.Identity{Subject: "a.b+c@example.com"}, object: "x", want: "item:a.b+c@example.com:x"},
		{name: "auth0", id: pipeline.Identity{Subject: "auth0|123"}, object: "x", want: "item:auth0|123:x"},
		{name: "tenant", id: pipeline.Identity{Subject: "alice", Tenant: "acme"}, object: "7", want: "item:acme/alice:7"},
		{name: "colon in id", id: pipeline.Identity{Subject: "alice"}, object: "a:b", want: "item:alice:a:b"},
		{name: "colon in subject", id: pipeline.Identity{Subject: "a:b"}, object: "c", prefix: "item:#", notWant: "a:b"},
		{name: "long subject", id: pipeline.Identity{Subject: strings.Repeat("s", 200)}, object: "1", prefix: "item:#"},
		{name: "hash-like id", id: pipeline.Identity{Subject: "alice"}, object: "#abc", prefix: "item:alice:#", notWant: "abc"},
		{name: "control id", id: pipeline.Identity{Subject: "alice"}, object: "a\nb", prefix: "item:alice:#"},
		{name: "long id", id: pipeline.Identity{Subject: "alice"}, object: strings.Repeat("9", 5000), prefix: "item:alice:#"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := markKey("item", &tt.id, tt.object)
			switch {
			case tt.want != "" && got != tt.want:
				t.Fatalf("markKey = %q, want %q", got, tt.want)
			case tt.prefix != "" && !strings.HasPrefix(got, tt.prefix):
				t.Fatalf("markKey = %q, want prefix %q", got, tt.prefix)
			case tt.notWant != "" && strings.Contains(got, tt.notWant):
				t.Fatalf("markKey = %q contains %q", got, tt.notWant)
			case len(got) > store.MaxMarkKeyLen:
				t.Fatalf("markKey is %d bytes, over the store's bound", len(got))
			}
		})
	}
}

// Keys that could be confused must differ.
func TestMarkKeysDoNotCollide(t *testing.T) {
	pairs := []struct {
		a, b   pipeline.Identity
		ia, ib string
	}{
		{pipeline.Identity{Subject: "a:b"}, pipeline.Identity{Subject: "a"}, "c", "b:c"},
		{pipeline.Identity{Subject: "b", Tenant: "a"}, pipeline.Identity{Subject: "a/b"}, "1", "1"},
		{pipeline.Identity{Subject: "bc", Tenant: "a"}, pipeline.Identity{Subject: "c", Tenant: "ab"}, "1", "1"},
		{pipeline.Identity{Subject: "alice"}, pipeline.Identity{Subject: "alice"}, "#" + strings.Repeat("0", 32), strings.Repeat("9", 200)},
		{pipeline.Identity{Subject: strings.Repeat("x", 97)}, pipeline.Identity{Subject: strings.Repeat("x", 98)}, "1", "1"},
	}
	for _, p := range pairs {
		if ka, kb := markKey("item", &p.a, p.ia), markKey("item", &p.b, p.ib); ka == kb {
			t.Errorf("%+v/%q and %+v/%q share the key %q", p.a, p.ia, p.b, p.ib, ka)
		}
	}
}
