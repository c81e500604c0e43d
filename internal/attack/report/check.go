package report

import (
	"errors"
	"fmt"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// validate refuses what no renderer can write faithfully: no report, or a
// severity outside the five names the schema, the SARIF levels and the
// summary know.
func validate(r *core.Report) error {
	if r == nil {
		return errors.New("no report to write")
	}
	for i := range r.Findings {
		if s := r.Findings[i].Severity; !knownSeverity(s) {
			return fmt.Errorf("finding %d (%q): %s is not a known severity", i+1, r.Findings[i].ID, s)
		}
	}
	return nil
}

func knownSeverity(s core.Severity) bool {
	return s >= core.SeverityInfo && s <= core.SeverityCritical
}

// severitiesDesc lists the severities most severe first, the order every
// rendering groups findings in.
var severitiesDesc = []core.Severity{core.SeverityCritical, core.SeverityHigh,
	core.SeverityMedium, core.SeverityLow, core.SeverityInfo}

// coverageStates lists the ledger states in the order they are counted.
var coverageStates = []core.CoverageStatus{core.Tested, core.Skipped, core.NotReached, core.Invalid}

// severityCounts counts findings per severity.
func severityCounts(r *core.Report) map[core.Severity]int {
	n := map[core.Severity]int{}
	for i := range r.Findings {
		n[r.Findings[i].Severity]++
	}
	return n
}

// coverageCounts counts ledger rows per state.
func coverageCounts(r *core.Report) map[core.CoverageStatus]int {
	n := map[core.CoverageStatus]int{}
	for _, c := range r.Coverage {
		n[c.Status]++
	}
	return n
}

// bySeverity returns the findings most severe first, keeping report order
// within a severity.
func bySeverity(r *core.Report) []core.Finding {
	out := make([]core.Finding, 0, len(r.Findings))
	for _, s := range severitiesDesc {
		for _, f := range r.Findings {
			if f.Severity == s {
				out = append(out, f)
			}
		}
	}
	return out
}

// wholeTarget names the location of a finding about the whole target
// (Finding.Endpoint empty, or the ledger's "*").
const wholeTarget = "(target)"

func endpointName(e string) string {
	if e == "" || e == "*" {
		return wholeTarget
	}
	return e
}
