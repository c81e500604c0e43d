package authz

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// Checks returns the authorization stage's checks, in run order. Mass
// assignment runs last: it changes the caller's own privileges (and puts
// them back), which must not colour the other two.
func Checks() []core.Check {
	return []core.Check{BOLACheck{}, BFLACheck{}, MassAssignmentCheck{}}
}

// userPair returns two working non-administrator profiles, preferring the
// conventional names user1 and user2.
func userPair(s *core.Scan) (string, string, bool) {
	var users []string
	for _, p := range probe.Profiles(s) {
		if !probe.Privileged(p) {
			users = append(users, p)
		}
	}
	slices.SortStableFunc(users, func(a, b string) int { return rank(a) - rank(b) })
	if len(users) < 2 {
		return "", "", false
	}
	return users[0], users[1], true
}

func rank(name string) int {
	switch name {
	case "user1":
		return 0
	case "user2":
		return 1
	}
	return 2
}

// adminProfile returns a working administrator profile, or "".
func adminProfile(s *core.Scan) string {
	for _, p := range probe.Profiles(s) {
		if probe.Privileged(p) {
			return p
		}
	}
	return ""
}

// fillPath is op's path with param set to value and every other parameter
// at its example (probe.ConcretePath escapes them all).
func fillPath(op core.Operation, param, value string) string {
	op.Params = slices.Clone(op.Params)
	found := false
	for i := range op.Params {
		if op.Params[i].Name == param && op.Params[i].In == "path" {
			op.Params[i].Example, found = value, true
		}
	}
	if !found {
		op.Params = append(op.Params, core.Param{Name: param, In: "path", Example: value})
	}
	return probe.ConcretePath(op)
}

// lastPathParam is the name of the template parameter that is the last
// segment of p ("/api/items/{id}" → "id"), or "".
func lastPathParam(p string) string {
	seg := p[strings.LastIndexByte(p, '/')+1:]
	if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && len(seg) > 2 {
		return seg[1 : len(seg)-1]
	}
	return ""
}

// jsonObject decodes a body that is a JSON object, keeping numbers as
// written.
func jsonObject(body []byte) (map[string]any, bool) {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// scalarString renders an id-like JSON value, or "".
func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

// errorShaped reports an answer that is an error whatever its status: a
// problem+json, or a JSON object whose only business is an error.
func errorShaped(resp *core.Response) bool {
	if strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		return true
	}
	m, ok := jsonObject(resp.Body)
	if !ok {
		return false
	}
	for _, k := range []string{"error", "errors", "message", "detail"} {
		if _, has := m[k]; has && len(m) <= 3 {
			return true
		}
	}
	return false
}

// send is s.Do with the check's id; a transport error is returned as is.
func send(ctx context.Context, s *core.Scan, check, method, path, profile string, body []byte, unsafe bool) (*core.Response, error) {
	req := core.Request{Method: method, Path: path, Profile: profile, Check: check, Body: body, Unsafe: unsafe}
	if body != nil {
		req.Header = http.Header{"Content-Type": {"application/json"}}
	}
	return s.Do(ctx, req)
}

// locationID is the last segment of a Location header, or "".
func locationID(h http.Header) string {
	loc := h.Get("Location")
	if loc == "" {
		return ""
	}
	if u, err := url.Parse(loc); err == nil {
		loc = u.Path
	}
	loc = strings.TrimRight(loc, "/")
	seg, _ := url.PathUnescape(loc[strings.LastIndexByte(loc, '/')+1:])
	return seg
}

// note returns a copy of an exchange with a note for the evidence.
func note(ex core.Exchange, n string) core.Exchange {
	ex.Note = n
	return ex
}

// present drops empty profile names (an absent admin or second user) from
// a CoverAs list.
func present(profiles ...string) []string {
	var out []string
	for _, p := range profiles {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
