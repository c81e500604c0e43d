package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMemoryMarks(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	now := clock.Now()
	ban := Mark{Key: "198.51.100.7", Reason: "credential stuffing", Source: "bruteforce", Since: now, Until: now.Add(time.Hour)}
	if err := m.PutMark(ctx, "ban", ban); err != nil {
		t.Fatal(err)
	}
	got, ok, err := m.GetMark(ctx, "ban", ban.Key)
	if err != nil || !ok || got != ban {
		t.Fatalf("GetMark: got %+v %v %v, want %+v", got, ok, err, ban)
	}
	if _, ok, _ := m.GetMark(ctx, "revoked-jti", ban.Key); ok {
		t.Error("mark visible in another namespace")
	}
	if _, ok, _ := m.GetMark(ctx, "ban", "198.51.100.8"); ok {
		t.Error("mark found for another key")
	}
	clock.Advance(time.Hour)
	if _, ok, _ := m.GetMark(ctx, "ban", ban.Key); ok {
		t.Error("expired mark returned")
	}
	if ok, _ := m.DeleteMark(ctx, "ban", ban.Key); ok {
		t.Error("DeleteMark reported an expired mark as there")
	}
}

func TestMemoryMarkReplaceAndDelete(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	now := clock.Now()
	_ = m.PutMark(ctx, "ban", Mark{Key: "k", Reason: "first", Until: now.Add(time.Minute)})
	_ = m.PutMark(ctx, "ban", Mark{Key: "k", Reason: "extended", Until: now.Add(time.Hour)})
	if got, _, _ := m.GetMark(ctx, "ban", "k"); got.Reason != "extended" {
		t.Errorf("reason %q, want the replacement", got.Reason)
	}
	// A mark that has already ended lifts the old one.
	if err := m.PutMark(ctx, "ban", Mark{Key: "k", Until: now}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := m.GetMark(ctx, "ban", "k"); ok {
		t.Error("mark survived a put with a past Until")
	}
	_ = m.PutMark(ctx, "ban", Mark{Key: "k", Until: now.Add(time.Hour)})
	if ok, err := m.DeleteMark(ctx, "ban", "k"); !ok || err != nil {
		t.Errorf("DeleteMark: %v %v, want true", ok, err)
	}
	if ok, _ := m.DeleteMark(ctx, "ban", "k"); ok {
		t.Error("second DeleteMark reported a mark")
	}
	if ok, _ := m.DeleteMark(ctx, "never-used", "k"); ok {
		t.Error("DeleteMark in an unused namespace reported a mark")
	}
}

func TestMemoryListMarks(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	now := clock.Now()
	for i, d := range []time.Duration{3, 1, 5, 2, 4} {
		_ = m.PutMark(ctx, "ban", Mark{Key: fmt.Sprint("k", i), Until: now.Add(d * time.Minute)})
	}
	_ = m.PutMark(ctx, "other", Mark{Key: "x", Until: now.Add(time.Hour)})
	keys := func(ms []Mark) string {
		var ks []string
		for _, m := range ms {
			ks = append(ks, m.Key)
		}
		return strings.Join(ks, ",")
	}
	for _, tc := range []struct {
		name    string
		advance time.Duration
		limit   int
		want    string
	}{
		{"all, latest first", 0, 0, "k2,k4,k0,k3,k1"},
		{"limited", 0, 2, "k2,k4"},
		{"expired ones gone", 150 * time.Second, 10, "k2,k4,k0"},
	} {
		clock.Advance(tc.advance)
		got, err := m.ListMarks(ctx, "ban", tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if keys(got) != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, keys(got), tc.want)
		}
	}
	if got, _ := m.ListMarks(ctx, "unused", 10); len(got) != 0 {
		t.Errorf("unused namespace: %v", got)
	}
	same := []Mark{{Key: "a", Until: now}, {Key: "c", Until: now}, {Key: "b", Until: now}}
	SortMarks(same)
	if keys(same) != "c,b,a" {
		t.Errorf("ties: got %s, want keys descending", keys(same))
	}
}

// TestMemoryMarksFullRefusesNewBans: filling a namespace (an attacker
// getting many throwaway addresses banned) never evicts an existing ban.
func TestMemoryMarksFullRefusesNewBans(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{MaxMarks: 64})
	now := clock.Now()
	stored := 0
	var full error
	for i := range 1000 {
		err := m.PutMark(ctx, "ban", Mark{Key: fmt.Sprint("flood-", i), Until: now.Add(time.Hour)})
		if err == nil {
			stored++
		} else {
			full = err
		}
	}
	if !errors.Is(full, ErrFull) {
		t.Fatalf("flooding a full namespace: %v, want ErrFull", full)
	}
	if stored != 64 {
		t.Errorf("stored %d marks, want exactly the capacity 64", stored)
	}
	list, _ := m.ListMarks(ctx, "ban", 0)
	if len(list) != stored {
		t.Errorf("%d marks listed, %d stored: a ban was evicted", len(list), stored)
	}
	// Another namespace has its own capacity.
	if err := m.PutMark(ctx, "revoked-jti", Mark{Key: "jti", Until: now.Add(time.Hour)}); err != nil {
		t.Errorf("other namespace: %v", err)
	}
	// Room comes back when bans expire.
	clock.Advance(time.Hour)
	if err := m.PutMark(ctx, "ban", Mark{Key: "new", Until: clock.Now().Add(time.Hour)}); err != nil {
		t.Errorf("after expiry: %v", err)
	}
}

func TestMarkValidation(t *testing.T) {
	m, clock := newTestMemory(t, MemoryConfig{})
	until := clock.Now().Add(time.Hour)
	long := strings.Repeat("x", 2000)
	for _, tc := range []struct {
		name string
		ns   string
		mark Mark
	}{
		{"empty namespace", "", Mark{Key: "k", Until: until}},
		{"brace in namespace", "ban}", Mark{Key: "k", Until: until}},
		{"empty key", "ban", Mark{Until: until}},
		{"long key", "ban", Mark{Key: long, Until: until}},
		{"long reason", "ban", Mark{Key: "k", Reason: long, Until: until}},
		{"long source", "ban", Mark{Key: "k", Source: long, Until: until}},
		{"no until", "ban", Mark{Key: "k"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := m.PutMark(ctx, tc.ns, tc.mark); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, _, err := m.GetMark(ctx, "", "k"); err == nil {
		t.Error("GetMark with empty namespace: no error")
	}
	if _, err := m.ListMarks(ctx, "{", 1); err == nil {
		t.Error("ListMarks with a brace namespace: no error")
	}
	for i := range maxNamespaces + 1 {
		err := m.PutMark(ctx, fmt.Sprint("ns", i), Mark{Key: "k", Until: until})
		if (err != nil) != (i == maxNamespaces) {
			t.Errorf("namespace %d: %v", i, err)
		}
	}
}
