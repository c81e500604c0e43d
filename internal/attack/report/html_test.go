package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
)

func TestWriteHTMLGolden(t *testing.T) {
	golden(t, "report.golden.html", render(t, func(b *bytes.Buffer) error { return WriteHTML(b, fixture(t)) }))
}

func TestWriteHTMLContent(t *testing.T) {
	r := fixture(t)
	out := string(render(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) }))
	for _, want := range []string{
		"<code>http://127.0.0.1:8080</code>",
		`<span class="status-bad">incomplete</span>`,
		"request budget of 800 exhausted after 800 requests",
		"<dt>Requests</dt><dd>800</dd>",
		"Broken Object Level Authorization",
		`<a href="https://cwe.mitre.org/data/definitions/639.html">CWE-639</a>`,
		"confirmed: user2 got user1&#39;s item 7",
		"Authorization: Bearer [redacted]",
		"500 Internal Server Error",
		"Body truncated",
		"No response: read tcp",
		"$RAMPART_TOKEN_USER2",
		"Add an ownership rule",
		`<tr class="endpoint"><th colspan="4"><code>GET /api/items/{id}</code></th></tr>`,
		"<td>user1, user2</td>",
		`<td><code>transport.tls</code></td><td>transport</td><td>TLS configuration</td><td>skipped</td>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// Findings are grouped most severe first.
	crit, high, low := strings.Index(out, "<h3>critical (2)</h3>"), strings.Index(out, "<h3>high (1)</h3>"), strings.Index(out, "<h3>low (1)</h3>")
	if crit < 0 || high < crit || low < high {
		t.Errorf("severity groups out of order or missing: critical %d, high %d, low %d", crit, high, low)
	}
	// Each endpoint heads one group of the ledger.
	if n := strings.Count(out, "<code>GET /api/search</code></th>"); n != 1 {
		t.Errorf("GET /api/search heads %d ledger groups, want 1", n)
	}
	if !strings.Contains(out, "<p>No findings.</p>") == (len(r.Findings) == 0) {
		t.Errorf("no-findings text shown wrongly")
	}
}

func TestWriteHTMLPlan(t *testing.T) {
	out := string(render(t, func(b *bytes.Buffer) error { return WriteHTML(b, planReport()) }))
	for _, want := range []string{`<section id="plan">`, "delete as user2", "<td>yes</td>", "<p>No findings.</p>"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan report lacks %q", want)
		}
	}
}

// TestWriteHTMLEscapesTargetData: markup from the target, wherever it
// lands (text, attribute, pre), is shown as text.
func TestWriteHTMLEscapesTargetData(t *testing.T) {
	const script = `<script>alert(1)</script>`
	const attr = `"><img src=x onerror=alert(1)>`
	r := fixture(t)
	f := &r.Findings[0]
	f.ID = attr
	f.Title = script
	f.Endpoint = "GET /" + script
	f.Parameter = attr
	f.ConfidenceReason = script
	f.Description = script
	f.Curl = "curl '" + script + "'"
	f.Remediation = attr
	f.Evidence[0].Note = script
	f.Evidence[0].Request.URL = "javascript:alert(1)//" + script
	f.Evidence[0].Request.Header = map[string][]string{script: {attr}}
	f.Evidence[0].Response.Body = script
	f.Evidence[1].Response.Header = map[string][]string{"X": {script}}
	r.Target = script
	r.Spec = script
	r.Incomplete = append(r.Incomplete, script)
	r.Coverage[0].Reason = script
	r.Coverage[0].Status = core.CoverageStatus(attr)
	r.Checks[0].Title = script
	r.Profiles[0].Detail = attr

	out := string(render(t, func(b *bytes.Buffer) error { return WriteHTML(b, r) }))
	for _, bad := range []string{"<script", "<img", `href="javascript`} {
		if strings.Contains(out, bad) {
			t.Errorf("report.html contains %q unescaped", bad)
		}
	}
	// Inside the page's own tags, no injected attribute: outside the
	// quoted values, only the template's own attribute names remain.
	quoted := regexp.MustCompile(`"[^"]*"`)
	for _, tag := range regexp.MustCompile(`<[a-zA-Z][^>]*>`).FindAllString(out, -1) {
		if strings.Contains(quoted.ReplaceAllString(tag, `""`), "onerror") {
			t.Errorf("injected attribute in tag %s", tag)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the escaped script text is missing")
	}
}

// TestWriteHTMLSelfContained: the page loads nothing and runs nothing; its
// only links are references and in-page anchors.
func TestWriteHTMLSelfContained(t *testing.T) {
	out := string(render(t, func(b *bytes.Buffer) error { return WriteHTML(b, fixture(t)) }))
	if !strings.Contains(out, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';`) {
		t.Errorf("no restrictive Content-Security-Policy")
	}
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "src=", "@import", "url("} {
		if strings.Contains(out, bad) {
			t.Errorf("report.html contains %q: it must load nothing", bad)
		}
	}
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(out, -1) {
		href := m[1]
		if !strings.HasPrefix(href, "#") && !strings.HasPrefix(href, "https://owasp.org/API-Security/") &&
			!strings.HasPrefix(href, "https://cwe.mitre.org/") {
			t.Errorf("unexpected link %q", href)
		}
	}
}
