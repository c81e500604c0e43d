package core

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// scope is the set of host:port the scan may connect to: the target's and
// the --scope hosts. It is enforced in the dialer, so no code path (a
// redirect, a check that builds its own URL, an HTTP/2 reconnect) reaches a
// host the operator did not authorise; Do also checks it first so that a
// refusal is a clear error rather than a failed dial.
type scope struct {
	hostPorts map[string]bool // "host:port", host lower case, no IPv6 brackets
	anyPort   map[string]bool // hosts allowed on every port
}

func newScope(target *url.URL, extra []string) (scope, error) {
	sc := scope{hostPorts: map[string]bool{}, anyPort: map[string]bool{}}
	sc.hostPorts[hostPort(target)] = true
	for _, raw := range extra {
		e := strings.TrimSpace(raw)
		if e == "" {
			continue
		}
		if strings.Contains(e, "://") {
			u, err := url.Parse(e)
			if err != nil || u.Host == "" {
				return scope{}, fmt.Errorf("scope %q: not a host or URL", raw)
			}
			sc.hostPorts[hostPort(u)] = true
			continue
		}
		if strings.ContainsAny(e, "/?#@ ") {
			return scope{}, fmt.Errorf("scope %q: want host or host:port", raw)
		}
		if h, p, err := net.SplitHostPort(e); err == nil {
			sc.hostPorts[net.JoinHostPort(strings.ToLower(h), p)] = true
			continue
		}
		sc.anyPort[strings.ToLower(strings.Trim(e, "[]"))] = true
	}
	return sc, nil
}

// hostPort is u's host:port with the scheme's default port filled in.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// allowsURL reports whether a request to u may be sent.
func (sc scope) allowsURL(u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	return sc.allowsAddr(hostPort(u))
}

// allowsAddr reports whether a connection to addr ("host:port") may open.
func (sc scope) allowsAddr(addr string) bool {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	h = strings.ToLower(h)
	return sc.hostPorts[net.JoinHostPort(h, p)] || sc.anyPort[h]
}

// newTransport is the scan's only way out: a dialer that refuses every
// address out of scope, no proxy from the environment (HTTP_PROXY would
// send the attack traffic, credentials included, to a third party), and
// bounded handshakes and headers so a hostile target cannot stall or bloat
// the scanner.
func newTransport(sc scope, tlsConf *tls.Config) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	var tc *tls.Config
	if tlsConf != nil {
		tc = tlsConf.Clone()
	}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if !sc.allowsAddr(addr) {
				return nil, fmt.Errorf("dialing %s: %w", addr, ErrOutOfScope)
			}
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig:        tc,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxResponseHeaderBytes: 256 << 10,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        30 * time.Second,
		ExpectContinueTimeout:  time.Second,
	}
}

// followKey marks, in a request's context, that the check asked to follow
// redirects; the value is the check's id for the budget.
type followKey struct{}

// checkRedirect follows a redirect only when the request asked for it, the
// new location is in scope and the budget allows one more request.
func (s *Scan) checkRedirect(req *http.Request, via []*http.Request) error {
	check, ok := req.Context().Value(followKey{}).(string)
	if !ok || len(via) >= 5 || !s.scope.allowsURL(req.URL) {
		return http.ErrUseLastResponse
	}
	if err := s.reserve(check); err != nil {
		return http.ErrUseLastResponse
	}
	return nil
}
