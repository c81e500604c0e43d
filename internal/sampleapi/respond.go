package sampleapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
)

// maxBodyBytes caps every request body. It is a robustness limit, not one of
// the flaws: the sample API must survive the fuzzers and the attack simulator.
const maxBodyBytes = 1 << 20

// problem is an RFC 9457 problem details object.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client hung up; nothing left to do
}

// writeProblem writes an RFC 9457 application/problem+json response. detail is
// sent to the client, so it must never carry internal error text.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
	})
}

// serverError logs err and answers 500.
func (a *API) serverError(w http.ResponseWriter, r *http.Request, err error) {
	a.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	if a.cfg.Hardened {
		writeProblem(w, http.StatusInternalServerError, "internal error")
		return
	}
	// DELIBERATE FLAW (CWE-209, information exposure through an error message):
	// the raw error (for SQL, the query text) and the goroutine's stack trace
	// go to the client, revealing the language, the package layout, the SQL
	// and the database engine.
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = fmt.Fprintf(w, "internal error: %v\n\n%s", err, debug.Stack())
}

// errBadBody marks a request body that is not the JSON the handler expects.
var errBadBody = errors.New("malformed json body")

// decodeJSON decodes one JSON value from the (size-capped) request body.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%w: %w", errBadBody, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data after the json value", errBadBody)
	}
	return nil
}

// pathID parses the {id} path segment as a positive integer.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// queryInt parses the query parameter name as a non-negative integer, returning
// def when it is absent.
func queryInt(r *http.Request, name string, def int) (int, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}
