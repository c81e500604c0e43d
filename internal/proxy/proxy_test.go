package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestForwardsToOneUpstream(t *testing.T) {
	up := echoUpstream(t, "a")
	rec := newRecorder()
	front := serveChained(t, newProxy(t, Config{Upstreams: []string{up.URL}}, Options{}), rec)

	res, body := get(t, front.URL+"/hello/world?x=1&y=two")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.StatusCode)
	}
	s := decodeSeen(t, body)
	if s.RequestURI != "/hello/world?x=1&y=two" {
		t.Errorf("upstream saw %q, want /hello/world?x=1&y=two", s.RequestURI)
	}
	if got, want := s.Header["X-Request-Id"], res.Header.Get("X-Request-Id"); len(got) != 1 || got[0] != want || want == "" {
		t.Errorf("upstream X-Request-Id = %q, want the chain's %q", got, want)
	}
	o := rec.nextOutcome(t)
	if o.Status != http.StatusOK || o.Verdict != "allowed" {
		t.Errorf("outcome = %d %s, want 200 allowed", o.Status, o.Verdict)
	}
	if o.Upstream <= 0 || o.Upstream > o.Latency {
		t.Errorf("outcome upstream time = %v (latency %v), want within (0, latency]", o.Upstream, o.Latency)
	}
}

func TestRoundRobin(t *testing.T) {
	names := []string{"a", "b", "c"}
	var urls []string
	for _, n := range names {
		urls = append(urls, echoUpstream(t, n).URL)
	}
	front := httptest.NewServer(newProxy(t, Config{Upstreams: urls}, Options{}))
	t.Cleanup(front.Close)

	var got []string
	for range 6 {
		_, body := get(t, front.URL+"/")
		got = append(got, decodeSeen(t, body).Upstream)
	}
	if want := "a b c a b c"; strings.Join(got, " ") != want {
		t.Errorf("upstreams in order = %v, want %s", got, want)
	}
}

func TestStripPrefix(t *testing.T) {
	plain := echoUpstream(t, "plain")
	tests := []struct {
		name     string
		upstream string
		prefix   string
		path     string
		want     string
	}{
		{"prefix stripped, query kept", plain.URL, "/svc", "/svc/api/x?q=1&r=%20", "/api/x?q=1&r=%20"},
		{"exact prefix becomes root", plain.URL, "/svc", "/svc", "/"},
		{"trailing slash in config", plain.URL, "/svc/", "/svc/api", "/api"},
		{"segment boundary respected", plain.URL, "/svc", "/svcx/api", "/svcx/api"},
		{"other paths unchanged", plain.URL, "/svc", "/other", "/other"},
		{"escaped slash kept", plain.URL, "/svc", "/svc/a%2Fb", "/a%2Fb"},
		{"upstream base path joined", plain.URL + "/base", "/svc", "/svc/api/x", "/base/api/x"},
		{"no prefix", plain.URL, "", "/svc/api", "/svc/api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			front := httptest.NewServer(newProxy(t, Config{Upstreams: []string{tt.upstream}, StripPrefix: tt.prefix}, Options{}))
			defer front.Close()
			_, body := get(t, front.URL+tt.path)
			if got := decodeSeen(t, body).RequestURI; got != tt.want {
				t.Errorf("upstream saw %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHostHeader(t *testing.T) {
	up := echoUpstream(t, "a")
	upHost := strings.TrimPrefix(up.URL, "http://")
	for _, tt := range []struct {
		name     string
		passHost bool
		want     string
	}{
		{"upstream host by default", false, upHost},
		{"client host with PassHost", true, "api.example.test"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			front := httptest.NewServer(newProxy(t, Config{Upstreams: []string{up.URL}, PassHost: tt.passHost}, Options{}))
			defer front.Close()
			req, _ := http.NewRequest(http.MethodGet, front.URL+"/", nil)
			req.Host = "api.example.test"
			_, body := do(t, req)
			s := decodeSeen(t, body)
			if s.Host != tt.want {
				t.Errorf("upstream Host = %q, want %q", s.Host, tt.want)
			}
			if got := s.Header["X-Forwarded-Host"]; len(got) != 1 || got[0] != "api.example.test" {
				t.Errorf("X-Forwarded-Host = %q, want [api.example.test]", got)
			}
		})
	}
}

func TestForwardingHeaders(t *testing.T) {
	up := echoUpstream(t, "a")
	loopback := func(a netip.Addr) bool { return a.IsLoopback() }
	tests := []struct {
		name      string
		trusted   func(netip.Addr) bool
		wantXFF   string
		wantHost  string
		wantProto string
	}{
		// A client's own X-Forwarded-For is a spoofing attempt (CWE-348).
		{"untrusted peer", nil, "127.0.0.1", "front.example", "http"},
		{"peer not in trusted set", func(netip.Addr) bool { return false }, "127.0.0.1", "front.example", "http"},
		{"trusted peer keeps the chain", loopback, "203.0.113.9, 10.0.0.1, 127.0.0.1", "public.example", "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			front := httptest.NewServer(newProxy(t, Config{Upstreams: []string{up.URL}}, Options{TrustedPeer: tt.trusted}))
			defer front.Close()
			req, _ := http.NewRequest(http.MethodGet, front.URL+"/", nil)
			req.Host = "front.example"
			req.Header.Add("X-Forwarded-For", "203.0.113.9")
			req.Header.Add("X-Forwarded-For", "10.0.0.1")
			req.Header.Set("X-Forwarded-Host", "public.example")
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("Forwarded", "for=198.51.100.1")
			_, body := do(t, req)
			h := decodeSeen(t, body).Header
			check := func(name, want string) {
				t.Helper()
				if got := h[name]; len(got) != 1 || got[0] != want {
					t.Errorf("%s = %q, want [%q]", name, got, want)
				}
			}
			check("X-Forwarded-For", tt.wantXFF)
			check("X-Forwarded-Host", tt.wantHost)
			check("X-Forwarded-Proto", tt.wantProto)
			if got, ok := h["Forwarded"]; ok {
				t.Errorf("Forwarded = %q, want it dropped", got)
			}
		})
	}
}

func TestHopByHopHeadersDropped(t *testing.T) {
	up := echoUpstream(t, "a")
	front := httptest.NewServer(newProxy(t, Config{Upstreams: []string{up.URL}}, Options{}))
	defer front.Close()
	req, _ := http.NewRequest(http.MethodGet, front.URL+"/", nil)
	// A client naming X-Forwarded-For as hop-by-hop must not be able to
	// strip headers the proxy adds: Rewrite runs after hop-by-hop removal.
	req.Header.Set("Connection", "X-Secret, X-Forwarded-For")
	req.Header.Set("X-Secret", "hop")
	req.Header.Set("Proxy-Authorization", "Basic Zm9vOmJhcg==")
	_, body := do(t, req)
	h := decodeSeen(t, body).Header
	for _, k := range []string{"X-Secret", "Proxy-Authorization"} {
		if v, ok := h[k]; ok {
			t.Errorf("%s = %q reached the upstream", k, v)
		}
	}
	if got := h["X-Forwarded-For"]; len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want [127.0.0.1]", got)
	}
}

func TestStripPrefixRawPath(t *testing.T) {
	u := &url.URL{Path: "/svc/a/b", RawPath: "/%73vc/a%2Fb"}
	stripPrefix(u, "/svc")
	if u.Path != "/a/b" || u.RawPath != "" {
		t.Errorf("got Path %q RawPath %q, want /a/b and a raw path re-derived", u.Path, u.RawPath)
	}
}
