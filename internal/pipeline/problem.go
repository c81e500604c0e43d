package pipeline

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ProblemContentType is the RFC 9457 media type of every error Rampart writes.
const ProblemContentType = "application/problem+json"

// problemTypePrefix makes the RFC 9457 "type" member a stable URN per code.
const problemTypePrefix = "urn:rampart:problem:"

// WriteProblem writes an RFC 9457 problem+json response. detail must be a
// public message: it is sent as is. The request id, when known, is included
// so a user can quote it to an operator who finds the cause in the logs.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	writeProblem(w, status, code, detail, RequestID(r), 0)
}

// WriteDenial writes d as problem+json, with Retry-After and d.Header.
func WriteDenial(w http.ResponseWriter, r *http.Request, d *Denial) {
	for k, vs := range d.Header {
		w.Header()[k] = vs
	}
	writeProblem(w, d.Status, d.Code, d.PublicMessage, RequestID(r), d.RetryAfter)
}

func writeProblem(w http.ResponseWriter, status int, code, detail, requestID string, retryAfter time.Duration) {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	if code == "" {
		code = "error"
	}
	h := w.Header()
	h.Set("Content-Type", ProblemContentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	if retryAfter > 0 {
		// Round up (retrying early is denied again), without the overflow
		// that adding a second to a huge duration would cause.
		secs := int64(retryAfter / time.Second)
		if retryAfter%time.Second != 0 {
			secs++
		}
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	w.WriteHeader(status)

	var b strings.Builder
	b.Grow(160 + len(detail))
	b.WriteString(`{"type":`)
	writeJSONString(&b, problemTypePrefix+code)
	b.WriteString(`,"title":`)
	writeJSONString(&b, http.StatusText(status))
	b.WriteString(`,"status":`)
	b.WriteString(strconv.Itoa(status))
	if detail != "" {
		b.WriteString(`,"detail":`)
		writeJSONString(&b, detail)
	}
	if requestID != "" {
		b.WriteString(`,"request_id":`)
		writeJSONString(&b, requestID)
	}
	b.WriteString("}\n")
	_, _ = w.Write([]byte(b.String()))
}

// writeJSONString writes s as a JSON string, escaping what JSON and HTML
// contexts need (a detail may echo a field name chosen by an attacker).
func writeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	s = strings.ToValidUTF8(s, "\ufffd")
	b.WriteByte('"')
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
