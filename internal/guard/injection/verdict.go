package injection

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// The denial every detected attack gets. The client learns nothing of the
// rule, the location or the score: telling an attacker which encoding was
// caught is telling them which to try next.
const (
	Code          = "injection_detected"
	PublicMessage = "The request was blocked by a security rule."
)

// OWASP API Security Top 10 2023 categories of the denials.
const (
	CategoryInjection = "API8:2023" // security misconfiguration: unsanitised input reaches an interpreter
	CategorySSRF      = "API7:2023" // server side request forgery
)

// maxFindings bounds the matches kept per request for evidence; the total
// score still counts every match.
const maxFindings = 8

// finding is one match kept for the evidence.
type finding struct {
	rule     string // native rule id ("sqli") or CRS rule id ("942100")
	reason   string // native: the evidence's name ("union select")
	cwe      int
	category string
	severity pipeline.Severity
	score    int
	location string
	key      bool   // the input was a name (JSON key, parameter name), not a value
	snippet  string // already redacted
	variant  string // native: the normalisation that revealed it
}

// reasonScore is the best score of one (rule, reason) pair in a request.
type reasonScore struct {
	rule, reason string
	score        int
}

// verdict accumulates a request's matches. Guards keep them in a pool.
type verdict struct {
	engine    string
	threshold int
	truncated bool
	total     int
	scores    []reasonScore
	findings  []finding
	more      int // matches beyond maxFindings
}

func (v *verdict) reset(threshold int, truncated bool) {
	v.threshold, v.truncated = threshold, truncated
}

// clear drops everything, keeping the slices' memory.
func (v *verdict) clear() {
	clear(v.findings)
	*v = verdict{scores: v.scores[:0], findings: v.findings[:0]}
}

// addScored counts a native match the way injection.Total does: each
// (rule, reason) pair once, at its best score, so the same weak evidence
// repeated over a list does not add up to an attack while different
// evidence does.
func (v *verdict) addScored(f finding) {
	for i := range v.scores {
		s := &v.scores[i]
		if s.rule == f.rule && s.reason == f.reason {
			if f.score > s.score {
				v.total += f.score - s.score
				s.score = f.score
			}
			v.keep(f)
			return
		}
	}
	v.scores = append(v.scores, reasonScore{rule: f.rule, reason: f.reason, score: f.score})
	v.total += f.score
	v.keep(f)
}

// keep records f for the evidence, within maxFindings.
func (v *verdict) keep(f finding) {
	if len(v.findings) < maxFindings {
		v.findings = append(v.findings, f)
		return
	}
	v.more++
}

// done reports whether scanning can stop: the request is over its
// threshold and the evidence is full.
func (v *verdict) done() bool {
	return v.total >= v.threshold && len(v.findings) >= maxFindings
}

// top returns the finding that names the denial: the highest score, then
// the highest severity, then the first.
func (v *verdict) top() *finding {
	var best *finding
	for i := range v.findings {
		f := &v.findings[i]
		if best == nil || f.score > best.score ||
			(f.score == best.score && severityRank(f.severity) > severityRank(best.severity)) {
			best = f
		}
	}
	return best
}

// denial returns the 403 when the total reached the threshold, else nil.
func (v *verdict) denial() *pipeline.Denial {
	if v.total < v.threshold {
		return nil
	}
	top := v.top()
	if top == nil {
		// A score with no match to show: a custom CRS rule that adds to the
		// anomaly score without a severity.
		top = &finding{rule: "anomaly_score", category: CategoryInjection, severity: pipeline.SeverityMedium}
	}
	severity := top.severity
	for i := range v.findings {
		if severityRank(v.findings[i].severity) > severityRank(severity) {
			severity = v.findings[i].severity
		}
	}
	return &pipeline.Denial{
		Status:        http.StatusForbidden,
		Code:          Code,
		PublicMessage: PublicMessage,
		Rule:          top.rule,
		Severity:      severity,
		Category:      top.category,
		Evidence:      v.evidence(top),
	}
}

// evidence is the Event's record of the decision. Values are short and
// redacted: snippets are windows of at most 64 bytes with non-printable
// bytes escaped, locations are escaped and cut, and secret-bearing inputs
// show no snippet at all.
func (v *verdict) evidence(top *finding) map[string]string {
	ev := map[string]string{
		"engine":    v.engine,
		"location":  top.location,
		"rule":      top.rule,
		"snippet":   top.snippet,
		"score":     strconv.Itoa(v.total),
		"threshold": strconv.Itoa(v.threshold),
		"matches":   v.matchList(),
	}
	if top.cwe > 0 {
		ev["cwe"] = "CWE-" + strconv.Itoa(top.cwe)
	}
	if top.variant != "" {
		ev["variant"] = top.variant
	}
	if top.reason != "" {
		ev["reason"] = top.reason
	}
	if top.key {
		ev["key"] = "true"
	}
	if v.truncated {
		ev["body_truncated"] = "true"
	}
	return ev
}

// matchList is "sqli@query.q,xss@body./note", each pair once, with "+N"
// for matches beyond those kept.
func (v *verdict) matchList() string {
	var b strings.Builder
	seen := 0
	for i := range v.findings {
		f := &v.findings[i]
		dup := false
		for j := range i {
			if v.findings[j].rule == f.rule && v.findings[j].location == f.location {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if seen > 0 {
			b.WriteByte(',')
		}
		seen++
		b.WriteString(f.rule)
		b.WriteByte('@')
		b.WriteString(f.location)
	}
	if v.more > 0 {
		b.WriteString(",+")
		b.WriteString(strconv.Itoa(v.more))
	}
	return b.String()
}

func severityRank(s pipeline.Severity) int {
	switch s {
	case pipeline.SeverityCritical:
		return 4
	case pipeline.SeverityHigh:
		return 3
	case pipeline.SeverityMedium:
		return 2
	case pipeline.SeverityLow:
		return 1
	}
	return 0
}
