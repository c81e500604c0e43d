package injection

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

func newNoSQLi() *technique {
	return &technique{
		id: "injection.nosqli", title: "NoSQL operator injection", owasp: core.APIInjection, cwe: 943, severity: core.SeverityHigh,
		applies:  func(p point) bool { return p.in == "query" || p.in == "body" },
		skipWhy:  "no query parameter or body field",
		perPoint: 4,
		planned:  "[$ne]/[$gt] query keys or {\"$ne\": null} values against a no-match control",
		test:     noSQLi,
		remediation: func(p point) string {
			return "Accept only scalars where scalars are expected (reject objects and bracket keys before they reach the query " +
				"builder; in Mongoose set sanitizeFilter). " + injectionGuard("nosqli", p)
		},
	}
}

// noSQLi compares a value that matches nothing (the control) with two
// operator variants that match everything ($ne, $gt). The answer must grow
// (more records, or a refusal turned into a 2xx: an authentication bypass)
// for both, and a bracket key that is not an operator must not make it
// grow: a server that drops an unknown parameter also "grows", and that is
// no injection.
func noSQLi(ctx context.Context, t *trial) (*proof, string, error) {
	nothing := "rampart-none-" + probe.RandomHex(4)
	var ne, gt, inert variant
	if t.pt.in == "query" {
		ne = variant{value: nothing, rawKey: t.pt.name + "[$ne]"}
		gt = variant{value: "", rawKey: t.pt.name + "[$gt]"}
		inert = variant{value: nothing, rawKey: t.pt.name + "[rampart]"}
	} else {
		ne = variant{value: map[string]any{"$ne": nil}}
		gt = variant{value: map[string]any{"$gt": ""}}
		inert = variant{value: map[string]any{"rampart": nil}}
	}
	ctl, err := t.try(ctx, plain(nothing))
	if err != nil || !answered(ctl) {
		return nil, "no answer to the control", err
	}
	r1, err := t.try(ctx, ne)
	if err != nil || !answered(r1) || !grew(ctl, r1) {
		return nil, "operators change nothing", err
	}
	r2, err := t.try(ctx, gt)
	if err != nil || !answered(r2) || !grew(ctl, r2) {
		return nil, "only one operator changed the answer", err
	}
	r3, err := t.try(ctx, inert)
	if err != nil {
		return nil, "", err
	}
	if answered(r3) && grew(ctl, r3) {
		return nil, "a non-operator bracket key grows the answer too (the parameter is dropped, not interpreted)", nil
	}
	what := fmt.Sprintf("the answer grows from %d to %d records", size(ctl), size(r1))
	if refusedStatus(ctl.Status) {
		what = fmt.Sprintf("a refusal (%d) becomes %d: the check the value feeds is bypassed", ctl.Status, r1.Status)
	}
	return &proof{
		payload: describeVariant(t.pt, ne),
		detail: fmt.Sprintf("a value that matches nothing is answered %d, but the operators $ne and $gt in its place match "+
			"everything: %s. A bracket key that is not an operator does not: the value reaches the database as a query operator.", ctl.Status, what),
		reason: "two different operators ($ne, $gt) grew the answer over a no-match control; a non-operator key did not",
		evidence: []core.Exchange{
			noted(r1, "probe: $ne matches everything"),
			noted(r2, "second probe: $gt matches everything"),
			noted(ctl, "control: a value that matches nothing"),
			noted(r3, "control: a bracket key that is not an operator"),
		},
	}, "", nil
}

// grew: the probe got a 2xx where the control was refused, or both got
// 2xx and the probe holds more.
func grew(ctl, probeResp *core.Response) bool {
	if !probe.Is2xx(probeResp.Status) {
		return false
	}
	if refusedStatus(ctl.Status) {
		return true
	}
	return probe.Is2xx(ctl.Status) && size(probeResp) > size(ctl)
}

func refusedStatus(s int) bool {
	return s == http.StatusUnauthorized || s == http.StatusForbidden || s == http.StatusNotFound
}

func describeVariant(p point, v variant) string {
	if v.rawKey != "" {
		return v.rawKey + "=" + fmt.Sprint(v.value)
	}
	raw, _ := json.Marshal(map[string]any{p.name: v.value})
	return string(raw)
}
