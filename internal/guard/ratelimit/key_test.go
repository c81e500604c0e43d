package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func newRequest(t testing.TB) *http.Request {
	t.Helper()
	return httptest.NewRequest(http.MethodGet, "/", nil)
}

// keyIn derives spec's key value for a request carrying id, from remote,
// inside a real Chain (identity and client address live in its State).
func keyIn(t *testing.T, spec KeySpec, id *pipeline.Identity, remote string, header http.Header) (string, bool) {
	t.Helper()
	var got string
	var ok bool
	capture := &captureGuard{fn: func(r *http.Request) {
		if id != nil {
			pipeline.SetIdentity(r, id)
		}
		v, found := appendKeyValue(nil, &spec, r)
		got, ok = string(v), found
	}}
	chain, err := pipeline.NewChain(pipeline.Options{Stages: []pipeline.Stage{{Guard: capture}},
		Next: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	for k, vs := range header {
		r.Header[k] = vs
	}
	chain.ServeHTTP(httptest.NewRecorder(), r)
	return got, ok
}

type captureGuard struct{ fn func(*http.Request) }

func (g *captureGuard) Name() string { return "capture" }
func (g *captureGuard) Check(r *http.Request) (*http.Request, error) {
	g.fn(r)
	return r, nil
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "#" + hex.EncodeToString(sum[:16])
}

func TestKeyValues(t *testing.T) {
	long := strings.Repeat("a", 65)
	tests := []struct {
		name   string
		spec   KeySpec
		id     *pipeline.Identity
		remote string
		header http.Header
		want   string
		wantOK bool
	}{
		{name: "ipv4", spec: KeySpec{Kind: KindIP}, remote: "203.0.113.7:5555", want: "203.0.113.7", wantOK: true},
		{name: "ipv4-mapped ipv6 is ipv4", spec: KeySpec{Kind: KindIP}, remote: "[::ffff:203.0.113.7]:5555", want: "203.0.113.7", wantOK: true},
		{name: "ipv6 /64", spec: KeySpec{Kind: KindIP}, remote: "[2001:db8:a:b:1:2:3:4]:5555", want: "2001:db8:a:b::/64", wantOK: true},
		{name: "unknown address", spec: KeySpec{Kind: KindIP}, remote: "@", want: "unknown", wantOK: true},
		{name: "subject", spec: KeySpec{Kind: KindIdentity}, id: &pipeline.Identity{Subject: "alice", KeyID: "k1"}, want: "s:alice", wantOK: true},
		{name: "key id", spec: KeySpec{Kind: KindIdentity}, id: &pipeline.Identity{KeyID: "k1"}, want: "k:k1", wantOK: true},
		{name: "empty identity", spec: KeySpec{Kind: KindIdentity}, id: &pipeline.Identity{Method: "mtls"}},
		{name: "no identity", spec: KeySpec{Kind: KindIdentity}},
		{name: "long subject hashed", spec: KeySpec{Kind: KindIdentity}, id: &pipeline.Identity{Subject: long}, want: "s:" + hashOf(long), wantOK: true},
		{name: "subject with space hashed", spec: KeySpec{Kind: KindIdentity}, id: &pipeline.Identity{Subject: "a b"}, want: "s:" + hashOf("a b"), wantOK: true},
		{name: "subject with hash mark hashed", spec: KeySpec{Kind: KindIdentity}, id: &pipeline.Identity{Subject: "#x"}, want: "s:" + hashOf("#x"), wantOK: true},
		{name: "header hashed", spec: KeySpec{Kind: KindHeader, Name: "X-Api-Key"}, header: http.Header{"X-Api-Key": {"sk_live_1", "other"}}, want: hashOf("sk_live_1"), wantOK: true},
		{name: "header missing", spec: KeySpec{Kind: KindHeader, Name: "X-Api-Key"}},
		{name: "header empty", spec: KeySpec{Kind: KindHeader, Name: "X-Api-Key"}, header: http.Header{"X-Api-Key": {""}}},
		{name: "tenant", spec: KeySpec{Kind: KindClaim, Name: "tenant"}, id: &pipeline.Identity{Tenant: "acme"}, want: "acme", wantOK: true},
		{name: "tenant from claims", spec: KeySpec{Kind: KindClaim, Name: "tenant"}, id: &pipeline.Identity{Claims: map[string]any{"tenant": "acme"}}, want: "acme", wantOK: true},
		{name: "number claim", spec: KeySpec{Kind: KindClaim, Name: "org"}, id: &pipeline.Identity{Claims: map[string]any{"org": float64(42)}}, want: "42", wantOK: true},
		{name: "json number claim", spec: KeySpec{Kind: KindClaim, Name: "org"}, id: &pipeline.Identity{Claims: map[string]any{"org": json.Number("7")}}, want: "7", wantOK: true},
		{name: "int claim", spec: KeySpec{Kind: KindClaim, Name: "org"}, id: &pipeline.Identity{Claims: map[string]any{"org": 7}}, want: "7", wantOK: true},
		{name: "bool claim", spec: KeySpec{Kind: KindClaim, Name: "beta"}, id: &pipeline.Identity{Claims: map[string]any{"beta": true}}, want: "true", wantOK: true},
		{name: "object claim skipped", spec: KeySpec{Kind: KindClaim, Name: "org"}, id: &pipeline.Identity{Claims: map[string]any{"org": map[string]any{}}}},
		{name: "missing claim", spec: KeySpec{Kind: KindClaim, Name: "org"}, id: &pipeline.Identity{Subject: "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remote := tt.remote
			if remote == "" {
				remote = "192.0.2.1:1"
			}
			got, ok := keyIn(t, tt.spec, tt.id, remote, tt.header)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("key = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestClientKeyOfOddAddresses(t *testing.T) {
	if got := string(appendClientKey(nil, netip.Addr{})); got != unknownClient {
		t.Errorf("zero address = %q", got)
	}
	if got := string(appendClientKey(nil, netip.MustParseAddr("fe80::1%eth0"))); got != "fe80::/64" {
		t.Errorf("zoned address = %q, want the zone dropped", got)
	}
}

// validKeyValue reports whether v is a key value the store may hold:
// printable ASCII without spaces, short.
func validKeyValue(v string) bool {
	if v == "" || len(v) > 2+maxRawValue {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return false
		}
	}
	return true
}

func FuzzKeyValue(f *testing.F) {
	for _, s := range []string{"alice", "", "a b", "#abc", strings.Repeat("x", 300), "\x00\xff", "ünïcode", "k:1", "s:alice"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, value, claim string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["X-Key"] = []string{value}
		spec := KeySpec{Kind: KindHeader, Name: "X-Key"}
		h, ok := appendKeyValue(nil, &spec, r)
		if value == "" {
			if ok {
				t.Fatalf("empty header gave key %q", h)
			}
		} else if string(h) != hashOf(value) {
			t.Fatalf("header %q gave %q, want its hash", value, h)
		}

		safe := string(appendSafeValue(nil, value))
		if value != "" && !validKeyValue(safe) {
			t.Fatalf("value %q gave unsafe key %q", value, safe)
		}
		if safe != value && safe != hashOf(value) {
			t.Fatalf("value %q gave %q: neither itself nor its hash", value, safe)
		}
		// A raw value never looks like a hash, so the two cannot collide.
		if safe == value && strings.HasPrefix(value, "#") {
			t.Fatalf("raw value %q starts with the hash mark", value)
		}
		if got := string(appendSafeValue(nil, []byte(value))); got != safe {
			t.Fatalf("[]byte and string forms differ: %q vs %q", got, safe)
		}

		id := &pipeline.Identity{Tenant: value, Claims: map[string]any{"c": claim}}
		for _, name := range []string{"tenant", "c"} {
			v, ok := appendClaim(nil, id, name)
			if ok && !validKeyValue(string(v)) {
				t.Fatalf("claim %s of %q/%q gave unsafe key %q", name, value, claim, v)
			}
		}
	})
}
