package ban

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestParseKey(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "203.0.113.7", want: "ip:203.0.113.7"},
		{in: " ip:203.0.113.7 ", want: "ip:203.0.113.7"},
		{in: "::ffff:203.0.113.7", want: "ip:203.0.113.7"},
		{in: "2001:DB8::1", want: "ip:2001:db8::1"},
		{in: "203.0.113.77/24", want: "net:203.0.113.0/24"},
		{in: "net:203.0.113.0/24", want: "net:203.0.113.0/24"},
		{in: "::ffff:203.0.113.0/120", want: "net:203.0.113.0/24"},
		{in: "2001:db8:1:2:3::/64", want: "net:2001:db8:1:2::/64"},
		{in: "sub:alice", want: "sub:alice"},
		{in: "203.0.113.0/16", wantErr: true},
		{in: "2001:db8::/48", wantErr: true},
		{in: "fe80::1%eth0", wantErr: true},
		{in: "ip:example.com", wantErr: true},
		{in: "net:203.0.113.7", wantErr: true},
		{in: "sub:", wantErr: true},
		{in: "sub:a\nb", wantErr: true},
		{in: "sub:" + strings.Repeat("a", 257), wantErr: true},
		{in: "", wantErr: true},
		{in: "mallory", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseKey(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestKeyHelpers(t *testing.T) {
	tests := []struct{ got, want string }{
		{IPKey(mustAddr("::ffff:10.1.2.3")), "ip:10.1.2.3"},
		{NetKey(mustAddr("10.1.2.3")), "net:10.1.2.0/24"},
		{NetKey(mustAddr("2001:db8:a:b:c::1")), "net:2001:db8:a:b::/64"},
		{SubjectKey("alice"), "sub:alice"},
		{KindOf("net:10.1.2.0/24"), KindNet},
		{KindOf("sub:x"), KindSubject},
		{KindOf("ip:1.2.3.4"), KindIP},
		{KindOf("jti:x"), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestBanUnbanList(t *testing.T) {
	c := newClock()
	st, err := store.NewMemory(store.MemoryConfig{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := c.Now()
	m, err := Ban(ctx, st, store.Mark{Key: "2001:db8::1/64", Since: now, Until: now.Add(time.Hour),
		Reason: "enumeration\x1b[31m " + strings.Repeat("é", 200), Source: "detect"})
	if err != nil {
		t.Fatalf("Ban: %v", err)
	}
	if m.Key != "net:2001:db8::/64" || len(m.Reason) > maxReasonLen || strings.ContainsRune(m.Reason, 0x1b) || !strings.HasPrefix(m.Reason, "enumeration [31m") {
		t.Errorf("stored mark = %+v; want a normalised key and a cleaned, bounded reason", m)
	}
	if _, err := Ban(ctx, st, store.Mark{Key: "203.0.113.7", Since: now, Until: now.Add(time.Minute), Source: "admin"}); err != nil {
		t.Fatal(err)
	}
	got, err := List(ctx, st, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("List = %+v, %v; want 2 bans", got, err)
	}
	if ok, err := Unban(ctx, st, "ip:203.0.113.7"); !ok || err != nil {
		t.Errorf("Unban = %v, %v; want true", ok, err)
	}
	if ok, err := Unban(ctx, st, "203.0.113.7"); ok || err != nil {
		t.Errorf("second Unban = %v, %v; want false", ok, err)
	}
	if _, err := Unban(ctx, st, "nonsense"); err == nil {
		t.Error("Unban of an invalid key succeeded")
	}
	c.Advance(time.Hour)
	if got, _ := List(ctx, st, 10); len(got) != 0 {
		t.Errorf("after expiry List = %+v, want none", got)
	}
}

func TestBanValidates(t *testing.T) {
	st, _ := store.NewMemory(store.MemoryConfig{})
	now := time.Now()
	tests := []struct {
		name string
		m    store.Mark
		want string
	}{
		{name: "bad key", m: store.Mark{Key: "x", Since: now, Until: now.Add(time.Hour), Source: "a"}, want: "invalid IP"},
		{name: "no since", m: store.Mark{Key: "1.2.3.4", Until: now.Add(time.Hour), Source: "a"}, want: "start time"},
		{name: "until before since", m: store.Mark{Key: "1.2.3.4", Since: now, Until: now, Source: "a"}, want: "not after"},
		{name: "no source", m: store.Mark{Key: "1.2.3.4", Since: now, Until: now.Add(time.Hour)}, want: "no source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Ban(context.Background(), st, tt.m); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// fullMarks refuses every write, as a full namespace does.
type fullMarks struct{}

func (fullMarks) PutMark(context.Context, string, store.Mark) error { return store.ErrFull }

func TestBanReportsFullStore(t *testing.T) {
	now := time.Now()
	_, err := Ban(context.Background(), fullMarks{}, store.Mark{Key: "1.2.3.4", Since: now, Until: now.Add(time.Hour), Source: "a"})
	if !errors.Is(err, store.ErrFull) {
		t.Errorf("err = %v, want ErrFull wrapped", err)
	}
}

func TestNewEvent(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := NewEvent(store.Mark{Key: "ip:203.0.113.7", Since: now, Until: now.Add(time.Hour), Reason: "stuffing", Source: "bruteforce"})
	if e.Kind != "ban" || e.Client != mustAddr("203.0.113.7") || e.Guard != "bruteforce" || e.Rule != KindIP ||
		e.Evidence["reason"] != "stuffing" || e.Evidence["until"] != "2026-03-01T13:00:00Z" || !e.Time.Equal(now) {
		t.Errorf("event = %+v", e)
	}
	if e := NewEvent(store.Mark{Key: "sub:alice"}); e.Subject != "alice" || e.Client.IsValid() {
		t.Errorf("subject event = %+v", e)
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "ip:::1", "net:10.0.0.0/24", "2001:db8::/64", "sub:alice", "::ffff:1.2.3.0/120",
		"fe80::1%eth0", "sub:\x00", "/", "ip:", "net:/64", "1.2.3.4/33"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if err != nil {
			return
		}
		// Normalised keys are fixed points and have a kind.
		again, err := ParseKey(k)
		if err != nil || again != k {
			t.Fatalf("ParseKey(%q) = %q, which re-parses to %q, %v", s, k, again, err)
		}
		if KindOf(k) == "" {
			t.Fatalf("ParseKey(%q) = %q has no kind", s, k)
		}
		if len(k) > store.MaxMarkKeyLen {
			t.Fatalf("key %q too long for the store", k)
		}
	})
}
