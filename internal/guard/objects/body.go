package objects

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// peekJSON reads a JSON response's body, at most maxBody bytes of it, puts
// exactly what it read back in front of the rest for the client, and
// returns the document to learn from (decompressed, for gzip). It returns
// nil and the reason when there is nothing to learn from ("" when the
// response is simply not JSON or empty).
//
// Responses on learn routes are small JSON documents (an object, a page of
// a list); a body over the bound passes through unread past the bound and
// teaches nothing. Only gzip among the compressions is undone: it is the
// one the standard library reads, and what most clients ask for.
func (g *Guard) peekJSON(resp *http.Response) ([]byte, string) {
	if resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength == 0 || !isJSON(resp.Header) {
		return nil, ""
	}
	gzipped := false
	switch ce := resp.Header["Content-Encoding"]; {
	case len(ce) == 0:
	case len(ce) == 1 && strings.EqualFold(strings.TrimSpace(ce[0]), "identity"):
	case len(ce) == 1 && (strings.EqualFold(strings.TrimSpace(ce[0]), "gzip") || strings.EqualFold(strings.TrimSpace(ce[0]), "x-gzip")):
		gzipped = true
	default:
		return nil, fmt.Sprintf("content-encoding %q is not read", ce)
	}
	if resp.ContentLength > g.maxBody {
		return nil, fmt.Sprintf("content-length %d is over the %d bytes read", resp.ContentLength, g.maxBody)
	}
	data, err := readAtMost(resp.Body, g.maxBody+1, resp.ContentLength)
	resp.Body = pipeline.ReplayBody(data, err, resp.Body)
	switch {
	case err != nil:
		return nil, "reading the body: " + err.Error()
	case int64(len(data)) > g.maxBody:
		return nil, fmt.Sprintf("body is over the %d bytes read", g.maxBody)
	}
	if gzipped {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, "gzip: " + err.Error()
		}
		// Bounded output: a gzip bomb inflates to at most maxBody+1 bytes.
		plain, err := readAtMost(zr, g.maxBody+1, 0)
		switch {
		case err != nil:
			return nil, "gzip: " + err.Error()
		case int64(len(plain)) > g.maxBody:
			return nil, fmt.Sprintf("decompressed body is over the %d bytes read", g.maxBody)
		}
		data = plain
	}
	if !json.Valid(data) {
		return nil, "body is not valid JSON"
	}
	return data, ""
}

// isJSON reports whether the one Content-Type is application/json or a
// +json type (RFC 6839).
func isJSON(h http.Header) bool {
	ct := h["Content-Type"]
	if len(ct) != 1 {
		return false
	}
	mt, _, _ := strings.Cut(ct[0], ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json") && strings.HasPrefix(mt, "application/")
}

// readAtMost reads up to limit bytes of r, until EOF (not an error) or a
// failure. sizeHint, when positive, sizes the buffer.
func readAtMost(r io.Reader, limit, sizeHint int64) ([]byte, error) {
	n := int64(512)
	if sizeHint > 0 && sizeHint < limit {
		n = sizeHint + 1 // room to read EOF without growing
	}
	buf := make([]byte, 0, n)
	lr := io.LimitReader(r, limit)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
