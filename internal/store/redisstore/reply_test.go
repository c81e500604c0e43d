package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

// TestParseDecisions: any reply that is not what luaGCRA returns is an
// error.
func TestParseDecisions(t *testing.T) {
	i := func(n int64) any { return n }
	good := []any{i(1), i(1), i(4), i(0), i(100_000_000)}
	md, err := parseDecisions(good, 1)
	want := store.Decision{Allowed: true, Remaining: 4, ResetAfter: 100 * time.Millisecond}
	if err != nil || !md.Allowed || md.Refused != -1 || len(md.Limits) != 1 || md.Limits[0] != want {
		t.Errorf("good reply: %+v %v, want %+v", md, err, want)
	}
	two := []any{i(0), i(1), i(4), i(0), i(1), i(0), i(0), i(-1), i(5)}
	if md, err := parseDecisions(two, 2); err != nil || md.Allowed || md.Refused != 1 || md.RetryAfter != store.RetryNever {
		t.Errorf("second limit never admits: %+v %v", md, err)
	}
	for _, bad := range []struct {
		v any
		n int
	}{
		{nil, 1}, {"OK", 1}, {i(1), 1}, {[]any{}, 1}, {[]any{i(1), i(1), i(2), i(0)}, 1},
		{good, 2},
		{[]any{i(1), i(1), i(4), i(0), i(1), i(5)}, 1},
		{[]any{"1", i(1), i(4), i(0), i(1)}, 1},
		{[]any{i(1), "1", i(4), i(0), i(1)}, 1},
		{[]any{i(2), i(1), i(4), i(0), i(1)}, 1},
		{[]any{i(1), i(2), i(4), i(0), i(1)}, 1},
		{[]any{i(1), i(1), i(-4), i(0), i(1)}, 1},
		{[]any{i(1), i(1), i(1 << 40), i(0), i(1)}, 1},
		{[]any{i(0), i(0), i(4), i(-2), i(1)}, 1},
		{[]any{i(0), i(0), i(4), i(0), i(1)}, 1}, // refused with no wait
		{[]any{i(1), i(1), i(4), i(5), i(1)}, 1},
		{[]any{i(0), i(0), i(4), i(5), i(-1)}, 1},
		{[]any{nil, nil, nil, nil, nil}, 1},
		// The summary disagrees with the limits.
		{[]any{i(1), i(0), i(4), i(5), i(1)}, 1},
		{[]any{i(0), i(1), i(4), i(0), i(1)}, 1},
		{[]any{i(1), i(1), i(4), i(0), i(1), i(0), i(0), i(5), i(5)}, 2},
	} {
		if md, err := parseDecisions(bad.v, bad.n); err == nil {
			t.Errorf("parseDecisions(%#v, %d) = %+v, want an error", bad.v, bad.n, md)
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
