package server

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHeaderCapAnswerCarriesHSTS(t *testing.T) {
	s := startServer(t, Config{HTTPSAddr: "127.0.0.1:0", DevTLS: true, MaxHeaderBytes: 1024,
		HSTS: HSTS{Enabled: true, MaxAgeSeconds: 600}}, textHandler("ok"))
	resp, body := tlsHTTP1Exchange(t, s.HTTPSAddr(), poolOf(s), paddedRequest(1025))
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431; body %q", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=600" {
		t.Errorf("431 over HTTPS: Strict-Transport-Security = %q, want max-age=600", got)
	}
}

func TestHeaderCapAppliesToRedirectListener(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0", DevTLS: true,
		RedirectHTTP: true, MaxHeaderBytes: 1024}, textHandler("ok"))
	for _, tt := range []struct {
		size int
		want int
	}{{size: 1024, want: http.StatusPermanentRedirect}, {size: 1025, want: http.StatusRequestHeaderFieldsTooLarge}} {
		conn := dialRaw(t, s.HTTPAddr())
		if _, err := io.WriteString(conn, paddedRequest(tt.size)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%d-byte request: %v", tt.size, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%d-byte request: status %d, want %d", tt.size, resp.StatusCode, tt.want)
		}
	}
}

func TestHeaderCapPassDoesNotAllocate(t *testing.T) {
	h := headerCapHandler{max: 32 << 10, next: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
	r := httptest.NewRequest(http.MethodGet, "/api/v1/users/42", nil)
	r.Header.Set("User-Agent", "test/1.0")
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Authorization", "Bearer "+strings.Repeat("t", 200))
	w := httptest.NewRecorder()
	if allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); allocs != 0 {
		t.Errorf("a request within the cap costs %v allocations, want 0", allocs)
	}
}

func TestNetHTTPHeaderLimit(t *testing.T) {
	if got := netHTTPHeaderLimit(32 << 10); got != 64<<10 {
		t.Errorf("netHTTPHeaderLimit(32 KiB) = %d, want 64 KiB", got)
	}
	if got := netHTTPHeaderLimit(math.MaxInt); got != math.MaxInt {
		t.Errorf("netHTTPHeaderLimit(MaxInt) = %d, want MaxInt (no overflow)", got)
	}
}
