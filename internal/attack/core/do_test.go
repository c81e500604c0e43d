package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawServer answers every connection with the given bytes, then closes it.
func rawServer(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				buf := make([]byte, 4096)
				_, _ = c.Read(buf)
				_, _ = io.WriteString(c, answer)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestGarbageTargetIsAnError(t *testing.T) {
	tests := []struct{ name, answer string }{
		{"not http", "SSH-2.0-OpenSSH_9.6\r\n"},
		{"binary", "\x00\x01\x02\xff\xfe garbage"},
		{"closes at once", ""},
		{"bad status line", "HTTP/1.1 abc\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestScan(t, Config{Target: rawServer(t, tc.answer), Timeout: 2 * time.Second})
			resp, err := s.Do(context.Background(), Request{Path: "/", Check: "c"})
			if err == nil {
				t.Fatalf("garbage answered as %d", resp.Status)
			}
			if resp == nil || resp.Exchange.Error == "" {
				t.Errorf("failed exchange not recorded: %+v", resp)
			}
		})
	}
}

func TestUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := newTestScan(t, Config{Target: "http://" + addr})
	_, err = s.Do(context.Background(), Request{Path: "/", Check: "c"})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v, want connection refused", err)
	}
}

func TestResponseBodyBounded(t *testing.T) {
	target := newCounting(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", 10000)))
	})
	s := newTestScan(t, Config{Target: target.URL, MaxResponseBody: 5000})
	resp, err := s.Do(context.Background(), Request{Path: "/", Check: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Body) != 5000 || len(resp.Exchange.Response.Body) != MaxEvidenceBody || !resp.Exchange.Response.Truncated {
		t.Errorf("body %d, evidence %d truncated %v", len(resp.Body), len(resp.Exchange.Response.Body), resp.Exchange.Response.Truncated)
	}
	resp, err = s.Do(context.Background(), Request{Path: "/", Check: "c", MaxBody: 8000})
	if err != nil || len(resp.Body) != 8000 {
		t.Errorf("MaxBody 8000: got %d bytes, %v", len(resp.Body), err)
	}
}

func TestEvidenceRedactsProfileHeaders(t *testing.T) {
	target := newCounting(t, ok)
	s := newTestScan(t, Config{Target: target.URL, Profiles: []ProfileConfig{
		{Name: "user1", Header: http.Header{"X-Session": {"s3cret-session"}, "Authorization": {"Bearer s3cret-token"}}},
	}})
	resp, err := s.Do(context.Background(), Request{Path: "/", Profile: "user1", Check: "c"})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(resp.Exchange.Request.Header)
	if strings.Contains(got, "s3cret") {
		t.Errorf("evidence holds a secret: %s", got)
	}
	if !strings.Contains(got, "Bearer [redacted]") {
		t.Errorf("evidence %s: want the scheme kept", got)
	}
}

func TestSSRFCanary(t *testing.T) {
	s := newTestScan(t, Config{Target: "http://127.0.0.1:1"})
	c, err := s.Canary()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.Canary()
	if again != c {
		t.Error("Canary started a second listener")
	}
	tok, other := c.NewToken(), c.NewToken()
	if tok == other {
		t.Fatal("NewToken repeats")
	}
	// The "target" fetches the URL, as a vulnerable webhook would.
	for range 2 {
		resp, err := http.Get(c.URL(tok) + "/extra?x=1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if c.Hits(tok) != 2 || c.Hits(other) != 0 {
		t.Errorf("hits %d and %d, want 2 and 0", c.Hits(tok), c.Hits(other))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(c.URL(tok)); err == nil {
		t.Error("the canary still listens after Close")
	}
}

// TestConcurrentDo: checks may share the scan across goroutines; run with
// -race.
func TestConcurrentDo(t *testing.T) {
	api := newTokenAPI(t)
	s := newTestScan(t, Config{Target: api.URL, MaxRequests: 60, CanaryEvery: 7, Profiles: []ProfileConfig{
		{Name: "user1", Login: tokenRecipe(), CanaryPath: "/me"},
	}})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				_, err := s.Do(context.Background(), Request{Path: "/x", Profile: "user1", Check: "c"})
				if errors.Is(err, ErrBudget) {
					return
				}
				s.Cover(fmt.Sprintf("GET /%d/%d", i, j), "c", Tested, "")
			}
		}()
	}
	wg.Wait()
	if s.Sent() != 60 {
		t.Errorf("Sent = %d, want the budget of 60", s.Sent())
	}
	if !s.ProfileWorking("user1") {
		t.Error("profile down under concurrency")
	}
}

func TestNewScanRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no scheme", Config{Target: "example.com"}},
		{"ftp", Config{Target: "ftp://example.com"}},
		{"credentials in URL", Config{Target: "http://u:p@example.com"}},
		{"duplicate profile", Config{Target: "http://x", Profiles: []ProfileConfig{{Name: "a"}, {Name: "a"}}}},
		{"login path", Config{Target: "http://x", Profiles: []ProfileConfig{{Name: "a", Login: &LoginRecipe{Path: "login"}}}}},
		{"pointer", Config{Target: "http://x", Profiles: []ProfileConfig{{Name: "a", Login: &LoginRecipe{Path: "/l", TokenPointer: "token"}}}}},
		{"canary", Config{Target: "http://x", Profiles: []ProfileConfig{{Name: "a", CanaryPath: "me"}}}},
		{"negative rate", Config{Target: "http://x", Rate: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewScan(tc.cfg); err == nil {
				t.Error("accepted")
			}
		})
	}
}

// TestHTTPSTarget: real TLS with the operator's CA; without it the
// certificate is refused, not silently accepted.
func TestHTTPSTarget(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(ok))
	defer srv.Close()
	trusted := srv.Client().Transport.(*http.Transport).TLSClientConfig
	s := newTestScan(t, Config{Target: srv.URL, TLSClientConfig: trusted})
	if resp, err := s.Do(context.Background(), Request{Path: "/", Check: "c"}); err != nil || resp.Status != 200 {
		t.Fatalf("trusted TLS: %v %v", resp, err)
	}
	strict := newTestScan(t, Config{Target: srv.URL})
	if _, err := strict.Do(context.Background(), Request{Path: "/", Check: "c"}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: err = %v", err)
	}
}
