package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

// TestParseDecision: any reply that is not what luaGCRA returns is an
// error.
func TestParseDecision(t *testing.T) {
	good := []any{int64(1), int64(4), int64(0), int64(100_000_000)}
	d, err := parseDecision(good)
	if want := (store.Decision{Allowed: true, Remaining: 4, ResetAfter: 100 * time.Millisecond}); err != nil || d != want {
		t.Errorf("good reply: %+v %v, want %+v", d, err, want)
	}
	if d, err := parseDecision([]any{int64(0), int64(0), int64(-1), int64(0)}); err != nil || d.RetryAfter != store.RetryNever {
		t.Errorf("never: %+v %v", d, err)
	}
	for _, bad := range []any{
		nil, "OK", int64(1), []any{}, []any{int64(1), int64(2), int64(3)},
		[]any{int64(1), int64(4), int64(0), int64(1), int64(5)},
		[]any{"1", int64(4), int64(0), int64(1)},
		[]any{int64(2), int64(4), int64(0), int64(1)},
		[]any{int64(1), int64(-4), int64(0), int64(1)},
		[]any{int64(1), int64(1) << 40, int64(0), int64(1)},
		[]any{int64(0), int64(4), int64(-2), int64(1)},
		[]any{int64(1), int64(4), int64(5), int64(1)},
		[]any{int64(0), int64(4), int64(5), int64(-1)},
		[]any{nil, nil, nil, nil},
	} {
		if d, err := parseDecision(bad); err == nil {
			t.Errorf("parseDecision(%#v) = %+v, want an error", bad, d)
		}
	}
}

func TestParseMarkList(t *testing.T) {
	enc, _ := encodeMark(store.Mark{Reason: "r", Until: time.Unix(2000000000, 5)})
	ms, err := parseMarkList([]any{"k", enc})
	if err != nil || len(ms) != 1 || ms[0].Key != "k" || ms[0].Reason != "r" || ms[0].Until.UnixNano() != 2000000000000000005 || !ms[0].Since.IsZero() {
		t.Errorf("good list: %+v %v", ms, err)
	}
	for _, bad := range []any{nil, "x", []any{"k"}, []any{int64(1), enc}, []any{"k", int64(1)}, []any{"k", "{}"}, []any{"k", "[]"}} {
		if _, err := parseMarkList(bad); err == nil {
			t.Errorf("parseMarkList(%#v): no error", bad)
		}
	}
}

// FuzzDecodeMark: stored marks come from Redis, which others can write:
// decoding never panics, and what decodes re-encodes to the same mark.
func FuzzDecodeMark(f *testing.F) {
	for _, seed := range []string{
		`{"reason":"stuffing","source":"bruteforce","since":1,"until":2}`,
		`{"until":9223372036854775807}`, `{"until":-1}`, `{"until":1e30}`, `{}`, `null`, `[]`, `"x"`, ``,
		`{"reason":"\u0000\ud800","until":5}`, `{"until":5,"until":6}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := decodeMark("key", s)
		if err != nil {
			return
		}
		if m.Until.IsZero() || m.Key != "key" {
			t.Fatalf("decoded %q to %+v", s, m)
		}
		enc, err := encodeMark(m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeMark("key", enc)
		if err != nil || again.Reason != m.Reason || again.Source != m.Source || !again.Until.Equal(m.Until) || !again.Since.Equal(m.Since) {
			t.Fatalf("round trip of %q: %+v then %+v, %v", s, m, again, err)
		}
	})
}

func TestKeyPart(t *testing.T) {
	long := strings.Repeat("a", maxRawKey+1)
	for _, tc := range []struct {
		in     string
		hashed bool
	}{
		{"203.0.113.9", false}, {"user:alice", false}, {strings.Repeat("a", maxRawKey), false},
		{"", true}, {long, true}, {"{x}", true}, {"a}b", true}, {"#abc", true},
	} {
		got := keyPart(tc.in)
		if hashed := strings.HasPrefix(got, "#"); hashed != tc.hashed || (!hashed && got != tc.in) {
			t.Errorf("keyPart(%q) = %q, hashed %v, want hashed %v", tc.in, got, hashed, tc.hashed)
		}
		if strings.ContainsAny(got, "{}") || got == "" || len(got) > maxRawKey {
			t.Errorf("keyPart(%q) = %q: not a safe hash tag", tc.in, got)
		}
	}
	// A client cannot name the hashed form of another client's key.
	if keyPart(keyPart(long)) == keyPart(long) {
		t.Error("the hashed form of a key maps to itself")
	}
}
