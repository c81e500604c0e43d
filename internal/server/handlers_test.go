package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRedirectTarget feeds arbitrary Host headers and paths to the
// redirect builder: it must never panic, and every Location it produces
// must be an https URL whose host is exactly the validated Host header
// host (no userinfo or path smuggled into the authority).
func FuzzRedirectTarget(f *testing.F) {
	for _, h := range []string{"example.com", "example.com:80", "[::1]:80", "[::1]", "127.0.0.1", "",
		"evil@good", "evil/x", `a\b`, "[fe80::1%25eth0]", "a:b:c", "xn--bcher-kva.example", "[", "]:80"} {
		f.Add(h, "/a/b", "q=1", true)
	}
	f.Add("h", "//evil.example", "", false)
	f.Add("h", "/%2F%2Fevil", "x=%0d%0a", false)
	f.Fuzz(func(t *testing.T, host, path, query string, defaultPort bool) {
		port := "8443"
		if defaultPort {
			port = "443"
		}
		// Path and query arrive as net/http parsed them from the request
		// line, which rejects control characters.
		escaped := (&url.URL{Path: path}).EscapedPath()
		reqURI, err := url.ParseRequestURI("/?" + query)
		if err != nil {
			return
		}
		target, ok := redirectTarget(host, "192.0.2.1", port, escaped, reqURI.RawQuery)
		if !ok {
			return
		}
		u, err := url.Parse(target)
		if err != nil {
			t.Fatalf("redirectTarget(%q) = %q, unparsable: %v", host, target, err)
		}
		if u.Scheme != "https" || u.User != nil || u.Opaque != "" {
			t.Fatalf("redirectTarget(%q) = %q: bad scheme/userinfo/opaque", host, target)
		}
		if !validRedirectHost(u.Hostname()) {
			t.Fatalf("redirectTarget(%q) = %q: host %q not a plain name or IP", host, target, u.Hostname())
		}
		if !strings.Contains(strings.ToLower(host), strings.ToLower(u.Hostname())) && u.Hostname() != "192.0.2.1" {
			t.Fatalf("redirectTarget(%q) = %q: host not taken from the Host header", host, target)
		}
		wantPort := port
		if defaultPort {
			wantPort = ""
		}
		if u.Port() != wantPort {
			t.Fatalf("redirectTarget(%q) = %q: port %q, want %q", host, target, u.Port(), wantPort)
		}
	})
}

func TestRedirectHandlerRejectsBadHost(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	r.Host = "evil.example@good.example"
	w := httptest.NewRecorder()
	redirectHandler{httpsPort: "8443"}.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", w.Code)
	}
	if loc := w.Header().Get("Location"); loc != "" {
		t.Errorf("Location = %q, want none", loc)
	}
}

func BenchmarkHandlerDispatch(b *testing.B) {
	var sw handlerSwitch
	sw.store(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	h := hstsHandler{value: HSTS{MaxAgeSeconds: DefaultHSTSMaxAge, IncludeSubDomains: true}.value(), next: &sw}
	r := httptest.NewRequest(http.MethodGet, "/api/users/42", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
