package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
)

// handlerSwitch dispatches to a handler that can be replaced atomically
// while requests are in flight: each request uses whichever handler was
// current when it started.
type handlerSwitch struct {
	current atomic.Pointer[handlerBox]
}

// handlerBox exists because atomic.Pointer needs a concrete pointee type.
type handlerBox struct{ h http.Handler }

var _ http.Handler = (*handlerSwitch)(nil)

func (s *handlerSwitch) store(h http.Handler) { s.current.Store(&handlerBox{h: h}) }

func (s *handlerSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.current.Load().h.ServeHTTP(w, r)
}

// unavailableHandler answers 503; it replaces a nil handler passed to
// SetHandler so a programming error degrades instead of panicking per request.
func unavailableHandler(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
}

// hstsHandler sets Strict-Transport-Security before the next handler runs,
// so every HTTPS response, denials included, carries it (RFC 6797 §7.1).
type hstsHandler struct {
	value string
	next  http.Handler
}

func (h hstsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Strict-Transport-Security", h.value)
	h.next.ServeHTTP(w, r)
}

// redirectHandler answers every plain-HTTP request with 308 Permanent
// Redirect to the same path and query over HTTPS. 308 (RFC 9110 §15.4.9),
// unlike 301, forbids clients from turning a POST into a GET.
type redirectHandler struct {
	httpsPort string // the bound HTTPS port; omitted from URLs when "443"
}

func (h redirectHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target, ok := redirectTarget(r.Host, localHost(r), h.httpsPort, r.URL.EscapedPath(), r.URL.RawQuery)
	if !ok {
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	// Set Location directly: http.Redirect would clean and re-resolve the
	// path, and its HTML body is useless to API clients.
	w.Header().Set("Location", target)
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusPermanentRedirect)
}

// redirectTarget builds https://host[:port]/path?query from a request's
// Host header. The host part must be a plain hostname or IP literal: the
// Host header is client-controlled, and a value smuggling "/", "@" or "\"
// could bend the Location into another origin. fallbackHost (the local
// address the request arrived on) is used when Host is empty (HTTP/1.0).
func redirectTarget(hostHeader, fallbackHost, httpsPort, escapedPath, rawQuery string) (string, bool) {
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if host == "" {
		host = fallbackHost
	}
	if !validRedirectHost(host) {
		return "", false
	}
	if httpsPort != "443" {
		host = net.JoinHostPort(host, httpsPort)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if escapedPath == "" || escapedPath[0] != '/' {
		escapedPath = "/" + escapedPath
	}
	target := "https://" + host + escapedPath
	if rawQuery != "" {
		target += "?" + escapeQuery(rawQuery)
	}
	return target, true
}

// escapeQuery percent-encodes what may not appear in a URL query (RFC 3986
// §3.4) — notably '#', which would turn the rest into a fragment, and a
// stray '%' — keeping valid %XX escapes, so the Location header is always a
// well-formed URL whatever request line the client sent.
func escapeQuery(q string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '%' && i+2 < len(q) && isHex(q[i+1]) && isHex(q[i+2]):
			b.WriteString(q[i : i+3])
			i += 2
		case c > ' ' && c < 0x7f && c != '%' && c != '#' && c != '"' && c != '<' && c != '>' &&
			c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' && c != '}':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// validRedirectHost accepts IP literals and DNS-style names (letters,
// digits, '-', '_', '.'), nothing else.
func validRedirectHost(host string) bool {
	if host == "" || len(host) > 253 {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Zone() == "" // a zone is meaningless to a remote client
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// localHost is the IP the request arrived on, or "".
func localHost(r *http.Request) string {
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return ""
	}
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return ""
	}
	return ap.Addr().Unmap().WithZone("").String()
}
