package authz

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// identityHeaders strips client copies of the identity headers and sets the
// real ones. Names are canonical; "" means the part is not sent.
type identityHeaders struct {
	subject, scopes, roles, method, tenant string
	// names lists the headers removed besides the reserved prefix.
	names []string
	log   *slog.Logger
}

// unsettableHeaders may not carry the identity: framing and routing headers
// (changing them would break or smuggle the request), hop-by-hop headers
// (the proxy drops them), and headers other parts of the gateway own.
var unsettableHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Content-Type",
	"Content-Encoding", "Authorization", "Cookie", "Forwarded", "X-Forwarded-For",
	"X-Forwarded-Host", "X-Forwarded-Proto", "X-Request-Id",
}

// unstrippableHeaders are framing headers net/http keeps out of the header
// map's meaning; stripping them would do nothing or corrupt the request.
var unstrippableHeaders = []string{"Host", "Content-Length", "Transfer-Encoding"}

func compileIdentityHeaders(names *IdentityHeaders, extra []string, log *slog.Logger) (*identityHeaders, error) {
	n := DefaultIdentityHeaders()
	if names != nil {
		n = *names
	}
	ih := &identityHeaders{log: log}
	fields := []struct {
		field string
		name  string
		dst   *string
	}{
		{"Subject", n.Subject, &ih.subject},
		{"Scopes", n.Scopes, &ih.scopes},
		{"Roles", n.Roles, &ih.roles},
		{"Method", n.Method, &ih.method},
		{"Tenant", n.Tenant, &ih.tenant},
	}
	for _, f := range fields {
		if f.name == "" {
			continue
		}
		if !validToken(f.name) {
			return nil, fmt.Errorf("authz: identity header %s: %q is not a header name", f.field, f.name)
		}
		if inFold(unsettableHeaders, f.name) {
			return nil, fmt.Errorf("authz: identity header %s: %q is reserved for HTTP itself or another part of the gateway", f.field, f.name)
		}
		if inFold(ih.names, f.name) {
			return nil, fmt.Errorf("authz: identity header %s: %q is used twice", f.field, f.name)
		}
		*f.dst = http.CanonicalHeaderKey(f.name)
		ih.names = append(ih.names, *f.dst)
	}
	for _, name := range extra {
		if !validToken(name) {
			return nil, fmt.Errorf("authz: strip header %q is not a header name", name)
		}
		if inFold(unstrippableHeaders, name) {
			return nil, fmt.Errorf("authz: strip header %q frames the request and cannot be removed", name)
		}
		if !inFold(ih.names, name) {
			ih.names = append(ih.names, http.CanonicalHeaderKey(name))
		}
	}
	return ih, nil
}

// inFold reports whether list holds name, as headerNameEqual compares.
func inFold(list []string, name string) bool {
	for _, s := range list {
		if headerNameEqual(s, name) {
			return true
		}
	}
	return false
}

// reserved reports whether an upstream could read the header name k as one
// of the identity headers. Besides case, "_" and "-" are equivalent: CGI,
// PHP, WSGI and nginx-fronted apps turn both into "_" (HTTP_X_RAMPART_SUBJECT),
// so a client sending X_Rampart_Subject would otherwise set the identity.
func (ih *identityHeaders) reserved(k string) bool {
	if len(k) >= len(ReservedHeaderPrefix) && headerNameEqual(k[:len(ReservedHeaderPrefix)], ReservedHeaderPrefix) {
		return true
	}
	for _, s := range ih.names {
		if headerNameEqual(k, s) {
			return true
		}
	}
	return false
}

// headerNameEqual compares header names ignoring ASCII case and treating
// "_" as "-".
func headerNameEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if foldHeaderByte(a[i]) != foldHeaderByte(b[i]) {
			return false
		}
	}
	return true
}

func foldHeaderByte(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + ('a' - 'A')
	case c == '_':
		return '-'
	}
	return c
}

// strip removes every incoming header an upstream could take for an identity
// header, so that a client can never state its own identity. It also drops
// those names from Connection: httputil.ReverseProxy deletes the headers a
// Connection header lists (RFC 9110 §7.6.1) after the guards ran, which
// would let a client remove the identity headers the gateway set.
func (ih *identityHeaders) strip(h http.Header) {
	for k := range h {
		if ih.reserved(k) {
			delete(h, k)
		}
	}
	conn, ok := h["Connection"]
	if !ok {
		return
	}
	for _, v := range conn {
		for tok := range strings.SplitSeq(v, ",") {
			if ih.reserved(strings.TrimSpace(tok)) {
				h["Connection"] = ih.cleanConnection(conn)
				if len(h["Connection"]) == 0 {
					delete(h, "Connection")
				}
				return
			}
		}
	}
}

// cleanConnection returns the Connection values without reserved names.
func (ih *identityHeaders) cleanConnection(values []string) []string {
	var out []string
	for _, v := range values {
		var kept []string
		for tok := range strings.SplitSeq(v, ",") {
			if tok = strings.TrimSpace(tok); tok != "" && !ih.reserved(tok) {
				kept = append(kept, tok)
			}
		}
		if len(kept) > 0 {
			out = append(out, strings.Join(kept, ", "))
		}
	}
	return out
}

// set writes the identity headers for id. It returns an error, and sets
// nothing, when a value cannot be sent unchanged: a control character would
// break the header (CR/LF injection, CWE-113) and surrounding whitespace is
// trimmed by the upstream's parser, so " alice" would arrive as "alice".
// Rewriting such a value instead could turn one subject into another.
func (ih *identityHeaders) set(r *http.Request, id *pipeline.Identity) error {
	for _, part := range [...]struct{ header, value, what string }{
		{ih.subject, id.Subject, "subject"},
		{ih.method, id.Method, "auth method"},
		{ih.tenant, id.Tenant, "tenant"},
	} {
		if part.header != "" && !safeHeaderValue(part.value) {
			return fmt.Errorf("identity %s %q cannot be sent in a header", part.what, part.value)
		}
	}
	// One backing array for the five values: a []string per header would
	// cost five allocations on every authenticated request.
	var scopes, roles string
	if ih.scopes != "" {
		scopes = ih.joinTokens(r, "scope", id.Scopes)
	}
	if ih.roles != "" {
		roles = ih.joinTokens(r, "role", id.Roles)
	}
	vals := make([]string, 0, 5)
	for _, part := range [...]struct{ header, value string }{
		{ih.subject, id.Subject}, {ih.scopes, scopes}, {ih.roles, roles}, {ih.method, id.Method}, {ih.tenant, id.Tenant},
	} {
		if part.header != "" && part.value != "" {
			vals = append(vals, part.value)
			r.Header[part.header] = vals[len(vals)-1 : len(vals) : len(vals)]
		}
	}
	return nil
}

// joinTokens joins scopes or roles with spaces, leaving out any that is not
// a forwardableToken: "read admin" would reach the upstream as two scopes,
// "read" and "admin" (privilege escalation).
// Leaving one out can only take rights away.
func (ih *identityHeaders) joinTokens(r *http.Request, what string, list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		if forwardableToken(list[0]) {
			return list[0]
		}
	}
	var b strings.Builder
	for _, s := range list {
		if !forwardableToken(s) {
			ih.log.LogAttrs(r.Context(), slog.LevelWarn, "identity "+what+" not forwarded: only printable ASCII without spaces is",
				slog.String("request_id", pipeline.RequestID(r)), slog.String(what, s))
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// safeHeaderValue rejects control characters (CR, LF, NUL, HTAB, DEL) and
// leading or trailing spaces.
func safeHeaderValue(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// forwardableToken reports whether a scope or role can be sent in a
// space-separated list: printable ASCII without spaces (RFC 6749 §3.3
// scope-token characters, plus '"' and '\'). Non-ASCII is refused because
// upstreams split differently: Python's str.split() splits on U+0085 and
// U+00A0, which a WSGI server's Latin-1 decoding makes of the bytes 0x85 and
// 0xA0 (half of UTF-8 "\u00a0"), so "read\u00a0admin" would yield "admin".
func forwardableToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
