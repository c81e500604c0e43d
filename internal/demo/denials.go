package demo

import (
	"strings"
	"sync"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// simulatorAgent is the User-Agent prefix of the simulator's requests; the
// check id follows it ("rampart-attack/authz.bola").
const simulatorAgent = "rampart-attack/"

// Bounds of what the recorder keeps: the simulator has a few dozen checks
// and sends a few thousand requests, so these are never reached by the
// demo; they keep a stray client from growing the maps.
const (
	maxRecordedChecks   = 128
	maxPathsPerCheck    = 512
	maxDenialsPerBucket = 16
)

// denial is what the table needs of a pipeline.Denial.
type denial struct {
	Guard, Rule, Code string
	Status            int
}

// label is how the table names the guard that stopped a request:
// "injection (sqli)", "objects".
func (d denial) label() string {
	if d.Rule == "" || d.Rule == d.Guard {
		return d.Guard
	}
	return d.Guard + " (" + d.Rule + ")"
}

// tally counts requests and the denials among them.
type tally struct {
	requests int
	denials  map[denial]int
}

func (t *tally) add(ds []pipeline.Denial) {
	t.requests++
	for _, d := range ds {
		k := denial{Guard: d.Guard, Rule: d.Rule, Code: d.Code, Status: d.Status}
		if _, ok := t.denials[k]; !ok && len(t.denials) >= maxDenialsPerBucket {
			continue
		}
		if t.denials == nil {
			t.denials = map[denial]int{}
		}
		t.denials[k]++
	}
}

// checkLog is one check's requests through the gateway: all of them, and
// by request (method, path without the query, and whether the gateway
// authenticated it).
type checkLog struct {
	all    tally
	byPath map[requestKey]*tally
}

// requestKey names requests of one kind.
type requestKey struct {
	method, path string
	// authed: the gateway established an identity (a profile's request
	// that got past authentication), as opposed to an anonymous one or a
	// forged token.
	authed bool
}

// denialRecorder is the gateway's extra Outcome sink in the demo: per
// simulator check (named by the User-Agent), which requests the gateway
// saw and which guard denied what. It holds a mutex for a few map
// operations per request and never blocks otherwise.
type denialRecorder struct {
	mu     sync.Mutex
	checks map[string]*checkLog
}

func newDenialRecorder() *denialRecorder {
	return &denialRecorder{checks: map[string]*checkLog{}}
}

// WriteOutcome implements pipeline.OutcomeSink.
func (r *denialRecorder) WriteOutcome(o *pipeline.Outcome) {
	check, ok := strings.CutPrefix(o.UserAgent, simulatorAgent)
	if !ok || check == "" {
		return
	}
	key := requestKey{method: o.Method, path: o.Path, authed: o.Identity != nil}
	r.mu.Lock()
	defer r.mu.Unlock()
	cl := r.checks[check]
	if cl == nil {
		if len(r.checks) >= maxRecordedChecks {
			return
		}
		cl = &checkLog{byPath: map[requestKey]*tally{}}
		r.checks[check] = cl
	}
	cl.all.add(o.Denials)
	t := cl.byPath[key]
	if t == nil {
		if len(cl.byPath) >= maxPathsPerCheck {
			return
		}
		t = &tally{}
		cl.byPath[key] = t
	}
	t.add(o.Denials)
}

// requests is how many of check's requests reached the gateway.
func (r *denialRecorder) requests(check string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cl := r.checks[check]; cl != nil {
		return cl.all.requests
	}
	return 0
}

// stoppedBy names the guard that denied most of check's requests of
// interest, or "" when the gateway let them through (the finding then
// disappeared by response hygiene).
//
// The requests of interest are, in order, the first set the gateway saw:
// the finding's evidence requests (method, path, and whether sent as a
// profile: when any was, only those, since the anonymous ones are
// controls), then the check's requests to the finding's endpoint (a
// template such as "GET /api/items/{id}"), then all the check's requests
// when the gateway saw none of the former. Rate-limit refusals rank last:
// they say the simulator was slowed down, not what stopped the attack,
// unless nothing else denied.
func (r *denialRecorder) stoppedBy(check string, evidence []requestKey, endpoint string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	cl := r.checks[check]
	if cl == nil {
		return ""
	}
	authedOnly := false
	for _, k := range evidence {
		authedOnly = authedOnly || k.authed
	}
	var seen map[denial]int
	for _, k := range evidence {
		if t := cl.byPath[k]; t != nil && (k.authed || !authedOnly) {
			seen = merge(seen, t.denials)
		}
	}
	if by := top(seen); by != "" {
		return by
	}
	if endpoint != "" {
		var atEndpoint map[denial]int
		for k, t := range cl.byPath {
			if (k.authed || !authedOnly) && matchesEndpoint(endpoint, k.method+" "+k.path) {
				atEndpoint = merge(atEndpoint, t.denials)
			}
		}
		if by := top(atEndpoint); by != "" {
			return by
		}
		seen = merge(seen, atEndpoint)
	}
	if seen != nil {
		return "" // the requests that matter went through untouched
	}
	return top(cl.all.denials)
}

// merge adds src's counts to dst, allocating dst when nil (so that a
// request seen without denials still counts as seen).
func merge(dst, src map[denial]int) map[denial]int {
	if dst == nil {
		dst = map[denial]int{}
	}
	for d, n := range src {
		dst[d] += n
	}
	return dst
}

// top names the most frequent denial, preferring any other guard to rate
// limiting; "" for none.
func top(ds map[denial]int) string {
	best, bestN, bestRate := "", 0, true
	byLabel := map[string]int{}
	for d, n := range ds {
		byLabel[d.label()] += n
	}
	for d := range ds {
		label, n, rate := d.label(), byLabel[d.label()], isRateLimit(d)
		better := best == "" ||
			(bestRate && !rate) ||
			(rate == bestRate && (n > bestN || (n == bestN && label < best)))
		if better {
			best, bestN, bestRate = label, n, rate
		}
	}
	return best
}

// isRateLimit reports whether d only throttled the client.
func isRateLimit(d denial) bool {
	return strings.HasPrefix(d.Guard, "ratelimit") || d.Guard == "shed"
}

// matchesEndpoint reports whether "METHOD /path" is an instance of the
// endpoint template "METHOD /a/{id}/b": same method, same number of
// segments, literal segments equal.
func matchesEndpoint(endpoint, request string) bool {
	em, ep, ok1 := strings.Cut(endpoint, " ")
	rm, rp, ok2 := strings.Cut(request, " ")
	if !ok1 || !ok2 || em != rm {
		return false
	}
	es, rs := strings.Split(ep, "/"), strings.Split(rp, "/")
	if len(es) != len(rs) {
		return false
	}
	for i, seg := range es {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if rs[i] == "" {
				return false
			}
			continue
		}
		if seg != rs[i] {
			return false
		}
	}
	return true
}
