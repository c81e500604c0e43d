package exposure

import (
	"mime"
	"net/http"
	"strings"
)

// Header names a missing or weak security header.
type HeaderIssue string

// Header issues.
const (
	NoSniffMissing HeaderIssue = "X-Content-Type-Options: nosniff missing"
	NoStoreMissing HeaderIssue = "Cache-Control: no-store missing on an authenticated answer"
	CSPMissing     HeaderIssue = "Content-Security-Policy missing on an HTML answer"
)

// MissingHeaders lists the security headers a response lacks: nosniff on
// any answer with a body (a browser must not sniff a JSON answer into HTML,
// CWE-693); no-store on a 2xx answer to an authenticated request (shared
// caches and the browser's disk cache keep personal data, CWE-525); a CSP on
// HTML (CWE-693). Answers without a body are exempt from the first.
func MissingHeaders(status int, h http.Header, bodyLen int, authenticated bool) []HeaderIssue {
	var out []HeaderIssue
	if bodyLen > 0 && !strings.EqualFold(strings.TrimSpace(h.Get("X-Content-Type-Options")), "nosniff") {
		out = append(out, NoSniffMissing)
	}
	if authenticated && status >= 200 && status < 300 && bodyLen > 0 && !noStore(h) {
		out = append(out, NoStoreMissing)
	}
	if mt, _, _ := mime.ParseMediaType(h.Get("Content-Type")); mt == "text/html" && bodyLen > 0 && h.Get("Content-Security-Policy") == "" {
		out = append(out, CSPMissing)
	}
	return out
}

// noStore reports whether Cache-Control forbids storing the answer.
// "private" keeps it out of shared caches but not the browser's; only
// no-store covers both.
func noStore(h http.Header) bool {
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(d), "no-store") {
				return true
			}
		}
	}
	return false
}

// PermissiveCORS reports whether an answer to a request from origin lets
// that origin read it with the user's credentials: Access-Control-Allow-
// Origin repeats the origin (or is "null" for a null origin) and
// Access-Control-Allow-Credentials is true. "*" with credentials is refused
// by browsers and is not a finding.
func PermissiveCORS(origin string, h http.Header) bool {
	acao := strings.TrimSpace(h.Get("Access-Control-Allow-Origin"))
	acac := strings.EqualFold(strings.TrimSpace(h.Get("Access-Control-Allow-Credentials")), "true")
	return acac && acao != "" && acao != "*" && strings.EqualFold(acao, origin)
}
