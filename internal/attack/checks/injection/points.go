package injection

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// point is one input of one operation that a payload can go into.
type point struct {
	op     core.Operation
	in     string // "path", "query" or "body"
	name   string
	typ    string // the spec's type: string, integer, …; "" unknown
	format string
	orig   string // the example value the operation is normally called with
}

// location names the input in findings and coverage: "query.q",
// "body./url", "path.id".
func (p point) location() string {
	if p.in == "body" {
		return "body./" + p.name
	}
	return p.in + "." + p.name
}

// stringy reports an input that holds text (or whose type is unknown).
func (p point) stringy() bool { return p.typ == "" || p.typ == "string" }

// points lists an operation's injectable inputs: path and query parameters
// and the top-level fields of a JSON body. Headers and cookies are left
// alone: they carry the scan's own credentials.
func points(op core.Operation) []point {
	var out []point
	for _, prm := range op.Params {
		if prm.In != "path" && prm.In != "query" {
			continue
		}
		out = append(out, point{op: op, in: prm.In, name: prm.Name, typ: prm.Type, format: prm.Format, orig: probe.ExampleValue(prm)})
	}
	if op.Body != nil && strings.Contains(op.Body.MediaType, "json") {
		for _, f := range op.Body.Fields {
			if slices.Contains(op.Body.ReadOnly, f.Name) {
				continue
			}
			orig := probe.ExampleValue(f)
			if v, ok := op.Body.Example[f.Name].(string); ok {
				orig = v
			}
			out = append(out, point{op: op, in: "body", name: f.Name, typ: f.Type, format: f.Format, orig: orig})
		}
	}
	return out
}

// variant is what goes into a point: a value, and for a query parameter
// optionally another key ("q[$ne]", the qs/PHP bracket syntax).
type variant struct {
	value  any    // a string, or any JSON value for a body field
	rawKey string // query only: the parameter name as sent
}

// plain is a string variant.
func plain(v string) variant { return variant{value: v} }

// request builds the request that puts v into p, every other input at its
// example.
func (p point) request(v variant) (path string, body []byte, err error) {
	op := p.op
	val := fmt.Sprint(v.value)
	tpl := op.Path
	if p.in == "path" {
		tpl = strings.ReplaceAll(tpl, "{"+p.name+"}", url.PathEscape(val))
	}
	q := url.Values{}
	for _, prm := range op.Params {
		switch {
		case prm.In == "path" && !(p.in == "path" && prm.Name == p.name):
			tpl = strings.ReplaceAll(tpl, "{"+prm.Name+"}", url.PathEscape(probe.ExampleValue(prm)))
		case prm.In == "query" && p.in == "query" && prm.Name == p.name:
			key := prm.Name
			if v.rawKey != "" {
				key = v.rawKey
			}
			q.Set(key, val)
		case prm.In == "query" && prm.Required:
			q.Set(prm.Name, probe.ExampleValue(prm))
		}
	}
	if len(q) > 0 {
		tpl += "?" + q.Encode()
	}
	if op.Body != nil && strings.Contains(op.Body.MediaType, "json") {
		b := map[string]any{}
		for _, f := range op.Body.Fields {
			if f.Required {
				b[f.Name] = probe.ExampleValue(f)
			}
		}
		for k, ex := range op.Body.Example {
			b[k] = ex
		}
		if p.in == "body" {
			b[p.name] = v.value
		}
		body, err = json.Marshal(b)
	}
	return tpl, body, err
}

// send puts v into p and sends it as profile.
func (p point) send(ctx context.Context, s *core.Scan, check, profile string, v variant, timeout time.Duration) (*core.Response, error) {
	path, body, err := p.request(v)
	if err != nil {
		return nil, err
	}
	req := core.Request{Method: p.op.Method, Path: path, Body: body, Profile: profile, Check: check, Timeout: timeout}
	if body != nil {
		req.Header = http.Header{"Content-Type": {"application/json"}}
	}
	return s.Do(ctx, req)
}
