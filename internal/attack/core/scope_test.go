package core

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
)

// counting is an httptest server that counts the requests it answers.
type counting struct {
	*httptest.Server
	n atomic.Int64
}

func newCounting(t *testing.T, h http.HandlerFunc) *counting {
	t.Helper()
	c := &counting{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		h(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func newTestScan(t *testing.T, cfg Config) *Scan {
	t.Helper()
	s, err := NewScan(cfg)
	if err != nil {
		t.Fatalf("NewScan: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"ok":true}`)) }

// TestScopeRefusesOutOfScope: a check asking for another host, directly or
// through a redirect, never reaches it.
func TestScopeRefusesOutOfScope(t *testing.T) {
	outside := newCounting(t, ok)
	target := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, outside.URL+"/stolen", http.StatusFound)
		case "/hop":
			http.Redirect(w, r, "/landing", http.StatusFound)
		default:
			ok(w, r)
		}
	})
	s := newTestScan(t, Config{Target: target.URL})
	ctx := context.Background()

	if _, err := s.Do(ctx, Request{URL: outside.URL + "/x", Check: "t"}); !errors.Is(err, ErrOutOfScope) {
		t.Errorf("Do(out of scope URL) err = %v, want ErrOutOfScope", err)
	}
	resp, err := s.Do(ctx, Request{Path: "/away", Check: "t", FollowRedirects: true})
	if err != nil {
		t.Fatalf("Do(/away): %v", err)
	}
	if resp.Status != http.StatusFound {
		t.Errorf("redirect off scope: status %d, want the 302 itself", resp.Status)
	}
	resp, err = s.Do(ctx, Request{Path: "/hop", Check: "t", FollowRedirects: true})
	if err != nil || resp.Status != http.StatusOK {
		t.Errorf("in-scope redirect: status %v err %v, want 200 after following", resp, err)
	}
	resp, err = s.Do(ctx, Request{Path: "/hop", Check: "t"})
	if err != nil || resp.Status != http.StatusFound {
		t.Errorf("redirect without FollowRedirects: want the 302 as is, got %v %v", resp, err)
	}
	if n := outside.n.Load(); n != 0 {
		t.Errorf("out-of-scope server got %d requests, want 0", n)
	}
	if got, want := s.Sent(), 4; got != want {
		t.Errorf("Sent = %d, want %d (the followed redirect counts)", got, want)
	}
}

// TestScopeEnforcedAtDial: the transport itself refuses, whatever builds
// the request.
func TestScopeEnforcedAtDial(t *testing.T) {
	outside := newCounting(t, ok)
	target := newCounting(t, ok)
	s := newTestScan(t, Config{Target: target.URL})
	resp, err := s.client.Get(outside.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("the scan's client reached an out-of-scope host")
	}
	if !errors.Is(err, ErrOutOfScope) {
		t.Errorf("err = %v, want ErrOutOfScope", err)
	}
	if outside.n.Load() != 0 {
		t.Error("out-of-scope server was reached")
	}
}

func TestScopeExtraHosts(t *testing.T) {
	other := newCounting(t, ok)
	target := newCounting(t, ok)
	ou, _ := url.Parse(other.URL)
	tests := []struct {
		name  string
		scope []string
		want  bool
	}{
		{"host and port", []string{ou.Host}, true},
		{"host, any port", []string{ou.Hostname()}, true},
		{"URL", []string{other.URL}, true},
		{"other port", []string{ou.Hostname() + ":1"}, false},
		{"none", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The target and the other server share 127.0.0.1, so an
			// any-port entry for it covers both: that is what it means.
			s := newTestScan(t, Config{Target: target.URL, Scope: tc.scope})
			_, err := s.Do(context.Background(), Request{URL: other.URL + "/", Check: "t"})
			if got := err == nil; got != tc.want {
				t.Errorf("in scope = %v (err %v), want %v", got, err, tc.want)
			}
		})
	}
}

func TestScopeParse(t *testing.T) {
	target, _ := url.Parse("https://API.example.com")
	tests := []struct {
		name    string
		extra   []string
		addr    string
		want    bool
		wantErr bool
	}{
		{name: "target default port", addr: "api.example.com:443", want: true},
		{name: "target other port", addr: "api.example.com:80", want: false},
		{name: "extra any port", extra: []string{"auth.example.com"}, addr: "auth.example.com:8443", want: true},
		{name: "extra fixed port", extra: []string{"auth.example.com:9000"}, addr: "auth.example.com:9001", want: false},
		{name: "ipv6", extra: []string{"[::1]:8080"}, addr: "[::1]:8080", want: true},
		{name: "suffix is not a match", extra: []string{"example.com"}, addr: "evil-example.com:443", want: false},
		{name: "path refused", extra: []string{"example.com/x"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := newScope(target, tc.extra)
			if (err != nil) != tc.wantErr {
				t.Fatalf("newScope err = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if got := sc.allowsAddr(tc.addr); got != tc.want {
				t.Errorf("allowsAddr(%q) = %v, want %v", tc.addr, got, tc.want)
			}
		})
	}
}

// TestNoProxyFromEnvironment: HTTP_PROXY must not divert attack traffic
// (with credentials) to a third party. net/http never proxies loopback, so
// a live test could not fail; check the transport's setting instead.
func TestNoProxyFromEnvironment(t *testing.T) {
	s := newTestScan(t, Config{Target: "http://127.0.0.1:1"})
	tr, isTransport := s.client.Transport.(*http.Transport)
	if !isTransport {
		t.Fatalf("transport is %T", s.client.Transport)
	}
	if tr.Proxy != nil {
		t.Error("the scan's transport uses a proxy function")
	}
}
