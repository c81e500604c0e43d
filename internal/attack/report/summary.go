package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// Column limits of the summary, in runes: a finding is one line, however
// long the title a check built from the target's answers.
const (
	maxEndpoint = 60
	maxTitle    = 90
	maxReason   = 200
)

// Summary writes the terminal summary of a scan: the header, findings by
// severity, one line per finding (severity, OWASP id, endpoint, title),
// the coverage counts and, for an incomplete scan, why it stopped. For a
// --plan run (Report.Plan set) it lists the planned requests instead.
//
// With color set, severities and the scan state are colored with ANSI
// escapes; without it the output is plain text for logs and CI. Either
// way every value from the report is made safe for a terminal first:
// control characters (ESC included, so a hostile title cannot inject
// escape sequences, CWE-150) and invisible formatting characters are
// shown escaped, and long values are cut.
func Summary(w io.Writer, r *core.Report, color bool) error {
	if err := validate(r); err != nil {
		return err
	}
	p := painter(color)
	ew := &errWriter{w: w}

	fmt.Fprintf(ew, "%s %s\n", p(bold, "Rampart attack report:"), clean(r.Target, maxEndpoint*2))
	state := p(green, "complete")
	if !r.Complete {
		state = p(yellow, "INCOMPLETE")
	}
	fmt.Fprintf(ew, "%d requests%s, scan %s\n", r.Requests, took(r), state)
	if r.Spec != "" {
		fmt.Fprintf(ew, "API description: %s\n", clean(r.Spec, maxReason))
	}
	if len(r.Plan) > 0 {
		// A plan run sent nothing: findings and coverage would be noise.
		writePlan(ew, r, p)
		return ew.err
	}

	counts := severityCounts(r)
	fmt.Fprintf(ew, "\n%s\n", p(bold, "Findings by severity"))
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	for _, s := range severitiesDesc {
		fmt.Fprintf(tw, "  %s\t%d\n", p(severityColor[s], s.String()), counts[s])
	}
	fmt.Fprintf(tw, "  %s\t%d\n", p(bold, "total"), len(r.Findings))
	tw.Flush()

	if len(r.Findings) > 0 {
		fmt.Fprintln(ew)
		tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p(bold, "SEVERITY"), p(bold, "OWASP"), p(bold, "ENDPOINT"), p(bold, "TITLE"))
		for _, f := range bySeverity(r) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p(severityColor[f.Severity], f.Severity.String()),
				p(plain, clean(f.OWASP, 12)), p(plain, clean(endpointName(f.Endpoint), maxEndpoint)), p(plain, clean(f.Title, maxTitle)))
		}
		tw.Flush()
	}

	states := coverageCounts(r)
	fmt.Fprintf(ew, "\n%s\n", p(bold, "Coverage"))
	tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	for _, s := range coverageStates {
		fmt.Fprintf(tw, "  %s\t%d\n", s, states[s])
	}
	tw.Flush()

	if !r.Complete {
		fmt.Fprintf(ew, "\n%s\n", p(yellow, "Scan incomplete: rows not reached were not tested"))
		for _, reason := range r.Incomplete {
			fmt.Fprintf(ew, "  - %s\n", clean(reason, maxReason))
		}
		if len(r.Incomplete) == 0 {
			fmt.Fprintln(ew, "  - no reason was recorded")
		}
	}
	return ew.err
}

func writePlan(w io.Writer, r *core.Report, p func(string, string) string) {
	fmt.Fprintf(w, "\n%s\n", p(bold, "Plan: what each check would send"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p(bold, "CHECK"), p(bold, "ENDPOINT"), p(bold, "AT MOST"), p(bold, "REQUESTS"))
	for _, c := range r.Plan {
		for _, q := range c.Requests {
			class := clean(q.Class, maxTitle)
			if q.Unsafe {
				class += " (unsafe)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p(plain, clean(c.ID, 40)), p(plain, clean(endpointName(q.Endpoint), maxEndpoint)),
				p(plain, fmt.Sprint(q.Count)), p(plain, class))
		}
	}
	tw.Flush()
}

// took is " in 2m3s" when both ends of the scan were recorded.
func took(r *core.Report) string {
	if r.Started.IsZero() || r.Finished.IsZero() {
		return ""
	}
	return " in " + r.Finished.Sub(r.Started).Round(100*time.Millisecond).String()
}

// ANSI SGR codes. Each is two characters, so every painted cell carries
// the same nine invisible bytes ("\x1b[NNm" + "\x1b[0m") and tabwriter,
// which counts bytes, still aligns a column in which every cell is
// painted. "00" paints nothing visible; it keeps plain cells of a painted
// column the same width as colored ones.
const (
	plain   = "00"
	bold    = "01"
	red     = "31"
	green   = "32"
	yellow  = "33"
	blue    = "34"
	magenta = "35"
	grey    = "90"
)

var severityColor = map[core.Severity]string{
	core.SeverityCritical: magenta, core.SeverityHigh: red, core.SeverityMedium: yellow,
	core.SeverityLow: blue, core.SeverityInfo: grey,
}

func painter(color bool) func(code, s string) string {
	if !color {
		return func(_, s string) string { return s }
	}
	return func(code, s string) string { return "\x1b[" + code + "m" + s + "\x1b[0m" }
}

// clean makes s safe and short for a terminal: control and format
// characters (ESC, CR, tab, bidi overrides, zero-width characters) are
// written as \u escapes, invalid UTF-8 as U+FFFD, and the result is cut
// to max runes with an ellipsis.
func clean(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, c := range s {
		if n == max {
			return strings.TrimRight(b.String(), " ") + "…"
		}
		if unsafeRune(c) {
			fmt.Fprintf(&b, `\u%04x`, c)
		} else {
			b.WriteRune(c)
		}
		n++
	}
	return b.String()
}

// errWriter keeps the first write error so that Summary can write freely
// and report it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
