package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
)

func TestWriteSARIFMatchesOfficialSchema(t *testing.T) {
	_, sarifSchema := compiledSchemas(t)
	complete := fixture(t)
	complete.Complete, complete.Incomplete = true, nil
	for _, tc := range []struct {
		name string
		r    *core.Report
	}{
		{"fixture", fixture(t)},
		{"complete", complete},
		{"no findings, nothing recorded", &core.Report{}},
		{"plan run", planReport()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, func(b *bytes.Buffer) error { return WriteSARIF(b, tc.r) })
			validateJSON(t, sarifSchema, out)
			checkGitHubLocations(t, out)
		})
	}
}

func TestWriteSARIFGolden(t *testing.T) {
	golden(t, "report.golden.sarif", render(t, func(b *bytes.Buffer) error { return WriteSARIF(b, fixture(t)) }))
}

// githubRelativeURI is what GitHub code scanning can resolve against the
// checkout: an RFC 3986 relative-path reference (no scheme, no authority,
// no leading slash) whose characters are strictly unreserved, sub-delims,
// "@", ":" after the first segment, or percent-encoded. Stricter than the
// schema's "uri-reference", which accepts e.g. "{id}".
var githubRelativeURI = regexp.MustCompile(`^(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-F]{2})+(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=@:]|%[0-9A-F]{2})*)*$`)

// checkGitHubLocations asserts what GitHub needs of every result: at
// least one location, a physical location whose artifact URI is a non-empty
// scheme-less relative reference that stays inside the checkout, and a
// fingerprint.
func checkGitHubLocations(t testing.TB, out []byte) {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	for i, res := range log.Runs[0].Results {
		if len(res.Locations) == 0 {
			t.Fatalf("result %d has no location", i)
		}
		uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if !githubRelativeURI.MatchString(uri) {
			t.Errorf("result %d: artifact uri %q is not a plain relative reference", i, uri)
		}
		for _, seg := range strings.Split(uri, "/") {
			if seg == "." || seg == ".." {
				t.Errorf("result %d: artifact uri %q has a dot segment", i, uri)
			}
		}
		if res.PartialFingerprints[fingerprintKey] == "" {
			t.Errorf("result %d has no %s fingerprint", i, fingerprintKey)
		}
	}
}

func TestArtifactURI(t *testing.T) {
	for _, tc := range []struct{ endpoint, want string }{
		{"GET /api/items/{id}", "api/items/%7Bid%7D"},
		{"POST /api/login", "api/login"},
		{"", "(target)"},
		{"*", "(target)"},
		{"GET /", "(root)"},
		{"GET /v1/files:batchGet", "v1/files%3AbatchGet"},
		{"GET /mailto:x", "mailto%3Ax"}, // would otherwise read as scheme "mailto"
		{"GET /../../etc/passwd", "%2E%2E/%2E%2E/etc/passwd"},
		{"GET /a/./b", "a/%2E/b"},
		{"GET //evil.example/x", "evil.example/x"},
		{"GET /search?q=1#frag", "search%3Fq=1%23frag"},
		{"GET /caf\u00e9 menu", "caf%C3%A9%20menu"},
		{"GET /100%", "100%25"},
		{"GET /a\\b", "a%5Cb"},
		{"/no/method", "no/method"},
	} {
		got := artifactURI(tc.endpoint)
		if got != tc.want {
			t.Errorf("artifactURI(%q) = %q, want %q", tc.endpoint, got, tc.want)
		}
		if !githubRelativeURI.MatchString(got) {
			t.Errorf("artifactURI(%q) = %q is not a plain relative reference", tc.endpoint, got)
		}
	}
}

func TestSARIFRulesAndResults(t *testing.T) {
	r := fixture(t)
	log := buildSARIF(r)
	run := log.Runs[0]
	if run.Tool.Driver.Name != "rampart attack" || run.Tool.Driver.Version != "1.4.0" || run.Tool.Driver.InformationURI == "" {
		t.Errorf("driver = %+v", run.Tool.Driver)
	}

	var ids []string
	for _, rule := range run.Tool.Driver.Rules {
		ids = append(ids, rule.ID)
	}
	want := []string{"authn.jwt_none", "authz.bola", "injection.sql", "recon.headers", "resource.ramp", "transport.tls"}
	if !slices.Equal(ids, want) {
		t.Fatalf("rules = %v, want one per check, sorted: %v", ids, want)
	}

	rule := func(id string) sarifRule { return run.Tool.Driver.Rules[slices.Index(ids, id)] }
	for _, tc := range []struct {
		id, severity string
		tags         []string
	}{
		{"authz.bola", "8.0", []string{"security", "API1:2023", "CWE-639", "external/cwe/cwe-639"}},
		{"injection.sql", "9.5", []string{"security", "API8:2023", "CWE-89", "external/cwe/cwe-89"}},
		{"recon.headers", "3.0", []string{"security", "API8:2023", "CWE-200", "external/cwe/cwe-200"}},
		{"resource.ramp", "", []string{"security"}},
	} {
		got := rule(tc.id)
		sev, _ := got.Properties["security-severity"].(string)
		if sev != tc.severity {
			t.Errorf("%s security-severity = %q, want %q", tc.id, sev, tc.severity)
		}
		if tags := got.Properties["tags"].([]string); !slices.Equal(tags, tc.tags) {
			t.Errorf("%s tags = %v, want %v", tc.id, tags, tc.tags)
		}
	}
	bola := rule("authz.bola")
	if bola.HelpURI != "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/" {
		t.Errorf("helpUri = %q", bola.HelpURI)
	}
	if !strings.Contains(bola.Help.Markdown, "## Remediation") || !strings.Contains(bola.Help.Markdown, "ownership rule") ||
		!strings.Contains(bola.Help.Markdown, "https://cwe.mitre.org/data/definitions/639.html") {
		t.Errorf("help markdown lacks remediation or references:\n%s", bola.Help.Markdown)
	}
	if bola.ShortDescription.Text != "Broken object level authorization" || bola.Name != "AuthzBola" {
		t.Errorf("rule text: name %q, short %q", bola.Name, bola.ShortDescription.Text)
	}

	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	for i, res := range run.Results {
		f := r.Findings[i]
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID || res.RuleID != f.Check {
			t.Errorf("result %d: ruleId %q, ruleIndex %d, finding check %q", i, res.RuleID, res.RuleIndex, f.Check)
		}
		if res.Level != sarifLevel(f.Severity) {
			t.Errorf("result %d level %q", i, res.Level)
		}
		for _, part := range []string{f.Title, endpointName(f.Endpoint), f.ConfidenceReason} {
			if !strings.Contains(res.Message.Text, part) {
				t.Errorf("result %d message %q lacks %q", i, res.Message.Text, part)
			}
		}
		logical := res.Locations[0].LogicalLocations[0]
		if logical.FullyQualifiedName != endpointName(f.Endpoint) || logical.Kind != "resource" {
			t.Errorf("result %d logical location %+v", i, logical)
		}
		if res.Properties["curl"] != f.Curl || res.Properties["url"] != f.Evidence[0].Request.URL {
			t.Errorf("result %d properties lack curl or url: %v", i, res.Properties)
		}
		if ev := res.Properties["evidence"].([]string); len(ev) != len(f.Evidence) {
			t.Errorf("result %d: %d evidence lines for %d exchanges", i, len(ev), len(f.Evidence))
		}
		if res.WebRequest == nil || res.WebRequest.Target != f.Evidence[0].Request.URL {
			t.Errorf("result %d webRequest = %+v", i, res.WebRequest)
		}
	}
	if got := run.Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "api/items/%7Bid%7D" {
		t.Errorf("BOLA artifact uri = %q", got)
	}
	if got := run.Results[2].Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "(target)" {
		t.Errorf("whole-target artifact uri = %q", got)
	}
	if !run.Results[3].WebResponse.NoResponseReceived == (r.Findings[3].Evidence[0].Response == nil) {
		t.Errorf("noResponseReceived does not follow the evidence")
	}
}

func TestSARIFLevels(t *testing.T) {
	for _, tc := range []struct {
		s            core.Severity
		level, score string
	}{
		{core.SeverityCritical, "error", "9.5"},
		{core.SeverityHigh, "error", "8.0"},
		{core.SeverityMedium, "warning", "5.5"},
		{core.SeverityLow, "note", "3.0"},
		{core.SeverityInfo, "note", "0.0"},
	} {
		if got := sarifLevel(tc.s); got != tc.level {
			t.Errorf("level(%s) = %q, want %q", tc.s, got, tc.level)
		}
		if got := securitySeverity(tc.s); got != tc.score {
			t.Errorf("security-severity(%s) = %q, want %q", tc.s, got, tc.score)
		}
	}
}

// TestSARIFFingerprint: the same weakness keeps its fingerprint from scan
// to scan; a different endpoint, parameter or check is another alert.
func TestSARIFFingerprint(t *testing.T) {
	base := core.Finding{ID: "RA-001", Check: "injection.sql", Endpoint: "GET /api/search", Parameter: "query.q",
		Evidence: []core.Exchange{{Request: core.HTTPRequest{URL: "http://127.0.0.1:8080/api/search?q=1"}}}}
	again := base
	again.ID = "RA-009"
	again.Title = "reworded"
	again.Evidence = []core.Exchange{{Request: core.HTTPRequest{URL: "http://127.0.0.1:39211/api/search?q=2"}}}
	if fingerprint(base) != fingerprint(again) {
		t.Errorf("fingerprint changed with id, title or evidence")
	}
	for _, change := range []func(*core.Finding){
		func(f *core.Finding) { f.Parameter = "query.sort" },
		func(f *core.Finding) { f.Endpoint = "GET /api/items" },
		func(f *core.Finding) { f.Check = "injection.nosql" },
		// Moving text between fields must not collide.
		func(f *core.Finding) { f.Endpoint, f.Parameter = "GET /api/searchquery.q", "" },
	} {
		other := base
		change(&other)
		if fingerprint(other) == fingerprint(base) {
			t.Errorf("fingerprint(%+v) collides with the original", other)
		}
	}
}

func TestSARIFInvocation(t *testing.T) {
	r := fixture(t)
	inv := buildSARIF(r).Runs[0].Invocations[0]
	if inv.ExecutionSuccessful {
		t.Errorf("incomplete scan reported as successful")
	}
	if len(inv.ToolExecutionNotifications) != len(r.Incomplete) {
		t.Fatalf("%d notifications for %d reasons", len(inv.ToolExecutionNotifications), len(r.Incomplete))
	}
	for i, n := range inv.ToolExecutionNotifications {
		if !strings.Contains(n.Message.Text, r.Incomplete[i]) || n.Level != "warning" {
			t.Errorf("notification %d = %+v", i, n)
		}
	}
	if inv.StartTimeUTC != "2026-03-14T09:26:53.000Z" || inv.EndTimeUTC != "2026-03-14T09:28:41.512Z" {
		t.Errorf("times %q – %q", inv.StartTimeUTC, inv.EndTimeUTC)
	}

	r.Complete, r.Incomplete = true, nil
	inv = buildSARIF(r).Runs[0].Invocations[0]
	if !inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 0 {
		t.Errorf("complete scan: %+v", inv)
	}

	r.Complete = false
	inv = buildSARIF(r).Runs[0].Invocations[0]
	if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 1 {
		t.Errorf("incomplete scan without reasons must still say so: %+v", inv)
	}
}

// TestOfficialSchemaRejectsBadSARIF: the schema check is live, formats
// included, so the validity tests above can fail.
func TestOfficialSchemaRejectsBadSARIF(t *testing.T) {
	_, sarifSchema := compiledSchemas(t)
	good := render(t, func(b *bytes.Buffer) error { return WriteSARIF(b, fixture(t)) })
	for name, edit := range map[string]func(map[string]any){
		"unchanged (control)": func(map[string]any) {},
		"wrong version":       func(d map[string]any) { d["version"] = "2.0.0" },
		"no tool":             func(d map[string]any) { delete(d["runs"].([]any)[0].(map[string]any), "tool") },
		"bad level": func(d map[string]any) {
			d["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)["level"] = "fatal"
		},
		"bad uri": func(d map[string]any) {
			res := d["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
			loc := res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
			loc["artifactLocation"].(map[string]any)["uri"] = "http://[::1"
		},
	} {
		var doc map[string]any
		if err := json.Unmarshal(good, &doc); err != nil {
			t.Fatal(err)
		}
		edit(doc)
		err := sarifSchema.Validate(doc)
		if control := name == "unchanged (control)"; control != (err == nil) {
			t.Errorf("%s: validation error %v", name, err)
		}
	}
}
