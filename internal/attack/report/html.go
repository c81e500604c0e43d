package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate is parsed once; html/template escapes every value by the
// context it lands in (text, attribute, URL), which is what makes
// target-controlled strings inert.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"cweURL":     cweURL,
	"statusText": http.StatusText,
}).Parse(htmlSource))

// WriteHTML writes report.html: one page with no external assets (inline
// CSS, no script) that a person can open from disk or attach to a ticket.
// It shows the scan header, counts by severity, each finding with its
// evidence, curl reproduction and remediation, the coverage ledger grouped
// by endpoint, and the checks that ran.
//
// Every value is escaped by html/template, and the page's
// Content-Security-Policy forbids scripts and every remote load, so a
// response body that carries markup stays text.
func WriteHTML(w io.Writer, r *core.Report) error {
	if err := validate(r); err != nil {
		return err
	}
	if err := htmlTemplate.Execute(w, newHTMLView(r)); err != nil {
		return fmt.Errorf("writing html report: %w", err)
	}
	return nil
}

type htmlView struct {
	R          *core.Report
	Started    string
	Finished   string
	Duration   string
	Severities []htmlCount
	Total      int
	Groups     []htmlGroup
	Coverage   []htmlEndpoint
	States     []htmlCount
}

type htmlCount struct {
	Name  string
	Count int
}

type htmlGroup struct {
	Severity string
	Findings []htmlFinding
}

type htmlFinding struct {
	core.Finding
	Endpoint   string
	OWASPTitle string
	OWASPURL   string
	Exchanges  []htmlExchange
}

type htmlExchange struct {
	core.Exchange
	ReqHeaders  []htmlHeader
	RespHeaders []htmlHeader
	Duration    string
}

type htmlHeader struct{ Name, Value string }

type htmlEndpoint struct {
	Endpoint string
	Rows     []core.Coverage
}

func newHTMLView(r *core.Report) htmlView {
	v := htmlView{
		R:        r,
		Started:  htmlTime(r.Started),
		Finished: htmlTime(r.Finished),
		Total:    len(r.Findings),
	}
	if !r.Started.IsZero() && !r.Finished.IsZero() {
		v.Duration = r.Finished.Sub(r.Started).Round(time.Millisecond).String()
	}
	counts := severityCounts(r)
	for _, s := range severitiesDesc {
		v.Severities = append(v.Severities, htmlCount{s.String(), counts[s]})
		var g htmlGroup
		for _, f := range r.Findings {
			if f.Severity == s {
				g.Findings = append(g.Findings, newHTMLFinding(f))
			}
		}
		if len(g.Findings) > 0 {
			g.Severity = s.String()
			v.Groups = append(v.Groups, g)
		}
	}
	states := coverageCounts(r)
	for _, s := range coverageStates {
		v.States = append(v.States, htmlCount{string(s), states[s]})
	}
	v.Coverage = groupCoverage(r.Coverage)
	return v
}

func newHTMLFinding(f core.Finding) htmlFinding {
	hf := htmlFinding{
		Finding:    f,
		Endpoint:   endpointName(f.Endpoint),
		OWASPTitle: core.OWASPTitles[f.OWASP],
		OWASPURL:   owaspURL(f.OWASP),
	}
	for _, ex := range f.Evidence {
		he := htmlExchange{Exchange: ex, ReqHeaders: sortedHeaders(ex.Request.Header)}
		if ex.Response != nil {
			he.RespHeaders = sortedHeaders(ex.Response.Header)
			he.Duration = strconv.FormatFloat(ex.Response.DurationMS, 'f', -1, 64) + " ms"
		}
		hf.Exchanges = append(hf.Exchanges, he)
	}
	return hf
}

// groupCoverage groups ledger rows by endpoint, endpoints in the order the
// ledger first names them, rows in ledger order.
func groupCoverage(rows []core.Coverage) []htmlEndpoint {
	var out []htmlEndpoint
	at := map[string]int{}
	for _, c := range rows {
		name := endpointName(c.Endpoint)
		i, ok := at[name]
		if !ok {
			i = len(out)
			at[name] = i
			out = append(out, htmlEndpoint{Endpoint: name})
		}
		out[i].Rows = append(out[i].Rows, c)
	}
	return out
}

// sortedHeaders lists header fields by name, one line per value, as they
// would appear on the wire.
func sortedHeaders(h map[string][]string) []htmlHeader {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []htmlHeader
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, htmlHeader{k, v})
		}
	}
	return out
}

func htmlTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
