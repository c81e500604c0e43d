package resource

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// Checks returns the resource stage's checks, in run order: the
// concurrency ramp needs what page_size learnt.
func Checks() []core.Check {
	return []core.Check{
		BodySizeCheck{Size: DefaultBodySize},
		JSONDepthCheck{Depth: DefaultDepth},
		PageSizeCheck{},
		ConcurrencyCheck{Levels: DefaultLevels},
	}
}

// expensiveKey is the Scan value (expensive) where page_size leaves the
// costliest request it found for the concurrency ramp.
const expensiveKey = "resource.expensive"

// expensive is one request whose cost the client chose.
type expensive struct {
	op      core.Operation
	path    string // with the parameter at a value below the one reported
	profile string
	single  time.Duration
}

// profileFor is the profile an operation is called as: the first regular
// user when it declares security, else anonymous.
func profileFor(s *core.Scan, op core.Operation) (string, bool) {
	if !op.Secured {
		return "", true
	}
	u := probe.Unprivileged(s)
	return u, u != ""
}

// bodyOps returns the operations that take a JSON body the checks may
// send: POST only, because a body the server accepts then creates an
// object the scan owns, while PUT and PATCH would overwrite something that
// exists (the caller's profile, someone's object). It also says why each
// other body operation is left out.
func bodyOps(s *core.Scan) (ops []core.Operation, skipped map[string]string) {
	skipped = map[string]string{}
	for _, op := range s.Operations() {
		switch {
		case op.Body == nil || !strings.Contains(op.Body.MediaType, "json"):
			continue
		case op.Method == http.MethodPost:
			ops = append(ops, op)
		default:
			skipped[op.Key()] = op.Method + " would overwrite an existing resource: bodies are sent to POST operations only"
		}
	}
	return ops, skipped
}

// exampleBody is the operation's example JSON body, its required fields
// filled when the spec gave no example.
func exampleBody(op core.Operation) []byte {
	b := map[string]any{}
	for _, f := range op.Body.Fields {
		if f.Required {
			b[f.Name] = probe.ExampleValue(f)
		}
	}
	for k, v := range op.Body.Example {
		b[k] = v
	}
	raw, _ := json.Marshal(b)
	return raw
}

// send sends one request for a check.
func send(ctx context.Context, s *core.Scan, check string, op core.Operation, path, profile string, body []byte, timeout time.Duration) (*core.Response, error) {
	req := core.Request{Method: op.Method, Path: path, Profile: profile, Check: check, Body: body, Timeout: timeout}
	if body != nil {
		req.Header = http.Header{"Content-Type": {"application/json"}}
	}
	return s.Do(ctx, req)
}

// trackCreated records the object a 2xx answer to a POST created, so that
// --safe later allows cleaning it up.
func trackCreated(s *core.Scan, r *core.Response) {
	if r == nil || !probe.Is2xx(r.Status) {
		return
	}
	if loc := r.Header.Get("Location"); strings.HasPrefix(loc, "/") {
		s.TrackCreated(strings.SplitN(loc, "?", 2)[0])
	}
}

// loopback reports whether the scan's target is this host.
func loopback(s *core.Scan) bool {
	h := s.Target().Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// median of durations; zero for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// shellQuote wraps s in single quotes for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// bigBody is a body shaped like the example, with n bytes of filler made
// by a shell command, for evidence and curl: the body itself is too big to
// keep.
type bigBody struct {
	head, tail string // JSON around the filler
	filler     string // shell command writing the filler to stdout
	n          int
}

// curl is a command that streams the same body to the same request: the
// generator, then curl reading it from stdin on the next line.
func (b bigBody) curl(req core.HTTPRequest) string {
	req.Body = ""
	return "{ printf '%s' " + shellQuote(b.head) + "; " + b.filler + "; printf '%s' " + shellQuote(b.tail) + "; } | \\\n" +
		probe.Curl(req) + " --data-binary @-"
}

// evidence is the exchange with the body replaced by a description.
func (b bigBody) evidence(ex core.Exchange, note, what string) core.Exchange {
	ex.Note = note
	ex.Request.Body = b.head + "…[" + what + "]…" + b.tail
	return ex
}
