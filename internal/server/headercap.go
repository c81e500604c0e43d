package server

import (
	"math"
	"net/http"
)

// Config.MaxHeaderBytes is enforced here, in a handler, rather than by
// net/http alone: net/http answers oversized headers itself, before any
// handler runs, and over TLS (HTTP/1.1 text/plain; HTTP/2 a text/html 431
// or a connection error) that answer cannot be rewritten as problem+json
// (see problemconn.go). So net/http's own limit (http.Server.MaxHeaderBytes,
// which also sets HTTP/2's SETTINGS_MAX_HEADER_LIST_SIZE) is set to
// netHTTPHeaderFactor times the cap, as the memory bound, and requests
// between the cap and that bound get Rampart's 431 problem+json on every
// transport. Only requests beyond the bound get net/http's answer.
const netHTTPHeaderFactor = 2

// netHTTPHeaderLimit is the http.Server.MaxHeaderBytes for a configured cap.
func netHTTPHeaderLimit(maxHeaderBytes int) int {
	if maxHeaderBytes > math.MaxInt/netHTTPHeaderFactor {
		return maxHeaderBytes
	}
	return maxHeaderBytes * netHTTPHeaderFactor
}

// headerCapHandler answers 431 problem+json to requests whose request line
// plus headers exceed max bytes, and passes the others to next.
type headerCapHandler struct {
	max  int
	next http.Handler
}

func (h headerCapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if headerSize(r, h.max) > h.max {
		writeServerProblem(w, http.StatusRequestHeaderFieldsTooLarge)
		return
	}
	h.next.ServeHTTP(w, r)
}

// headerSize is the size of r's request line and header block as an
// HTTP/1.1 client writes them ("Name: value\r\n" per value, Host included),
// counted from the parsed request; the same measure applies to HTTP/2,
// whose headers have no wire form of their own after HPACK. Optional
// whitespace the parser trimmed is not counted, so the result never exceeds
// what a client sent over HTTP/1.1. Counting stops once past limit: the
// exact size of an oversized request does not matter.
func headerSize(r *http.Request, limit int) int {
	const crlf, colonSpace = 2, 2
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + crlf
	n += len("Host") + colonSpace + len(r.Host) + crlf
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + colonSpace + len(v) + crlf
		}
		if n > limit {
			return n
		}
	}
	return n + crlf // the empty line that ends the header block
}

// writeServerProblem writes the server's own problem+json for code, the
// same answer problemconn.go gives for net/http's pre-handler errors.
func writeServerProblem(w http.ResponseWriter, code int) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(serverProblemBody(code, http.StatusText(code))))
}
