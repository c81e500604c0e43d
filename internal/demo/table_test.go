package demo

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// finding is a report finding with one evidence request.
func finding(check, endpoint, title, owasp, method, url, profile string) core.Finding {
	return core.Finding{Check: check, Endpoint: endpoint, Title: title, OWASP: owasp,
		Evidence: []core.Exchange{{Request: core.HTTPRequest{Method: method, URL: url, Profile: profile}}}}
}

func ran(ids ...string) []core.CheckRun {
	var out []core.CheckRun
	for _, id := range ids {
		out = append(out, core.CheckRun{ID: id, Status: core.CheckRan})
	}
	return out
}

// scans are a direct and a gateway report of the same shape as the demo's,
// and what the gateway recorded.
func scans() (direct, through *core.Report, rec *denialRecorder) {
	direct = &core.Report{Complete: true,
		Checks: ran("recon.fingerprint", "authz.bola", "injection.sqli", "resource.page_size", "resource.concurrency", "exposure.sensitive_data"),
		Findings: []core.Finding{
			finding("recon.fingerprint", "", "Server software disclosed in response headers", core.API8Misconfig, "GET", "http://d/", ""),
			finding("authz.bola", "GET /api/items/{id}", "A user can read another user's objects (BOLA)", core.API1BOLA, "GET", "http://d/api/items/3", "user2"),
			finding("injection.sqli", "GET /api/search", "SQL injection in query.q", core.APIInjection, "GET", "http://d/api/search?q=%27", "user1"),
			finding("injection.sqli", "GET /api/search", "SQL injection in query.q", core.APIInjection, "GET", "http://d/api/search?q=x", "user1"),
			finding("resource.page_size", "GET /api/report", "The client chooses the cost of a request (n)", core.API4Resources, "GET", "http://d/api/report?n=9", "user1"),
			finding("resource.concurrency", "GET /api/report", "Concurrent expensive requests are not limited", core.API4Resources, "GET", "http://d/api/report?n=9", "user1"),
			finding("exposure.sensitive_data", "GET /api/orders", "Payment card data in response", core.API3Property, "GET", "http://d/api/orders", "user1"),
		}}
	through = &core.Report{Complete: true,
		Checks: append(ran("recon.fingerprint", "authz.bola", "injection.sqli", "resource.page_size", "exposure.sensitive_data"),
			core.CheckRun{ID: "resource.concurrency", Status: core.CheckSkipped, Reason: "no expensive request known"}),
		Coverage: []core.Coverage{{Endpoint: "GET /api/search", Check: "injection.sqli", Status: core.Tested}},
		Findings: []core.Finding{
			finding("exposure.sensitive_data", "GET /api/orders", "Payment card data in response", core.API3Property, "GET", "http://g/api/orders", "user1"),
			finding("discovery.routes", "GET /api/v1/status", "Endpoint missing from the spec is live", core.API9Inventory, "GET", "http://g/api/v1/status", ""),
		}}
	rec = newDenialRecorder()
	for _, o := range []*pipeline.Outcome{
		outcome("recon.fingerprint", "GET", "/", false),
		outcome("authz.bola", "GET", "/api/items/9", true, deny("objects", "object_not_served", 403)),
		outcome("injection.sqli", "GET", "/api/search", true, deny("injection", "sqli", 403)),
		outcome("injection.sqli", "GET", "/api/search", true),
		outcome("resource.page_size", "GET", "/api/report", true, deny("schema", "invalid_parameter", 400)),
	} {
		rec.WriteOutcome(o)
	}
	return direct, through, rec
}

func TestCompare(t *testing.T) {
	direct, through, rec := scans()
	rows := compare(direct, through, rec)
	want := []struct{ check, verdict, stoppedBy string }{
		{"recon.fingerprint", verdictMasked, hygiene},
		{"authz.bola", verdictBlocked, "objects (object_not_served)"},
		{"injection.sqli", verdictBlocked, "injection (sqli)"}, // one row for two findings
		{"resource.page_size", verdictBlocked, "schema (invalid_parameter)"},
		{"resource.concurrency", verdictBlocked, "schema (invalid_parameter), which stopped resource.page_size"},
		{"exposure.sensitive_data", verdictExposed, "planned: DLP masking of responses"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.key.check != w.check || r.verdict != w.verdict || r.stoppedBy != w.stoppedBy {
			t.Errorf("row %d: %s %s %q, want %s %s %q", i, r.key.check, r.verdict, r.stoppedBy, w.check, w.verdict, w.stoppedBy)
		}
	}

	var out bytes.Buffer
	printFindings(&out, rows)
	printOnlyThrough(&out, onlyThrough(direct, through))
	for _, s := range []string{"ATTACK", "OWASP", "DIRECT", "THROUGH RAMPART", "STOPPED BY",
		"SQL injection in query.q — GET /api/search", "API1:2023", "blocked", "EXPOSED", "masked",
		"Found only through Rampart", "GET /api/v1/status (discovery.routes)"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}

func TestUntested(t *testing.T) {
	r := &core.Report{
		Checks: []core.CheckRun{
			{ID: "a", Status: core.CheckNotReached, Reason: "the scan duration of 45s ran out"},
			{ID: "b", Status: core.CheckRan},
		},
		Coverage: []core.Coverage{
			{Endpoint: "GET /x", Check: "b", Status: core.Skipped, Reason: "auth failed"},
			{Endpoint: "GET /y", Check: "b", Status: core.Skipped, Reason: "no parameters"},
			{Endpoint: "GET /y", Check: "b", Status: core.Tested},
		},
	}
	for _, tc := range []struct{ check, endpoint, want string }{
		{"a", "GET /x", "not_reached: the scan duration of 45s ran out"},
		{"b", "GET /x", "skipped: auth failed"},
		{"b", "GET /y", ""}, // one tested row is enough
		{"b", "GET /z", ""}, // no row: nothing says it was not tested
		{"b", "", ""},
		{"c", "GET /x", ""},
	} {
		if got := untested(r, tc.check, tc.endpoint); got != tc.want {
			t.Errorf("untested(%s, %s) = %q, want %q", tc.check, tc.endpoint, got, tc.want)
		}
	}
}

func TestSelfCheck(t *testing.T) {
	direct, through, rec := scans()
	rows := compare(direct, through, rec)
	ok := []scriptedResult{{scripted: scripted{name: "path confusion"}, direct: true}}
	problems := selfCheck(direct, through, rows, ok)
	// The small reports lack most planted flaws, and nothing else is wrong.
	for _, p := range problems {
		if !strings.HasPrefix(p, "the direct scan did not find ") {
			t.Errorf("unexpected problem: %s", p)
		}
	}
	// They hold five: banners, BOLA on items, SQL injection, report n and
	// card numbers in GET /api/orders.
	if len(problems) != len(planted)-5 {
		t.Errorf("%d problems, want %d:\n%s", len(problems), len(planted)-5, strings.Join(problems, "\n"))
	}

	// Everything the self-check guards, broken at once.
	through.Complete, through.Incomplete = false, []string{"the scan duration of 45s ran out"}
	through.Findings = append(through.Findings, direct.Findings[2])     // SQL injection through the gateway
	through.Findings = through.Findings[1:]                             // card numbers no longer found
	direct.Findings[1].OWASP = core.API5BFLA                            // BOLA filed under the wrong category
	direct.Findings = append(direct.Findings, core.Finding{Check: "x"}) // harmless extra
	bad := []scriptedResult{{scripted: scripted{name: "path confusion"}, direct: true, throughGateway: true}}
	got := strings.Join(selfCheck(direct, through, compare(direct, through, rec), bad), "\n")
	for _, want := range []string{
		"the through Rampart scan is incomplete: the scan duration of 45s ran out",
		"the direct scan did not find authz.bola on GET /api/items/{id} (API1:2023)",
		"SQL injection in query.q — GET /api/search: still found through Rampart",
		"Payment card data in response — GET /api/orders: documented as not yet defended but masked",
		"scripted path confusion: direct true, through Rampart true",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("self-check lacks %q:\n%s", want, got)
		}
	}
}

// TestPlantedAreDistinct: each planted flaw is listed once.
func TestPlantedAreDistinct(t *testing.T) {
	seen := map[flaw]bool{}
	for _, p := range planted {
		if seen[p] {
			t.Errorf("duplicate %+v", p)
		}
		seen[p] = true
	}
}
