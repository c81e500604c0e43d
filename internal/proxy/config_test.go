package proxy

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsBadConfig(t *testing.T) {
	ok := "http://127.0.0.1:9"
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no upstreams", Config{}, "Upstreams: at least one"},
		{"bad scheme", Config{Upstreams: []string{"ftp://127.0.0.1"}}, `Upstreams[0]: upstream URL scheme "ftp"`},
		{"no host", Config{Upstreams: []string{ok, "http://"}}, "Upstreams[1]:"},
		{"relative", Config{Upstreams: []string{"127.0.0.1:8080"}}, "Upstreams[0]:"},
		{"userinfo", Config{Upstreams: []string{"http://admin:s3cret@127.0.0.1"}}, "Upstreams[0]: upstream URL must not contain user info"},
		{"unparsable", Config{Upstreams: []string{"http://a b:s3cret@[::1"}}, "Upstreams[0]: parsing upstream URL"},
		{"duplicate", Config{Upstreams: []string{ok, ok + "/other"}}, "Upstreams[1]: http://127.0.0.1:9 is already Upstreams[0]"},
		{"fragment", Config{Upstreams: []string{ok + "/#x"}}, "Upstreams[0]:"},
		{"prefix without slash", Config{Upstreams: []string{ok}, StripPrefix: "svc"}, "StripPrefix:"},
		{"prefix with dots", Config{Upstreams: []string{ok}, StripPrefix: "/a/../b"}, "StripPrefix:"},
		{"prefix needs escaping", Config{Upstreams: []string{ok}, StripPrefix: "/a b"}, "StripPrefix:"},
		{"negative dial", Config{Upstreams: []string{ok}, DialTimeout: -time.Second}, "DialTimeout: must not be negative"},
		{"negative header timeout", Config{Upstreams: []string{ok}, ResponseHeaderTimeout: -1}, "ResponseHeaderTimeout:"},
		{"negative idle", Config{Upstreams: []string{ok}, IdleConnTimeout: -1}, "IdleConnTimeout:"},
		{"negative eject for", Config{Upstreams: []string{ok}, Health: HealthConfig{EjectFor: -1}}, "Health.EjectFor:"},
		{"negative open timeout", Config{Upstreams: []string{ok}, Breaker: BreakerConfig{OpenTimeout: -1}}, "Breaker.OpenTimeout:"},
		{"negative idle conns", Config{Upstreams: []string{ok}, MaxIdleConnsPerHost: -1}, "MaxIdleConnsPerHost:"},
		{"negative eject after", Config{Upstreams: []string{ok}, Health: HealthConfig{EjectAfter: -2}}, "Health.EjectAfter:"},
		{"negative failures", Config{Upstreams: []string{ok}, Breaker: BreakerConfig{ConsecutiveFailures: -1}}, "Breaker.ConsecutiveFailures:"},
		{"negative half-open", Config{Upstreams: []string{ok}, Breaker: BreakerConfig{HalfOpenMaxRequests: -1}}, "Breaker.HalfOpenMaxRequests:"},
		{"bad strip header", Config{Upstreams: []string{ok}, Hygiene: HygieneConfig{StripHeaders: []string{"X Bad"}}}, "Hygiene.StripHeaders[0]:"},
		{"missing CA file", Config{Upstreams: []string{ok}, CAFile: "/nonexistent/ca.pem"}, "CAFile: reading"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New("orders", tt.cfg, Options{})
			if err == nil {
				t.Fatalf("New succeeded, want error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), `proxy "orders": `) {
				t.Fatalf("error = %q, want it to start with the API name and contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error leaks the URL's password: %q", err)
			}
		})
	}
	if _, err := New("", Config{Upstreams: []string{ok}}, Options{}); err == nil {
		t.Error("New accepted an empty name")
	}
}

func TestDefaults(t *testing.T) {
	s, err := resolve(Config{Upstreams: []string{"http://127.0.0.1:9"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.dialTimeout != 5*time.Second || s.responseHeaderTimeout != 30*time.Second || s.idleConnTimeout != 90*time.Second ||
		s.maxIdleConnsPerHost != 64 || s.ejectAfter != 3 || s.ejectFor != 10*time.Second ||
		!s.breakerEnabled || s.breakerFailures != 5 || s.breakerOpenTimeout != 10*time.Second || s.breakerHalfOpen != 1 ||
		!s.noSniff || !s.maskStackTraces || len(s.stripHeaders) != 4 || s.tls.InsecureSkipVerify || s.passHost {
		t.Errorf("defaults not applied: %+v", s)
	}
	tr := newTransport(s)
	if tr.Proxy != nil || !tr.DisableCompression || tr.ForceAttemptHTTP2 {
		t.Errorf("transport: Proxy set %v, DisableCompression %v, ForceAttemptHTTP2 %v", tr.Proxy != nil, tr.DisableCompression, tr.ForceAttemptHTTP2)
	}
}

func TestUpstreamTLS(t *testing.T) {
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.Proto))
	}))
	up.EnableHTTP2 = true
	up.StartTLS()
	defer up.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: up.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("trusted via CAFile, HTTP/2", func(t *testing.T) {
		front := httptest.NewServer(newProxy(t, Config{Upstreams: []string{up.URL}, CAFile: caFile}, Options{}))
		defer front.Close()
		res, body := get(t, front.URL+"/")
		if res.StatusCode != http.StatusOK || body != "HTTP/2.0" {
			t.Fatalf("got %d %q, want 200 over HTTP/2.0", res.StatusCode, body)
		}
	})
	t.Run("unknown CA is 502", func(t *testing.T) {
		hooks := &errorHooks{}
		front := httptest.NewServer(newProxy(t, Config{Upstreams: []string{up.URL}}, Options{OnUpstreamError: hooks.hook}))
		defer front.Close()
		res, body := get(t, front.URL+"/")
		wantProblem(t, res, body, http.StatusBadGateway, "bad_gateway")
		if hooks.count(KindTLS) != 1 {
			t.Errorf("hooks = %q, want one tls failure", hooks.Calls())
		}
	})
	t.Run("CA file without certificates", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty.pem")
		_ = os.WriteFile(empty, []byte("not a certificate"), 0o600)
		if _, err := New("x", Config{Upstreams: []string{up.URL}, CAFile: empty}, Options{}); err == nil ||
			!strings.Contains(err.Error(), "CAFile:") {
			t.Fatalf("err = %v, want a CAFile error", err)
		}
	})
}
