package pipeline

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// testTrusted are the proxies the tests trust: a private range, an IPv6
// range and one loopback address.
var testTrusted = []string{"10.0.0.0/8", "2001:db8:1::/48", "127.0.0.1"}

func TestClientIPResolve(t *testing.T) {
	tests := []struct {
		name      string
		trusted   []string
		peer      string
		xff       []string // one element per header line
		forwarded []string
		want      string // "" means the zero Addr
	}{
		// Without trusted proxies the headers are attacker-controlled noise.
		{name: "no trusted proxies ignores XFF", peer: "203.0.113.5:1234", xff: []string{"198.51.100.7"}, want: "203.0.113.5"},
		{name: "no trusted proxies ignores Forwarded", peer: "203.0.113.5:1234", forwarded: []string{"for=198.51.100.7"}, want: "203.0.113.5"},
		{name: "untrusted peer spoofing XFF", trusted: testTrusted, peer: "203.0.113.5:1234", xff: []string{"10.0.0.1"}, want: "203.0.113.5"},
		{name: "untrusted IPv6 peer", trusted: testTrusted, peer: "[2001:db8:2::1]:443", xff: []string{"1.1.1.1"}, want: "2001:db8:2::1"},
		{name: "trusted peer without headers", trusted: testTrusted, peer: "10.0.0.1:80", want: "10.0.0.1"},
		{name: "bad RemoteAddr", trusted: testTrusted, peer: "not an address", xff: []string{"198.51.100.7"}, want: ""},
		{name: "RemoteAddr without port", trusted: testTrusted, peer: "10.0.0.1", xff: []string{"198.51.100.7"}, want: "198.51.100.7"},

		{name: "trusted peer, one hop", trusted: testTrusted, peer: "10.0.0.1:80", xff: []string{"198.51.100.7"}, want: "198.51.100.7"},
		{name: "rightmost untrusted hop wins over a spoofed left", trusted: testTrusted, peer: "10.0.0.1:80",
			xff: []string{"1.1.1.1, 198.51.100.7, 10.0.0.2"}, want: "198.51.100.7"},
		{name: "no spaces", trusted: testTrusted, peer: "10.0.0.1:80", xff: []string{"1.1.1.1,198.51.100.7,10.0.0.2"}, want: "198.51.100.7"},
		{name: "multiple header lines read as one list", trusted: testTrusted, peer: "10.0.0.1:80",
			xff: []string{"1.1.1.1", "198.51.100.7, 10.0.0.3"}, want: "198.51.100.7"},
		{name: "client on an earlier line", trusted: testTrusted, peer: "10.0.0.1:80",
			xff: []string{"1.1.1.1, 198.51.100.7", "10.0.0.3", "10.0.0.4"}, want: "198.51.100.7"},
		{name: "hop with port", trusted: testTrusted, peer: "10.0.0.1:80", xff: []string{"198.51.100.7:4711"}, want: "198.51.100.7"},
		{name: "IPv6 hop", trusted: testTrusted, peer: "10.0.0.1:80", xff: []string{"2001:db8:2::9"}, want: "2001:db8:2::9"},
		{name: "bracketed IPv6 hop with port", trusted: testTrusted, peer: "10.0.0.1:80", xff: []string{"[2001:db8:2::9]:443"}, want: "2001:db8:2::9"},
		{name: "IPv6 trusted peer and hops", trusted: testTrusted, peer: "[2001:db8:1::5]:443",
			xff: []string{"198.51.100.7, 2001:db8:1::6"}, want: "198.51.100.7"},
		{name: "IPv4-mapped hop is unmapped", trusted: testTrusted, peer: "10.0.0.1:80", xff: []string{"::ffff:198.51.100.7"}, want: "198.51.100.7"},
		{name: "IPv4-mapped trusted hop is skipped", trusted: testTrusted, peer: "10.0.0.1:80",
			xff: []string{"198.51.100.7, ::ffff:10.0.0.9"}, want: "198.51.100.7"},
		{name: "IPv4-mapped peer is trusted", trusted: testTrusted, peer: "[::ffff:10.0.0.1]:80", xff: []string{"198.51.100.7"}, want: "198.51.100.7"},
		{name: "malformed hop stops at the last trusted hop", trusted: testTrusted, peer: "10.0.0.1:80",
			xff: []string{"198.51.100.7, garbage, 10.0.0.2"}, want: "10.0.0.2"},
		{name: "empty hop stops the walk", trusted: testTrusted, peer: "10.0.0.1:80",
			xff: []string{"198.51.100.7, , 10.0.0.2"}, want: "10.0.0.2"},
		{name: "malformed only hop keeps the peer", trusted: testTrusted, peer: "10.0.0.1:80", xff: []string{"unknown"}, want: "10.0.0.1"},
		{name: "empty XFF keeps the peer", trusted: testTrusted, peer: "10.0.0.1:80", xff: []string{""}, want: "10.0.0.1"},
		{name: "trailing comma stops the walk", trusted: testTrusted, peer: "10.0.0.1:80", xff: []string{"198.51.100.7,"}, want: "10.0.0.1"},
		{name: "all hops trusted returns the leftmost", trusted: testTrusted, peer: "10.0.0.1:80",
			xff: []string{"10.0.0.5, 127.0.0.1, 10.0.0.6"}, want: "10.0.0.5"},
		{name: "XFF wins over Forwarded", trusted: testTrusted, peer: "10.0.0.1:80",
			xff: []string{"198.51.100.7"}, forwarded: []string{"for=192.0.2.99"}, want: "198.51.100.7"},

		{name: "Forwarded fallback", trusted: testTrusted, peer: "10.0.0.1:80",
			forwarded: []string{"for=198.51.100.7;proto=https;by=10.0.0.1"}, want: "198.51.100.7"},
		{name: "Forwarded parameter order and case", trusted: testTrusted, peer: "10.0.0.1:80",
			forwarded: []string{"proto=https; For=198.51.100.7"}, want: "198.51.100.7"},
		{name: "Forwarded quoted IPv6 with port", trusted: testTrusted, peer: "10.0.0.1:80",
			forwarded: []string{`for="[2001:db8:2::9]:8080"`}, want: "2001:db8:2::9"},
		{name: "Forwarded quoted IPv6", trusted: testTrusted, peer: "10.0.0.1:80",
			forwarded: []string{`for="[2001:db8:2::9]"`}, want: "2001:db8:2::9"},
		{name: "Forwarded quoted IPv4 with port", trusted: testTrusted, peer: "10.0.0.1:80",
			forwarded: []string{`for="198.51.100.7:1234"`}, want: "198.51.100.7"},
		{name: "Forwarded multiple elements", trusted: testTrusted, peer: "10.0.0.1:80",
			forwarded: []string{"for=1.1.1.1, for=198.51.100.7;by=10.0.0.1, for=10.0.0.2"}, want: "198.51.100.7"},
		{name: "Forwarded multiple lines", trusted: testTrusted, peer: "10.0.0.1:80",
			forwarded: []string{"for=198.51.100.7", `for="[2001:db8:1::7]"`}, want: "198.51.100.7"},
		{name: "Forwarded obfuscated node stops the walk", trusted: testTrusted, peer: "10.0.0.1:80",
			forwarded: []string{"for=198.51.100.7, for=_hidden, for=10.0.0.2"}, want: "10.0.0.2"},
		{name: "Forwarded unknown", trusted: testTrusted, peer: "10.0.0.1:80", forwarded: []string{"for=unknown"}, want: "10.0.0.1"},
		{name: "Forwarded element without for", trusted: testTrusted, peer: "10.0.0.1:80",
			forwarded: []string{"for=198.51.100.7, proto=https"}, want: "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := NewClientIPResolver(tt.trusted)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.peer
			r.Header["X-Forwarded-For"] = tt.xff
			r.Header["Forwarded"] = tt.forwarded

			got := res.Resolve(r)

			var want netip.Addr
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got != want {
				t.Errorf("Resolve = %v, want %v", got, want)
			}
		})
	}
}

func TestChainUsesClientIPResolver(t *testing.T) {
	res, err := NewClientIPResolver(testTrusted)
	if err != nil {
		t.Fatal(err)
	}
	var inGuard netip.Addr
	g := &funcGuard{name: "ratelimit", check: func(r *http.Request) (*http.Request, error) {
		inGuard = ClientIP(r)
		return r, nil
	}}
	c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: g}}, ClientIP: res})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.0.0.1:5555"
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 198.51.100.7")

	serve(c, r)

	want := netip.MustParseAddr("198.51.100.7")
	if o, _ := snk.only(t); inGuard != want || o.Client != want {
		t.Errorf("guard saw %v, outcome has %v; want %v", inGuard, o.Client, want)
	}
}

func TestNewClientIPResolver(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "10.0.0.0/", "not-an-ip", "", "10.0.0.1:80", "2001:db8::/129", "::1/-1"} {
		if _, err := NewClientIPResolver([]string{"10.0.0.1", bad}); err == nil || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("NewClientIPResolver(%q) error = %v, want an invalid CIDR/IP error", bad, err)
		}
	}
	res, err := NewClientIPResolver([]string{" 10.1.2.3/8 ", "::ffff:192.0.2.1", "2001:db8::1"})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"10.9.9.9": true, "11.0.0.1": false, "192.0.2.1": true, "192.0.2.2": false, "2001:db8::1": true, "2001:db8::2": false,
	} {
		if got := res.Trusted(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Trusted(%s) = %v, want %v", addr, got, want)
		}
	}
	var none *ClientIPResolver
	if none.Trusted(netip.MustParseAddr("10.0.0.1")) {
		t.Error("a nil resolver trusts nothing")
	}
}

func FuzzClientIP(f *testing.F) {
	for _, seed := range [][3]string{
		{"10.0.0.1:80", "198.51.100.7", ""},
		{"10.0.0.1:80", "1.1.1.1, 198.51.100.7, 10.0.0.2", ""},
		{"10.0.0.1:80", "[2001:db8:2::9]:443, ::ffff:10.0.0.9", ""},
		{"10.0.0.1:80", "198.51.100.7, , garbage", ""},
		{"10.0.0.1:80", "", `for="[2001:db8:2::9]:8080", for=10.0.0.2;proto=https`},
		{"[2001:db8:1::5]:443", "", "for=_hidden;by=x, For=unknown"},
		{"[::ffff:10.0.0.1]:80", "fe80::1%eth0", `for="[fe80::1%25eth0]"`},
		{"203.0.113.5:1234", "10.0.0.1", "for=10.0.0.1"},
		{"127.0.0.1:1", ",,,", `for=""""`},
		{"garbage", "1.2.3.4", ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	res, err := NewClientIPResolver(testTrusted)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, remoteAddr, xff, forwarded string) {
		r := &http.Request{RemoteAddr: remoteAddr, Header: http.Header{}}
		if xff != "" {
			// Split on newlines to exercise several header lines.
			r.Header["X-Forwarded-For"] = strings.Split(xff, "\n")
		}
		if forwarded != "" {
			r.Header["Forwarded"] = strings.Split(forwarded, "\n")
		}

		got := res.Resolve(r)

		if got.IsValid() && got != got.Unmap() {
			t.Errorf("Resolve = %v, an IPv4-mapped address; want it unmapped", got)
		}
		if got.IsValid() != (got != netip.Addr{}) {
			t.Errorf("Resolve = %#v is neither valid nor zero", got)
		}
		peer := peerAddr(remoteAddr)
		if !res.Trusted(peer) {
			if got != peer {
				t.Errorf("untrusted peer %v: Resolve = %v, want the peer (headers must be ignored)", peer, got)
			}
			return
		}
		if !got.IsValid() {
			t.Errorf("trusted peer %v: Resolve returned the zero address", peer)
		}
	})
}
