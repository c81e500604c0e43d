package demo

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// Verdicts of the THROUGH RAMPART column.
const (
	verdictExposed = "EXPOSED" // the gateway scan proved it too
	verdictBlocked = "blocked" // the gateway denied the requests that prove it
	verdictMasked  = "masked"  // nothing denied, the answer no longer shows it
	// verdictUntested: the gateway scan did not get to test it (the check
	// was skipped or not reached there); STOPPED BY says why.
	verdictUntested = "not tested"
)

// hygiene names the defence when a finding disappears without a denial:
// the gateway's response hygiene (banners removed, error bodies replaced,
// security headers added) never denies a request.
const hygiene = "response hygiene"

// row is one finding of the direct scan and what became of it through the
// gateway.
type row struct {
	key     findingKey
	owasp   string
	verdict string
	// stoppedBy names the guard that denied the check's requests
	// ("injection (sqli)"), "response hygiene", for an exposed finding the
	// planned defence, for an untested one why.
	stoppedBy string
}

// findingKey groups findings: the same check, endpoint and title is the
// same weakness, whatever parameter or evidence proved it.
type findingKey struct {
	check, endpoint, title string
}

func keyOf(f core.Finding) findingKey {
	return findingKey{check: f.Check, endpoint: f.Endpoint, title: f.Title}
}

// compare makes one row per finding of the direct scan, in the order of
// the attack chain.
func compare(direct, through *core.Report, rec *denialRecorder) []row {
	found := map[findingKey]bool{}
	for _, f := range through.Findings {
		found[keyOf(f)] = true
	}
	seen := map[findingKey]bool{}
	var rows []row
	for _, f := range direct.Findings {
		k := keyOf(f)
		if seen[k] {
			continue
		}
		seen[k] = true
		r := row{key: k, owasp: f.OWASP}
		why := untested(through, f.Check, f.Endpoint)
		switch {
		case found[k]:
			r.verdict = verdictExposed
			if d, ok := undefended(k); ok {
				r.stoppedBy = "planned: " + d.planned
			}
		case why != "":
			r.verdict, r.stoppedBy = verdictUntested, why
		default:
			if by := rec.stoppedBy(f.Check, evidenceRequests(f), f.Endpoint); by != "" {
				r.verdict, r.stoppedBy = verdictBlocked, by
			} else {
				r.verdict, r.stoppedBy = verdictMasked, hygiene
			}
		}
		rows = append(rows, r)
	}
	inheritFromPrerequisites(rows, through)
	sort.SliceStable(rows, func(i, j int) bool {
		return stageRank(direct, rows[i].key.check) < stageRank(direct, rows[j].key.check)
	})
	return rows
}

// prerequisites are checks that attack only what an earlier check found:
// resource.concurrency floods the expensive request resource.page_size
// discovered, and skips when there is none.
var prerequisites = map[string]string{
	"resource.concurrency": "resource.page_size",
}

// inheritFromPrerequisites: a check the gateway scan skipped because its
// prerequisite found nothing to build on was stopped by whatever stopped
// the prerequisite on the same endpoint.
func inheritFromPrerequisites(rows []row, through *core.Report) {
	for i := range rows {
		r := &rows[i]
		pre, ok := prerequisites[r.key.check]
		if !ok || r.verdict != verdictUntested || checkStatus(through, r.key.check) != core.CheckSkipped {
			continue
		}
		for _, p := range rows {
			if p.key.check == pre && p.key.endpoint == r.key.endpoint && (p.verdict == verdictBlocked || p.verdict == verdictMasked) {
				r.verdict, r.stoppedBy = p.verdict, p.stoppedBy+", which stopped "+pre
				break
			}
		}
	}
}

func checkStatus(r *core.Report, check string) string {
	for _, c := range r.Checks {
		if c.ID == check {
			return c.Status
		}
	}
	return ""
}

// untested says why the scan did not test check on endpoint ("" for the
// whole target), or "" when it did: the check did not run to the end, or
// the ledger has rows for the endpoint and none of them is tested.
func untested(r *core.Report, check, endpoint string) string {
	for _, c := range r.Checks {
		if c.ID == check && c.Status != core.CheckRan {
			return c.Status + ": " + c.Reason
		}
	}
	if endpoint == "" {
		return ""
	}
	reason := ""
	for _, c := range r.Coverage {
		if c.Check != check || c.Endpoint != endpoint {
			continue
		}
		if c.Status == core.Tested {
			return ""
		}
		if reason == "" {
			reason = string(c.Status) + ": " + c.Reason
		}
	}
	return reason
}

// evidenceRequests are the requests that showed the flaw directly; the
// gateway scan sent the same kinds of request.
func evidenceRequests(f core.Finding) []requestKey {
	var out []requestKey
	for _, ex := range f.Evidence {
		k := requestKey{method: ex.Request.Method, authed: ex.Request.Profile != ""}
		if u, err := url.Parse(ex.Request.URL); err == nil {
			k.path = u.Path
		}
		out = append(out, k)
	}
	return out
}

// stageRank orders rows by the attack chain: the position of the check in
// the report's run order.
func stageRank(r *core.Report, check string) int {
	for i, c := range r.Checks {
		if c.ID == check {
			return i
		}
	}
	return len(r.Checks)
}

// printFindings prints the simulator table.
func printFindings(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ATTACK\tOWASP\tDIRECT\tTHROUGH RAMPART\tSTOPPED BY")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", attackName(r.key), r.owasp, verdictExposed, r.verdict, r.stoppedBy)
	}
	_ = tw.Flush()
}

// attackName is the ATTACK column: the finding's title and where.
func attackName(k findingKey) string {
	if k.endpoint == "" {
		return k.title
	}
	return k.title + " — " + k.endpoint
}

// printScans prints what each scan cost.
func printScans(w io.Writer, before, after scanResult) {
	for _, s := range []struct {
		name string
		res  scanResult
	}{{"direct", before}, {"through Rampart", after}} {
		r := s.res.report
		state := "complete"
		if !r.Complete {
			state = "INCOMPLETE"
		}
		fmt.Fprintf(w, "Scan %-16s %d requests in %s, %d findings, %s\n", s.name+":", r.Requests,
			s.res.elapsed.Round(100*time.Millisecond), len(r.Findings), state)
	}
}

// onlyThrough lists the findings of the gateway scan that the direct scan
// did not have: what the gateway itself shows an attacker (or a check
// misreading the gateway's answers), worth a look either way.
func onlyThrough(direct, through *core.Report) []findingKey {
	had := map[findingKey]bool{}
	for _, f := range direct.Findings {
		had[keyOf(f)] = true
	}
	var out []findingKey
	for _, f := range through.Findings {
		if k := keyOf(f); !had[k] {
			had[k] = true
			out = append(out, k)
		}
	}
	return out
}

func printOnlyThrough(w io.Writer, keys []findingKey) {
	if len(keys) == 0 {
		return
	}
	fmt.Fprintln(w, "Found only through Rampart (see the gateway report):")
	for _, k := range keys {
		fmt.Fprintf(w, "  %s (%s)\n", attackName(k), k.check)
	}
	fmt.Fprintln(w)
}
