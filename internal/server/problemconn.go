package server

import (
	"bytes"
	"net/http"
	"strconv"
)

// net/http answers requests it cannot parse (a malformed request line or
// header, oversized headers, an unsupported transfer encoding) itself,
// before any handler runs, with a fixed text/plain response written straight
// to the connection. Rampart promises RFC 9457 problem+json for every error
// it produces, so on plain-HTTP connections those responses are recognised
// on their way out and rewritten. They are recognisable because net/http
// writes them in one Write with this exact header block and no Date header,
// which every handler response carries.
//
// On TLS connections net/http holds the *tls.Conn itself (it needs the
// concrete type for ALPN and HTTP/2), so there is no place to rewrite and
// those responses stay net/http's own (text/plain on HTTP/1.1; on HTTP/2 a
// stream or connection error, or a text/html 431). The common case, headers
// over the configured cap, is answered by headerCapHandler before net/http's
// own, higher limit is reached (headercap.go).
var serverErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

// rewriteServerError returns the problem+json version of a net/http
// pre-handler error response, or false when p is anything else.
func rewriteServerError(p []byte) ([]byte, bool) {
	if len(p) < 16 || !bytes.HasPrefix(p, []byte("HTTP/1.1 ")) || (p[9] != '4' && p[9] != '5') {
		return nil, false
	}
	statusLine, _, ok := bytes.Cut(p, serverErrorHeaders)
	if !ok || len(statusLine) < 13 || statusLine[12] != ' ' || bytes.Contains(statusLine, []byte("\r\n")) {
		return nil, false
	}
	code, err := strconv.Atoi(string(statusLine[9:12]))
	title := http.StatusText(code)
	if err != nil || code < 400 || code > 599 || title == "" {
		return nil, false
	}
	body := serverProblemBody(code, title)
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(code) + " " + title + "\r\n")
	b.WriteString("Content-Type: application/problem+json\r\n")
	b.WriteString("Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	b.WriteString(body)
	return b.Bytes(), true
}

// serverProblemBody is the RFC 9457 body for an error the server answers
// before the gateway's handler: a fixed type and sentence per status. The
// parser's own wording ("400 Bad Request: malformed Host header") is
// internal detail and never sent. title must be http.StatusText(code).
func serverProblemBody(code int, title string) string {
	problem, detail := "bad_request", "The request is malformed."
	switch code {
	case http.StatusRequestHeaderFieldsTooLarge:
		problem, detail = "header_too_large", "The request headers are too large."
	case http.StatusNotImplemented:
		problem, detail = "not_implemented", "The request uses an unsupported feature."
	}
	return `{"type":"urn:rampart:problem:` + problem + `","title":"` + title + `","status":` +
		strconv.Itoa(code) + `,"detail":"` + detail + `"}` + "\n"
}
