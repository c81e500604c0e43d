package attack

import (
	"fmt"
	"io"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/attack/report"
)

// The command line reaches the simulator through this package only (the
// dependency rule keeps cmd/rampart off the simulator's inner packages), so
// what it needs of them is passed through here.

// Defaults the command line shows.
const (
	DefaultTimeout     = core.DefaultTimeout
	DefaultCanaryEvery = core.DefaultCanaryEvery
)

// ReportFiles are the files WriteReports writes.
var ReportFiles = []string{report.JSONFile, report.SARIFFile, report.HTMLFile}

// WriteReports writes report.json, report.sarif and report.html into dir
// (created mode 0700; files 0600: evidence can hold what the target leaked).
func WriteReports(dir string, r *core.Report) error { return report.WriteAll(dir, r) }

// Summary writes the terminal summary (the plan, for a --plan run); color
// adds ANSI colors for a terminal.
func Summary(w io.Writer, r *core.Report, color bool) error { return report.Summary(w, r, color) }

// ParseFailOn reads a --fail-on value: a severity name, or "none" (FailNever).
func ParseFailOn(v string) (core.Severity, error) {
	if strings.EqualFold(v, "none") {
		return FailNever, nil
	}
	s, err := core.ParseSeverity(v)
	if err != nil {
		return 0, fmt.Errorf("%w, or none", err)
	}
	return s, nil
}
