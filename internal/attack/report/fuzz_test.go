package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// hostileReport puts three arbitrary strings wherever a target or a spec
// can put text: text for titles, reasons and notes; endpoint for paths,
// parameters and URLs; payload for bodies and headers. Only the shape
// (severities, OWASP ids, status codes) is fixed.
func hostileReport(text, endpoint, payload string) *core.Report {
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	ex := core.Exchange{
		Note: text,
		Request: core.HTTPRequest{Method: text, URL: endpoint, Body: payload, Profile: text,
			Header: map[string][]string{payload: {payload, text}}},
		Response: &core.HTTPResponse{Status: 200, Header: map[string][]string{"X-Echo": {payload}}, Body: payload, Truncated: true, DurationMS: 1.5},
	}
	failed := core.Exchange{Request: core.HTTPRequest{Method: "GET", URL: endpoint}, Error: text}
	return &core.Report{
		Tool: text, Version: text, Target: endpoint, Started: at, Finished: at.Add(time.Minute),
		Incomplete: []string{text}, Requests: 3, Spec: text,
		Checks: []core.CheckRun{{ID: text, Stage: core.StageAuthz, Title: text, Status: "ran", Reason: text}},
		Findings: []core.Finding{
			{ID: text, Check: text, Title: text, OWASP: core.API1BOLA, CWE: 639, Severity: core.SeverityHigh,
				Confidence: core.Confirmed, ConfidenceReason: text, Endpoint: endpoint, Parameter: endpoint,
				Description: text, Evidence: []core.Exchange{ex, failed}, Curl: payload, Remediation: text},
			{ID: "RA-002", Check: "recon.headers", Title: text, OWASP: core.API8Misconfig, Severity: core.SeverityInfo,
				Confidence: core.Tentative, Endpoint: "", Evidence: []core.Exchange{failed}},
		},
		Coverage: []core.Coverage{
			{Endpoint: endpoint, Check: text, Status: core.Tested, Reason: text, Profiles: []string{text}},
			{Endpoint: "*", Check: text, Status: core.Skipped, Reason: payload},
		},
		Profiles: []core.ProfileInfo{{Name: text, Detail: payload}},
	}
}

// neutral stands for a fuzzed string in the reference rendering. It keeps
// what the templates branch on (empty or not, the ledger's "*"), so the
// page's structure must come out the same.
func neutral(s string) string {
	if s == "" || s == "*" {
		return s
	}
	return "x"
}

var tagPattern = regexp.MustCompile(`<(/?[a-zA-Z][a-zA-Z0-9]*)`)

func tags(html []byte) []string {
	var out []string
	for _, m := range tagPattern.FindAllSubmatch(html, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// FuzzRenderers: whatever text a target puts in a report, no renderer
// panics or fails; report.json and report.sarif stay valid JSON that their
// schemas accept, with GitHub-safe locations; the HTML page has exactly
// the tags it has for harmless text (nothing injected); the terminal
// summary stays free of control characters and keeps its line count; and
// every output stays proportional to the input.
func FuzzRenderers(f *testing.F) {
	for _, seed := range [][3]string{
		{"User B reads A's items", "GET /api/items/{id}", `{"id":7}`},
		{"<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, "</pre><script>x</script>"},
		{"\x1b]0;title\x07\x1b[2J\r", "GET /\x1b[31m", "\u202eevil\u200b"},
		{"\xff\xfe invalid", "GET /../../etc/passwd", "\x00\x01"},
		{"{{.}}", "mailto:x", "javascript:alert(1)"},
		{"", "*", ""},
		{"*", "", "*"},
		{"a\nb\tc", "GET /a?b=c#d", "]]><!--"},
		{strings.Repeat("long ", 200), "GET /" + strings.Repeat("seg/", 100), strings.Repeat("\u00e9", 300)},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, text, endpoint, payload string) {
		reportSchema, sarifSchema := compiledSchemas(t)
		r := hostileReport(text, endpoint, payload)
		ref := hostileReport(neutral(text), neutral(endpoint), neutral(payload))
		budget := 100*(len(text)+len(endpoint)+len(payload)) + 1000

		js := render(t, func(b *bytes.Buffer) error { return WriteJSON(b, r) })
		refJS := render(t, func(b *bytes.Buffer) error { return WriteJSON(b, ref) })
		validateJSON(t, reportSchema, js)
		if len(js) > len(refJS)+budget {
			t.Errorf("report.json is %d bytes for %d of input", len(js), len(text)+len(endpoint)+len(payload))
		}
		if utf8.ValidString(text) {
			var back core.Report
			if err := json.Unmarshal(js, &back); err != nil {
				t.Fatal(err)
			}
			if back.Findings[0].Title != text || back.Findings[0].Evidence[0].Response.Body != payload && utf8.ValidString(payload) {
				t.Errorf("report.json did not keep the text")
			}
		}

		sarif := render(t, func(b *bytes.Buffer) error { return WriteSARIF(b, r) })
		validateJSON(t, sarifSchema, sarif)
		checkGitHubLocations(t, sarif)

		html := render(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) })
		refHTML := render(t, func(b *bytes.Buffer) error { return WriteHTML(b, ref) })
		if got, want := tags(html), tags(refHTML); !slices.Equal(got, want) {
			t.Errorf("the page's tags changed with its text:\ngot  %v\nwant %v", got, want)
		}
		if len(html) > len(refHTML)+budget {
			t.Errorf("report.html is %d bytes for %d of input", len(html), len(text)+len(endpoint)+len(payload))
		}

		for _, color := range []bool{false, true} {
			sum := render(t, func(b *bytes.Buffer) error { return Summary(b, r, color) })
			refSum := render(t, func(b *bytes.Buffer) error { return Summary(b, ref, color) })
			if got, want := bytes.Count(sum, []byte("\n")), bytes.Count(refSum, []byte("\n")); got != want {
				t.Errorf("color=%v: summary has %d lines, want %d", color, got, want)
			}
			for _, line := range strings.Split(string(ourSGR.ReplaceAll(sum, nil)), "\n") {
				if n := utf8.RuneCountInString(line); n > 1300 {
					t.Errorf("summary line of %d runes", n)
				}
				for _, c := range line {
					if unsafeRune(c) {
						t.Fatalf("color=%v: control character %U in the summary", color, c)
					}
				}
			}
		}
	})
}
