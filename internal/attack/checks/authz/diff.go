package authz

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
)

// Bounds on flattening: a huge or deeply nested answer is compared on its
// first maxLeaves values; nothing it contains can make the comparison slow.
const (
	maxLeaves    = 4096
	maxFlatDepth = 64
	maxLeafBytes = 512
)

// Doc is a response body flattened for a field-wise comparison: JSON as a
// map from RFC 6901 pointer to a canonical leaf value, anything else as
// normalised text.
type Doc struct {
	JSON   bool
	Leaves map[string]string // "/items/0/name" → `"camera"`; JSON only
	Text   string            // probe.Normalise of a non-JSON body
}

// Flatten reads a body. Numbers keep their literal spelling (1 and 1.0
// differ), strings are JSON-quoted so that "1" and 1 differ too.
func Flatten(body []byte) Doc {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return Doc{Text: probe.Normalise(body)}
	}
	d := Doc{JSON: true, Leaves: map[string]string{}}
	flatten(v, "", 0, d.Leaves)
	return d
}

func flatten(v any, ptr string, depth int, out map[string]string) {
	if len(out) >= maxLeaves {
		return
	}
	if depth > maxFlatDepth {
		out[ptr] = "…"
		return
	}
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			out[ptr] = "{}"
		}
		for k, c := range t {
			flatten(c, ptr+"/"+escapePointer(k), depth+1, out)
		}
	case []any:
		if len(t) == 0 {
			out[ptr] = "[]"
		}
		for i, c := range t {
			flatten(c, ptr+"/"+strconv.Itoa(i), depth+1, out)
		}
	case string:
		out[ptr] = leaf(strconv.Quote(t))
	case json.Number:
		out[ptr] = leaf(t.String())
	case bool:
		out[ptr] = strconv.FormatBool(t)
	default:
		out[ptr] = "null"
	}
}

func leaf(s string) string {
	if len(s) > maxLeafBytes {
		return s[:maxLeafBytes]
	}
	return s
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// volatileNames are fields that carry the moment or the request rather
// than the object: they may differ between any two answers, so they prove
// nothing either way, even when an owner's two requests happened to agree
// on them (a clock with one-second resolution).
var volatileNames = map[string]bool{
	"timestamp": true, "time": true, "now": true, "date": true, "server_time": true, "servertime": true,
	"request_id": true, "requestid": true, "trace_id": true, "traceid": true, "span_id": true,
	"correlation_id": true, "nonce": true, "csrf": true, "csrf_token": true, "csrftoken": true,
	"etag": true, "generated_at": true, "generatedat": true, "expires_in": true, "took": true,
	"duration_ms": true, "elapsed": true,
}

// Volatile returns the pointers whose values may change between two
// answers of the same request: those that differ between a and b (two
// answers the owner got in a row, present in one only or with other
// values), those whose name says they carry a clock or a request id, and
// those holding a timestamp within a day of now.
func Volatile(a, b Doc) map[string]bool {
	out := map[string]bool{}
	if !a.JSON || !b.JSON {
		return out
	}
	now := time.Now()
	for _, d := range []Doc{a, b} {
		for p, v := range d.Leaves {
			if volatileName(p) || recentTimestamp(v, now) {
				out[p] = true
			}
		}
	}
	for p, v := range a.Leaves {
		if w, ok := b.Leaves[p]; !ok || w != v {
			out[p] = true
		}
	}
	for p := range b.Leaves {
		if _, ok := a.Leaves[p]; !ok {
			out[p] = true
		}
	}
	return out
}

func volatileName(ptr string) bool {
	name := ptr[strings.LastIndexByte(ptr, '/')+1:]
	return volatileNames[strings.ToLower(name)]
}

// recentTimestamp: a quoted RFC 3339 time, or a Unix time in seconds or
// milliseconds, within a day of now: a clock reading, not a property.
func recentTimestamp(v string, now time.Time) bool {
	if s, err := strconv.Unquote(v); err == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		return err == nil && near(t, now)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return false
	}
	return near(time.Unix(n, 0), now) || near(time.UnixMilli(n), now)
}

func near(t, now time.Time) bool {
	d := t.Sub(now)
	return d > -24*time.Hour && d < 24*time.Hour
}

// Match reports whether got shows the object base shows: every stable leaf
// of base (not volatile) is in got with the same value, and at least one
// of them is not an echo of the request (the id the client sent proves
// nothing). It returns how many stable leaves were compared. Two non-JSON
// bodies match when their normalised texts are equal and not empty.
func Match(base, got Doc, volatile map[string]bool, echoes ...string) (bool, int) {
	if base.JSON != got.JSON {
		return false, 0
	}
	if !base.JSON {
		return base.Text != "" && base.Text == got.Text, 0
	}
	echo := map[string]bool{}
	for _, e := range echoes {
		echo[e] = true
		echo[strconv.Quote(e)] = true
	}
	compared, proving := 0, 0
	for p, v := range base.Leaves {
		if volatile[p] {
			continue
		}
		if w, ok := got.Leaves[p]; !ok || w != v {
			return false, compared
		}
		compared++
		if !echo[v] && v != "null" && v != "[]" && v != "{}" {
			proving++
		}
	}
	return proving > 0, compared
}
