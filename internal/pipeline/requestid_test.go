package pipeline

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// generatedID is the shape of a minted id: a base32hex per-chain prefix and
// a base-36 counter.
var generatedID = regexp.MustCompile(`^[0-9A-V]{16}-[0-9a-z]+$`)

func TestRequestIDIncomingValidIsKept(t *testing.T) {
	for _, id := range []string{
		"3f2b9c1e-8d4a-4c6b-9e0f-1a2b3c4d5e6f",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"a",
		"trace:1.2_3-4",
		strings.Repeat("x", maxRequestIDLen),
	} {
		t.Run(id, func(t *testing.T) {
			deny := &funcGuard{name: "deny", check: func(*http.Request) (*http.Request, error) {
				return nil, &Denial{Status: http.StatusForbidden, Code: "forbidden"}
			}}
			c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: deny}}})
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("X-Request-ID", id)

			rec := serve(c, r)

			if got := rec.Header().Get("X-Request-Id"); got != id {
				t.Errorf("echoed X-Request-Id = %q, want %q", got, id)
			}
			if p := decodeProblem(t, rec.Header(), rec.Body.Bytes()); p.RequestID != id {
				t.Errorf("problem request_id = %q, want %q", p.RequestID, id)
			}
			if o, _ := snk.only(t); o.RequestID != id {
				t.Errorf("outcome request id = %q, want %q", o.RequestID, id)
			}
		})
	}
}

func TestRequestIDIncomingInvalidIsReplaced(t *testing.T) {
	tests := []struct{ name, id string }{
		{"too long", strings.Repeat("x", maxRequestIDLen+1)},
		{"space", "abc def"},
		{"newline (log injection)", "abc\nlevel=error msg=forged"},
		{"carriage return", "abc\r\nSet-Cookie: x=1"},
		{"non-ASCII", "réquest"},
		{"markup", "<script>alert(1)</script>"},
		{"quote", `a"b`},
		{"slash", "a/b"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, snk := newTestChain(t, Options{})
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header["X-Request-Id"] = []string{tt.id}

			rec := serve(c, r)

			got := rec.Header().Get("X-Request-Id")
			if got == tt.id || !generatedID.MatchString(got) {
				t.Errorf("X-Request-Id = %q; want a generated id replacing %q", got, tt.id)
			}
			if o, _ := snk.only(t); o.RequestID != got {
				t.Errorf("outcome id %q differs from the echoed %q", o.RequestID, got)
			}
		})
	}
}

func TestRequestIDsAreUnique(t *testing.T) {
	const perChain, workers = 2000, 4
	a, _ := newTestChain(t, Options{})
	b, _ := newTestChain(t, Options{})
	prefix := func(id string) string { return id[:strings.IndexByte(id, '-')+1] }

	var mu sync.Mutex
	seen := make(map[string]bool, 2*perChain)
	prefixes := map[*Chain]map[string]bool{a: {}, b: {}}
	var wg sync.WaitGroup
	for _, c := range []*Chain{a, b} {
		for range workers {
			wg.Go(func() {
				for range perChain / workers {
					rec := serve(c, httptest.NewRequest(http.MethodGet, "/", nil))
					id := rec.Header().Get("X-Request-Id")
					mu.Lock()
					if seen[id] || !generatedID.MatchString(id) {
						t.Errorf("id %q repeated or malformed", id)
					}
					seen[id] = true
					prefixes[c][prefix(id)] = true
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()

	if len(seen) != 2*perChain {
		t.Errorf("got %d distinct ids, want %d", len(seen), 2*perChain)
	}
	if len(prefixes[a]) != 1 || len(prefixes[b]) != 1 {
		t.Fatalf("prefixes a=%v b=%v; want one per chain", prefixes[a], prefixes[b])
	}
	for p := range prefixes[a] {
		if prefixes[b][p] {
			t.Errorf("two chains share the id prefix %q", p)
		}
	}
}

func TestValidRequestID(t *testing.T) {
	for id, want := range map[string]bool{
		"abc": true, "A-Z_0.9:x": true, strings.Repeat("1", 64): true,
		"": false, strings.Repeat("1", 65): false, "a b": false, "a\tb": false, "a\x00b": false, "ü": false, "a+b": false,
	} {
		if got := validRequestID(id); got != want {
			t.Errorf("validRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}
