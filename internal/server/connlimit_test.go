package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestMaxConnsPerIP(t *testing.T) {
	opened := make(chan struct{}, 16)
	closed := make(chan struct{}, 16)
	rejected := make(chan netip.Addr, 16)
	s := startServer(t, Config{
		HTTPAddr:      "127.0.0.1:0",
		MaxConnsPerIP: 2,
		Hooks: Hooks{
			ConnOpened:   func() { opened <- struct{}{} },
			ConnClosed:   func() { closed <- struct{}{} },
			ConnRejected: func(ip netip.Addr) { rejected <- ip },
		},
	}, textHandler("ok"))

	// Two keep-alive connections, each proven accepted by a served request.
	first, second := dialRaw(t, s.HTTPAddr()), dialRaw(t, s.HTTPAddr())
	for _, c := range []net.Conn{first, second} {
		if status := roundTrip(t, c); status != http.StatusOK {
			t.Fatalf("keep-alive request: status %d", status)
		}
	}
	if got := s.OpenConns(); got != 2 {
		t.Errorf("OpenConns = %d, want 2", got)
	}

	// The third is closed by the server without a response.
	third := dialRaw(t, s.HTTPAddr())
	if ip := <-rejected; ip != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("rejected IP = %s, want 127.0.0.1", ip)
	}
	assertClosedByServer(t, third)
	if got := s.RejectedConns(); got != 1 {
		t.Errorf("RejectedConns = %d, want 1", got)
	}

	// Closing one frees a slot for a new connection.
	first.Close()
	<-closed
	fourth := dialRaw(t, s.HTTPAddr())
	if status := roundTrip(t, fourth); status != http.StatusOK {
		t.Fatalf("request after a slot freed: status %d", status)
	}
	if got := s.RejectedConns(); got != 1 {
		t.Errorf("RejectedConns = %d, want still 1", got)
	}
	if n := len(opened); n != 3 {
		t.Errorf("ConnOpened called %d times, want 3", n)
	}

	// Entries leave the map when their count reaches zero.
	second.Close()
	fourth.Close()
	<-closed
	<-closed
	if n := s.conns.trackedIPs(); n != 0 {
		t.Errorf("per-IP map holds %d entries after all closed, want 0", n)
	}
	if got := s.OpenConns(); got != 0 {
		t.Errorf("OpenConns = %d, want 0", got)
	}
}

func TestMaxConnsPerIPUnlimited(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", MaxConnsPerIP: -1}, textHandler("ok"))
	for range 5 {
		if status := roundTrip(t, dialRaw(t, s.HTTPAddr())); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	if got := s.RejectedConns(); got != 0 {
		t.Errorf("RejectedConns = %d, want 0", got)
	}
}

func TestConnCounterReleaseOnce(t *testing.T) {
	c := newConnCounter(1, Hooks{})
	ip := netip.MustParseAddr("192.0.2.1")
	if !c.acquire(ip) {
		t.Fatal("first acquire refused")
	}
	if c.acquire(ip) {
		t.Fatal("second acquire over cap allowed")
	}
	if !c.acquire(netip.MustParseAddr("192.0.2.2")) {
		t.Fatal("other IP refused")
	}
	server, client := net.Pipe()
	defer client.Close()
	tc := &trackedConn{Conn: server, counter: c, ip: ip, counted: true}
	tc.Close()
	tc.Close() // a second Close must not release twice
	if !c.acquire(ip) {
		t.Fatal("acquire after release refused")
	}
	if c.acquire(ip) {
		t.Fatal("double Close released two slots")
	}
}

func TestPeerIPNormalises(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{addr: &net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.1"), Port: 1}, want: "192.0.2.1"},
		{addr: &net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 1, Zone: "eth0"}, want: "fe80::1"},
		{addr: &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 1}, want: "2001:db8::1"},
	}
	for _, tt := range tests {
		got, ok := peerIP(addrConn{remote: tt.addr})
		if !ok || got.String() != tt.want {
			t.Errorf("peerIP(%s) = %s, %v; want %s", tt.addr, got, ok, tt.want)
		}
	}
	if _, ok := peerIP(addrConn{remote: &net.UnixAddr{Name: "/tmp/s", Net: "unix"}}); ok {
		t.Error("peerIP accepted a unix address")
	}
}

// addrConn is a net.Conn that only knows its remote address.
type addrConn struct {
	net.Conn
	remote net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.remote }

// roundTrip sends one keep-alive GET on conn and returns the status.
func roundTrip(t *testing.T, conn net.Conn) int {
	t.Helper()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// assertClosedByServer reads from conn until the server closes it.
func assertClosedByServer(t *testing.T, conn net.Conn) {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, err := conn.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("connection over the cap is still open")
	}
	if n != 0 {
		t.Errorf("read %d bytes from a rejected connection, want none", n)
	}
}

func BenchmarkConnCounter(b *testing.B) {
	c := newConnCounter(DefaultMaxConnsPerIP, Hooks{})
	ip := netip.MustParseAddr("192.0.2.1")
	b.ReportAllocs()
	for b.Loop() {
		if !c.acquire(ip) {
			b.Fatal("refused")
		}
		c.release(ip)
	}
}

func TestConnKeyAggregatesIPv6(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::"},
		{"::1", "::"},
	}
	for _, tt := range tests {
		if got := connKey(netip.MustParseAddr(tt.in)); got != netip.MustParseAddr(tt.want) {
			t.Errorf("connKey(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
