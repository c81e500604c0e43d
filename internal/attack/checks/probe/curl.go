package probe

import (
	"sort"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// SecretVar is the shell variable a curl command uses for a credential that
// belongs to no profile: a forged token, an API key moved into the URL. The
// finding's description says how to set it.
const SecretVar = "RAMPART_SECRET"

// redactedMarker is what core.Redact leaves in place of a credential.
const redactedMarker = "[redacted]"

// skipCurlHeaders are set by curl itself or describe the transport.
var skipCurlHeaders = map[string]bool{
	"Content-Length": true, "Accept-Encoding": true, "Connection": true, "Host": true,
	"User-Agent": true,
}

// TokenVar names the shell variable holding a profile's credential:
// RAMPART_TOKEN_USER1 for "user1".
func TokenVar(profile string) string {
	var b strings.Builder
	b.WriteString("RAMPART_TOKEN_")
	for _, r := range strings.ToUpper(profile) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Curl writes a curl command that repeats req. Credentials that core.Redact
// (or RedactQuery) replaced are written as a shell variable: in headers the
// profile's token variable when the request was sent as a profile, else
// SecretVar; in the URL and body SecretVar. Everything else is
// single-quoted, so nothing in a recorded URL, header or body can break out
// of the command line.
func Curl(req core.HTTPRequest) string {
	var b strings.Builder
	b.WriteString("curl -sS -i")
	switch req.Method {
	case "", "GET":
	case "HEAD":
		b.WriteString(" --head")
	default:
		b.WriteString(" -X " + shellQuote(req.Method))
	}
	secret := SecretVar
	if req.Profile != "" {
		secret = TokenVar(req.Profile)
	}
	b.WriteString(" " + quoteWithSecret(req.URL, SecretVar))
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if skipCurlHeaders[k] {
			continue
		}
		for _, v := range req.Header[k] {
			b.WriteString(" -H " + quoteWithSecret(k+": "+v, secret))
		}
	}
	if req.Body != "" {
		b.WriteString(" --data-raw " + quoteWithSecret(req.Body, SecretVar))
	}
	return b.String()
}

// CurlScript is Curl preceded by shell lines that set SecretVar, such as
// the steps that forge a token from the profile's real one.
func CurlScript(setup string, req core.HTTPRequest) string {
	if setup == "" {
		return Curl(req)
	}
	return setup + "\n" + Curl(req)
}

// quoteWithSecret single-quotes s for a POSIX shell, writing each redaction
// marker as a double-quoted reference to the variable.
func quoteWithSecret(s, variable string) string {
	parts := strings.Split(s, redactedMarker)
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(`"$` + variable + `"`)
		}
		if p != "" || len(parts) == 1 {
			b.WriteString(shellQuote(p))
		}
	}
	return b.String()
}

// shellQuote wraps s in single quotes for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
