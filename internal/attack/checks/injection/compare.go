package injection

import (
	"bytes"
	"encoding/json"
	"mime"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// answered reports a response that came back (a transport error leaves
// Status 0).
func answered(r *core.Response) bool { return r != nil && r.Status != 0 }

// sameAnswer reports whether two answers are the same page: the same
// status and the same body once the echoes of what was sent, ids, numbers
// and whitespace are normalised away (probe.Normalise).
func sameAnswer(a, b *core.Response, echoes ...string) bool {
	if !answered(a) || !answered(b) || a.Status != b.Status {
		return false
	}
	return probe.Normalise(a.Body, echoes...) == probe.Normalise(b.Body, echoes...)
}

// maxCountedArrays bounds the JSON walk of size.
const maxCountedNodes = 100_000

// size is how much an answer holds: the number of array elements anywhere
// in a JSON body, else its length in bytes divided by 64 (a rough count of
// records in a text listing). Only comparisons of sizes are meaningful.
func size(r *core.Response) int {
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	var v any
	if err := dec.Decode(&v); err != nil {
		return len(r.Body) / 64
	}
	n, budget := 0, maxCountedNodes
	var walk func(any)
	walk = func(v any) {
		if budget <= 0 {
			return
		}
		budget--
		switch t := v.(type) {
		case []any:
			n += len(t)
			for _, e := range t {
				walk(e)
			}
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	return n
}

// isHTML reports a response a browser renders as HTML.
func isHTML(r *core.Response) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}
