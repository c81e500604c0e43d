package audit

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// encodeOutcome writes an Outcome's record data on the request goroutine.
// It produces exactly the bytes json.Marshal(newOutcomeData(o)) would (a
// differential fuzz test holds it to that) at a fraction of the cost:
// reflection-driven encoding was the largest part of what auditing added
// to a request.
func encodeOutcome(o *pipeline.Outcome) []byte {
	t := o.Time.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		// time.Time's MarshalJSON refuses these; keep its behaviour.
		return marshalData(newOutcomeData(o))
	}
	e := objectEncoder{b: make([]byte, 0, 512)}
	e.open()
	e.str("request_id", clip(o.RequestID, maxShortField), true)
	e.key("time")
	e.b = append(e.b, '"')
	e.b = t.AppendFormat(e.b, time.RFC3339Nano)
	e.b = append(e.b, '"')
	if o.Client.IsValid() {
		e.key("client")
		e.b = append(e.b, '"')
		e.b = o.Client.AppendTo(e.b)
		e.b = append(e.b, '"')
	}
	e.str("method", clip(o.Method, maxShortField), true)
	e.str("host", clip(o.Host, maxShortField), true)
	e.str("path", clip(stripQuery(o.Path), maxPathField), true)
	e.str("user_agent", clip(o.UserAgent, maxShortField), true)
	e.num("status", int64(o.Status), false)
	e.str("verdict", clip(string(o.Verdict), maxShortField), false)
	e.str("api", clip(o.Route.API, maxShortField), true)
	e.str("route", clip(o.Route.Route, maxShortField), true)
	if id := o.Identity; id != nil {
		e.key("identity")
		e.open()
		e.str("subject", clip(id.Subject, maxShortField), true)
		e.str("key_id", clip(id.KeyID, maxShortField), true)
		e.str("method", clip(id.Method, maxShortField), true)
		e.str("tenant", clip(id.Tenant, maxShortField), true)
		e.close()
	}
	if n := min(len(o.Denials), maxEvidence); n > 0 {
		e.key("denials")
		e.b = append(e.b, '[')
		for i := range o.Denials[:n] {
			dn := &o.Denials[i]
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.open()
			e.str("guard", clip(dn.Guard, maxShortField), true)
			e.str("rule", clip(dn.Rule, maxShortField), true)
			e.str("code", clip(dn.Code, maxShortField), true)
			e.num("status", int64(dn.Status), true)
			e.close()
		}
		e.b = append(e.b, ']')
	}
	e.num("latency_us", o.Latency.Microseconds(), false)
	e.num("upstream_us", o.Upstream.Microseconds(), true)
	e.num("bytes_in", o.BytesIn, false)
	e.num("bytes_out", o.BytesOut, false)
	e.close()
	if len(e.b) > maxDataBytes {
		return marshalData(newOutcomeData(o))
	}
	return e.b
}

// objectEncoder appends JSON objects member by member; first says no
// member has been written to the innermost open object yet.
type objectEncoder struct {
	b     []byte
	first bool
}

func (e *objectEncoder) open() { e.b = append(e.b, '{'); e.first = true }

func (e *objectEncoder) close() { e.b = append(e.b, '}'); e.first = false }

func (e *objectEncoder) key(name string) {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.b = append(e.b, '"')
	e.b = append(e.b, name...)
	e.b = append(e.b, '"', ':')
}

func (e *objectEncoder) str(name, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	e.key(name)
	e.b = appendJSONString(e.b, v)
}

func (e *objectEncoder) num(name string, v int64, omitEmpty bool) {
	if omitEmpty && v == 0 {
		return
	}
	e.key(name)
	e.b = strconv.AppendInt(e.b, v, 10)
}

// appendJSONString appends s as encoding/json writes a string. Plain
// printable ASCII, by far the common case, is copied; anything encoding/json
// would escape (quotes, backslashes, control characters, <, >, &, non-ASCII
// that may be invalid UTF-8 or U+2028/U+2029) goes through encoding/json
// itself so the two can never disagree.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
