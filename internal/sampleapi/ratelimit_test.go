package sampleapi

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serveFrom sends one request through the API's handler as the client at
// addr ("203.0.113.5:4000").
func serveFrom(api *API, addr, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = addr
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, req)
	return rec
}

func TestRequestRateLimit(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			clock := newFakeClock()
			api, err := New(Config{Hardened: m.hardened, Now: clock.Now, RequestRate: 2, RequestBurst: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer api.Close()
			const me, other = "203.0.113.5:4000", "198.51.100.7:4000"
			for i := range 3 {
				rec := serveFrom(api, me, "GET", "/api/healthz", "")
				if rec.Code != http.StatusOK {
					t.Fatalf("request %d: %d", i+1, rec.Code)
				}
				if !m.hardened {
					continue
				}
				if got := rec.Header().Get("RateLimit-Policy"); got != `"per-client";q=3;w=2` {
					t.Errorf("RateLimit-Policy %q", got)
				}
				if got, want := rec.Header().Get("RateLimit"), `"per-client";r=`+strconv.Itoa(2-i); !strings.HasPrefix(got, want) {
					t.Errorf("request %d: RateLimit %q, want %s…", i+1, got, want)
				}
			}
			rec := serveFrom(api, me, "GET", "/api/healthz", "")
			if !m.hardened {
				// DELIBERATE FLAW: no limit at all.
				if rec.Code != http.StatusOK || rec.Header().Get("RateLimit-Policy") != "" {
					t.Fatalf("vulnerable: %d %v", rec.Code, rec.Header())
				}
				return
			}
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
				t.Fatalf("over the limit: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			// Every route is limited, the others' clients are not.
			if rec := serveFrom(api, me, "POST", "/api/login", `{"username":"alice","password":"alice-password-1"}`); rec.Code != http.StatusTooManyRequests {
				t.Errorf("login over the limit: %d", rec.Code)
			}
			if rec := serveFrom(api, other, "GET", "/api/healthz", ""); rec.Code != http.StatusOK {
				t.Errorf("another client: %d", rec.Code)
			}
			clock.Advance(500 * time.Millisecond) // one token at 2/s
			if rec := serveFrom(api, me, "GET", "/api/healthz", ""); rec.Code != http.StatusOK {
				t.Errorf("after the refill: %d", rec.Code)
			}
		})
	}
}

func TestLoginFailureThrottle(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			clock := newFakeClock()
			api, err := New(Config{Hardened: m.hardened, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer api.Close()
			const me, other = "203.0.113.5:4000", "[2001:db8::1]:4000"
			// Spraying: one guess each for many accounts, real and not, so
			// no account lockout ever sees five failures.
			users := []string{"alice", "bob", "admin", "mallory", "eve"}
			for i := range 3 * loginFailureBurst {
				body := `{"username":"` + users[i%len(users)] + `","password":"guess"}`
				rec := serveFrom(api, me, "POST", "/api/login", body)
				switch {
				case !m.hardened && rec.Code != http.StatusUnauthorized:
					t.Fatalf("vulnerable, attempt %d: %d", i+1, rec.Code)
				case m.hardened && i < loginFailureBurst && rec.Code != http.StatusUnauthorized:
					t.Fatalf("hardened, attempt %d: %d, want 401", i+1, rec.Code)
				case m.hardened && i >= loginFailureBurst && rec.Code != http.StatusTooManyRequests:
					t.Fatalf("hardened, attempt %d: %d, want 429", i+1, rec.Code)
				}
			}
			right := `{"username":"bob","password":"bob-password-2"}`
			rec := serveFrom(api, me, "POST", "/api/login", right)
			if !m.hardened {
				if rec.Code != http.StatusOK {
					t.Fatalf("vulnerable, right password: %d", rec.Code)
				}
				return
			}
			// The right password is refused too: a throttled answer must
			// not tell a good guess from a bad one.
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "6" {
				t.Fatalf("throttled, right password: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
			}
			if rec := serveFrom(api, other, "POST", "/api/login", right); rec.Code != http.StatusOK {
				t.Errorf("another client: %d", rec.Code)
			}
			clock.Advance(loginFailureEvery)
			if rec := serveFrom(api, me, "POST", "/api/login", right); rec.Code != http.StatusOK {
				t.Errorf("after the refill: %d", rec.Code)
			}
		})
	}
}

func TestClientLimiterIsBounded(t *testing.T) {
	clock := newFakeClock()
	l := newClientLimiter(1, 1, clock.Now)
	first := netip.MustParseAddr("10.0.0.1")
	if ok, _, _ := l.take(first); !ok {
		t.Fatal("first request refused")
	}
	if ok, wait, _ := l.take(first); ok || wait != time.Second {
		t.Fatalf("second request: ok=%v wait=%s, want refused for 1s", ok, wait)
	}
	for i := range maxTrackedClients {
		l.take(netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	if n := len(l.clients); n != maxTrackedClients || l.lru.Len() != n {
		t.Fatalf("%d clients tracked (list %d), want the bound %d", n, l.lru.Len(), maxTrackedClients)
	}
	// The least recently seen client was forgotten: a full bucket again.
	if ok, _, _ := l.take(first); !ok {
		t.Error("evicted client still limited")
	}
}

func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"127.0.0.1:5000", "127.0.0.1"},
		{"[::ffff:127.0.0.1]:5000", "127.0.0.1"},
		{"[2001:db8:1:2:3:4:5:6]:5000", "2001:db8:1:2::"},
		{"[2001:db8:1:2:ffff::1]:1", "2001:db8:1:2::"},
		{"[fe80::1%eth0]:1", "fe80::"},
		{"192.0.2.9", "192.0.2.9"},
		{"not an address", "invalid IP"},
		{"", "invalid IP"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tc.remote
		if got := clientKey(req).String(); got != tc.want {
			t.Errorf("clientKey(%q) = %s, want %s", tc.remote, got, tc.want)
		}
	}
}
