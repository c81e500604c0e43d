package server

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// connCounter counts open connections per client IP, shared by the
// listeners of one Server so a client cannot double its budget by using
// both. The map only holds IPs with at least one open connection, so its
// size is bounded by the number of open sockets (which the OS bounds).
type connCounter struct {
	max   int // <= 0: unlimited (counts are still kept for the hooks' sake)
	hooks Hooks

	rejected atomic.Uint64
	open     atomic.Int64

	mu    sync.Mutex
	perIP map[netip.Addr]int
}

func newConnCounter(maxPerIP int, hooks Hooks) *connCounter {
	return &connCounter{max: maxPerIP, hooks: hooks, perIP: make(map[netip.Addr]int)}
}

// acquire records a new connection from ip and reports whether it is
// within the cap.
func (c *connCounter) acquire(ip netip.Addr) bool {
	c.mu.Lock()
	n := c.perIP[ip]
	if c.max > 0 && n >= c.max {
		c.mu.Unlock()
		return false
	}
	c.perIP[ip] = n + 1
	c.mu.Unlock()
	return true
}

// release forgets one connection from ip, deleting the entry at zero.
func (c *connCounter) release(ip netip.Addr) {
	c.mu.Lock()
	if n := c.perIP[ip]; n <= 1 {
		delete(c.perIP, ip)
	} else {
		c.perIP[ip] = n - 1
	}
	c.mu.Unlock()
}

// trackedIPs is the number of distinct IPs with open connections.
func (c *connCounter) trackedIPs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.perIP)
}

// limitListener enforces connCounter's per-IP cap on accepted connections.
// The key is the TCP peer address: forwarded headers are attacker-controlled
// and are not even read yet at this layer.
type limitListener struct {
	net.Listener
	counter *connCounter
	// problemErrors rewrites net/http's own text/plain error responses as
	// problem+json (plain HTTP only; see problemconn.go).
	problemErrors bool
}

var _ net.Listener = (*limitListener)(nil)

// Accept returns the next connection within the cap. Connections over the
// cap are closed immediately (before any TLS handshake, so they cost no
// crypto) and Accept keeps waiting.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip, ok := peerIP(conn)
		ip = connKey(ip)
		if !ok {
			// Not an IP transport (e.g. a unix socket): nothing to key on.
			return l.track(conn, netip.Addr{}, false), nil
		}
		if !l.counter.acquire(ip) {
			_ = conn.Close()
			l.counter.rejected.Add(1)
			if f := l.counter.hooks.ConnRejected; f != nil {
				f(ip)
			}
			continue
		}
		return l.track(conn, ip, true), nil
	}
}

func (l *limitListener) track(conn net.Conn, ip netip.Addr, counted bool) net.Conn {
	l.counter.open.Add(1)
	if f := l.counter.hooks.ConnOpened; f != nil {
		f()
	}
	return &trackedConn{Conn: conn, counter: l.counter, ip: ip, counted: counted, problemErrors: l.problemErrors}
}

// peerIP returns the remote IP of conn, IPv4-mapped IPv6 unmapped and any
// zone dropped so that one host maps to one key.
func peerIP(conn net.Conn) (netip.Addr, bool) {
	var ap netip.AddrPort
	switch a := conn.RemoteAddr().(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	default:
		if a == nil {
			return netip.Addr{}, false
		}
		var err error
		if ap, err = netip.ParseAddrPort(a.String()); err != nil {
			return netip.Addr{}, false
		}
	}
	ip := ap.Addr().Unmap().WithZone("")
	return ip, ip.IsValid()
}

// trackedConn releases its slot exactly once, whoever closes it (the
// server, a hijacker such as a WebSocket proxy, or both).
type trackedConn struct {
	net.Conn
	counter *connCounter
	ip      netip.Addr
	counted bool
	closed  atomic.Bool

	problemErrors bool
}

// Write passes p on, except net/http's pre-handler error responses, which
// are sent as problem+json when problemErrors is set.
func (c *trackedConn) Write(p []byte) (int, error) {
	if c.problemErrors {
		if rewritten, ok := rewriteServerError(p); ok {
			if _, err := c.Conn.Write(rewritten); err != nil {
				return 0, err
			}
			return len(p), nil
		}
	}
	return c.Conn.Write(p)
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	if c.closed.CompareAndSwap(false, true) {
		if c.counted {
			c.counter.release(c.ip)
		}
		c.counter.open.Add(-1)
		if f := c.counter.hooks.ConnClosed; f != nil {
			f()
		}
	}
	return err
}

// CloseWrite half-closes the connection when the transport supports it.
// net/http uses it after error responses (400, 431) to send FIN before
// closing, so the client reads the response instead of a TCP reset.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// connKey is what the per-IP cap counts by: the address for IPv4, the /64
// for IPv6, because one IPv6 client typically controls a whole /64 and
// would otherwise get a fresh allowance from every address in it.
func connKey(ip netip.Addr) netip.Addr {
	if ip.Is6() && !ip.Is4In6() {
		return netip.PrefixFrom(ip, 64).Masked().Addr()
	}
	return ip
}
