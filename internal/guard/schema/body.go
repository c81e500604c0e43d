package schema

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// harden reads and checks a JSON request body, whatever the operation.
func (g *Guard) harden(r *http.Request) error {
	_, err := g.body(r, false)
	return err
}

// body returns the request body when validation wants it (wanted) or when
// it is JSON, after hardening a JSON body with inspect.CheckJSON: depth,
// sizes, duplicate keys, invalid UTF-8 (a parser differential between
// this guard and the upstream is an injection channel). Other bodies are
// not read, so that a large upload is not buffered for nothing.
func (g *Guard) body(r *http.Request, wanted bool) ([]byte, error) {
	isJSON := jsonRequest(r.Header)
	if !wanted && !isJSON {
		return nil, nil
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, nil
	}
	data, err := pipeline.ReadBody(r, g.maxBody)
	if err != nil {
		return nil, readDenial(err, g.maxBody)
	}
	if isJSON && len(data) > 0 {
		if err := inspect.CheckJSON(data, g.limits); err != nil {
			return nil, hardeningDenial(err)
		}
	}
	return data, nil
}

// jsonRequest reports whether the request declares a JSON body
// (application/json or any +json type). A repeated or unparseable
// Content-Type is left to validation (415).
func jsonRequest(h http.Header) bool {
	ct := h["Content-Type"]
	if len(ct) != 1 {
		return false
	}
	mt, _, _ := strings.Cut(ct[0], ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// readDenial answers a body that could not be read whole: too large to
// validate (413: it cannot be checked, so it does not pass), cut by the
// body-limit guard (413), or broken off by the client (400).
func readDenial(err error, limit int64) *pipeline.Denial {
	var maxErr *http.MaxBytesError
	if errors.Is(err, pipeline.ErrBodyTooLarge) || errors.As(err, &maxErr) {
		return &pipeline.Denial{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			PublicMessage: "The request body is too large.", Rule: "body_too_large", Category: "API4:2023",
			Cause: fmt.Errorf("request body over the %d bytes the schema guard reads: %w", limit, err)}
	}
	return &pipeline.Denial{Status: http.StatusBadRequest, Code: "invalid_body",
		PublicMessage: "The request body could not be read.", Rule: "body_unreadable",
		Cause: fmt.Errorf("reading the request body: %w", err)}
}
