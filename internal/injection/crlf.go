package injection

import "strings"

// CRLF injection and HTTP response splitting (CWE-93).
//
// What it catches: a line break followed by something a server would read
// as a new header or a new message when it copies the value into a
// response header (a redirect Location, a Set-Cookie) or a log line:
// "%0d%0aSet-Cookie: session=evil", "\r\nLocation: http://evil",
// "%0d%0a%0d%0a<script>…" (a body), "\r\nHTTP/1.1 200 OK".
//
// How: in header, query, cookie and path values (where a line break has no
// business) every CR or LF is followed by optional whitespace and checked
// for a header name and colon, an HTTP status line, or a blank line and
// markup. Well-known header names are strong; an unknown "Name:" after a
// full CRLF is likely, after a lone LF a High-only hint.
//
// False-positive care: JSON strings, form fields and bodies are multi-line
// text ("Note: …" on its own line is prose), so this detector does not read
// them.
//
// Tuning: keep it on; values that legitimately hold line breaks live in
// bodies, which it does not read.
var crlfDetector = detector{rule: ruleCRLF, contexts: setOf(Header, Query, Cookie, Path), detect: detectCRLF}

// headerNames are response headers an attacker injects, in lower case.
var headerNames = []string{"set-cookie", "location", "content-type", "content-length",
	"transfer-encoding", "refresh", "content-security-policy", "access-control-allow-origin",
	"access-control-allow-credentials", "x-xss-protection", "cache-control", "link",
	"content-disposition", "host", "cookie", "authorization", "x-forwarded-for", "x-forwarded-host",
	"connection", "upgrade", "strict-transport-security", "x-frame-options", "server", "vary", "etag",
	"last-modified", "expires", "pragma", "content-encoding", "x-content-type-options"}

// maxHeaderName bounds the header name read after a line break.
const maxHeaderName = 64

func detectCRLF(in *input, v *variant) hit {
	if !v.mask.any(cCRLF) {
		return hit{}
	}
	s := v.text
	var best hit
	for i := 0; i < len(s); i++ {
		if s[i] != '\r' && s[i] != '\n' {
			continue
		}
		j := i
		cr := false
		for j < len(s) && (s[j] == '\r' || s[j] == '\n') {
			cr = cr || s[j] == '\r'
			j++
		}
		blank := j-i >= 4 || (j-i >= 2 && !cr) // \r\n\r\n or \n\n: end of headers
		k := j
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		h := hit{start: i, end: min(len(s), k+24), reason: "header injection"}
		e := k
		for e < len(s) && e-k < maxHeaderName && (isIdent(s[e]) || s[e] == '-') {
			e++
		}
		switch {
		case hasFoldAt(s, k, "http/1.") || hasFoldAt(s, k, "http/2"):
			h.score, h.reason = scoreStrong, "response splitting"
		case blank && k < len(s) && s[k] == '<':
			h.score, h.reason = scoreStrong, "response splitting"
		case e > k && e < len(s) && s[e] == ':':
			switch {
			case isHeaderName(s[k:e]):
				h.score = scoreStrong
			case cr:
				h.score = scoreLikely
			case in.high():
				h.score = scoreWeak
			}
		}
		best.offer(h)
		if best.score >= scoreStrong {
			return best
		}
		i = j - 1
	}
	return best
}

func isHeaderName(name string) bool {
	for _, h := range headerNames {
		if len(h) == len(name) && strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}
