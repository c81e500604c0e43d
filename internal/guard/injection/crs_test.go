package injection

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corazawaf/coraza/v3"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// newRequest builds a server-side request as net/http would hand it to
// the guard, without a network round trip.
func newRequest(t testing.TB, c call) *http.Request {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodGet
	}
	u, err := url.Parse("http://" + testHost + c.target)
	if err != nil {
		t.Fatalf("target %q: %v", c.target, err)
	}
	r := &http.Request{Method: c.method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Host: testHost, RemoteAddr: "192.0.2.10:40000", RequestURI: c.target}
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36")
	r.Header.Set("Accept", "application/json")
	for k, vs := range c.header {
		r.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	r.Body = http.NoBody
	if c.body != "" {
		r.Body = io.NopCloser(strings.NewReader(c.body))
		r.ContentLength = int64(len(c.body))
	}
	return r
}

// TestCRSAgreesWithCoraza: the guard takes Coraza's anomaly score and
// applies the threshold itself (so that exclusions and per-route
// thresholds work). With neither, its verdict on every case must be the
// one Coraza reaches on its own, blocking (SecRuleEngine On).
func TestCRSAgreesWithCoraza(t *testing.T) {
	g, err := New(casesConfig(EngineCRS))
	if err != nil {
		t.Fatal(err)
	}
	c := CRSConfig{Paranoia: DefaultParanoia, InboundThreshold: DefaultInboundThreshold}
	directives := strings.Replace(crsDirectives(c, DefaultMaxBodyBytes), "SecRuleEngine DetectionOnly", "SecRuleEngine On", 1)
	blocking, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(rulesFS{}).WithDirectives(directives))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range loadCases(t) {
		for i := range f.cases {
			tc := &f.cases[i]
			if !tc.runsOn(EngineCRS) {
				continue
			}
			n++
			_, gerr := g.Check(newRequest(t, tc.call()))
			guardBlocks := gerr != nil

			r := newRequest(t, tc.call())
			body, _ := io.ReadAll(r.Body)
			tx := blocking.NewTransaction()
			if err := feed(tx, r, body); err != nil {
				t.Fatalf("%s: %v", tc.Name, err)
			}
			corazaBlocks := tx.Interruption() != nil
			_ = tx.Close()
			if guardBlocks != corazaBlocks {
				t.Errorf("%s: guard blocks=%v (%v), coraza blocks=%v", tc.Name, guardBlocks, gerr, corazaBlocks)
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d cases compared", n)
	}
}

// TestCRSEvidence: CRS denials have the native shape: the CRS rule id,
// locations named as the native engine names them, redacted snippets.
func TestCRSEvidence(t *testing.T) {
	gw := newGateway(t, Config{Engine: EngineCRS, Cookies: true}, pipeline.Enforce)
	sqli := "x' UNION SELECT password FROM users--"
	tests := []struct {
		name, location string
		call           call
	}{
		{"query", "query.q", call{target: "/api/s?q=" + url.QueryEscape(sqli)}},
		{"json", "body./user/name", jsonCall("/api/u", `{"user":{"name":"`+sqli+`"}}`)},
		{"json array", "body./items/1", jsonCall("/api/u", `{"items":["ok","`+sqli+`"]}`)},
		{"form", "form.name", call{method: "POST", target: "/api/f", body: "name=" + url.QueryEscape(sqli),
			contentType: "application/x-www-form-urlencoded"}},
		{"user agent", "header.User-Agent", call{target: "/api/h", header: http.Header{"User-Agent": {"Mozilla/5.0' AND SLEEP(5)-- -"}}}},
		{"cookie", "cookie.sid", call{target: "/api/c", header: http.Header{"Cookie": {"sid=" + sqli}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := wantBlocked(t, gw.do(t, tt.call), "")
			if strings.Trim(d.Rule, "0123456789") != "" {
				t.Errorf("rule %q, want a CRS rule id", d.Rule)
			}
			ev := d.Evidence
			if ev["engine"] != EngineCRS || ev["location"] != tt.location || ev["cwe"] != "CWE-89" ||
				ev["score"] == "" || ev["threshold"] != "5" || !strings.Contains(ev["matches"], "@"+tt.location) {
				t.Errorf("evidence %v; want crs, %s, CWE-89", ev, tt.location)
			}
			if d.Category != CategoryInjection || d.Severity != pipeline.SeverityCritical {
				t.Errorf("category %q severity %q", d.Category, d.Severity)
			}
			if tt.name == "cookie" && ev["snippet"] != redactedSnippet {
				t.Errorf("cookie snippet %q, want it redacted", ev["snippet"])
			}
		})
	}
}

// TestCRSExclusions: exclusions written for the native engine (rule
// families, locations) apply to the CRS; CRS rule ids work too.
func TestCRSExclusions(t *testing.T) {
	sqli := `x' UNION SELECT password FROM users--`
	body := `{"query_text":"` + sqli + `"}`
	t.Run("family at location on route", func(t *testing.T) {
		gw := newGateway(t, Config{Engine: EngineCRS, Exclusions: []Exclusion{
			{Route: apiRoute("search"), Location: "body./query_text", Rules: []string{"sqli"}},
		}}, pipeline.Enforce)
		wantPassed(t, gw.do(t, jsonCall("/api/search", body)), body)
		wantBlocked(t, gw.do(t, jsonCall("/api/users", body)), "")
		wantBlocked(t, gw.do(t, jsonCall("/api/search", `{"other":"`+sqli+`"}`)), "")
	})
	t.Run("one crs rule id is not the family", func(t *testing.T) {
		gw := newGateway(t, Config{Engine: EngineCRS, Exclusions: []Exclusion{
			{Location: "body./query_text", Rules: []string{"942100"}},
		}}, pipeline.Enforce)
		d := wantBlocked(t, gw.do(t, jsonCall("/api/search", body)), "")
		if d.Rule == "942100" || strings.Contains(d.Evidence["matches"], "942100@") {
			t.Errorf("excluded rule 942100 still reported: %v", d.Evidence)
		}
	})
	t.Run("route threshold", func(t *testing.T) {
		gw := newGateway(t, Config{Engine: EngineCRS, Routes: []RouteSettings{
			{Route: apiRoute("lenient"), InboundThreshold: 1000},
		}}, pipeline.Enforce)
		wantPassed(t, gw.do(t, jsonCall("/api/lenient", body)), body)
		wantBlocked(t, gw.do(t, jsonCall("/api/strict", body)), "")
	})
}

// TestCRSParanoia: higher paranoia levels run more rules.
func TestCRSParanoia(t *testing.T) {
	c := call{target: "/api/items/1%27%20OR%20%271%27%3D%271"}
	pl1 := newGateway(t, Config{Engine: EngineCRS}, pipeline.Enforce)
	if res := pl1.do(t, c); res.status != http.StatusOK {
		t.Errorf("PL1: status %d, want 200 (the CRS reads the path for SQL injection from PL2)", res.status)
	}
	pl2 := newGateway(t, Config{Engine: EngineCRS, CRS: CRSConfig{Paranoia: 2}}, pipeline.Enforce)
	wantBlocked(t, pl2.do(t, c), "")
}

// TestCRSRuleFiles: operator rule files load after the CRS and count.
func TestCRSRuleFiles(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "custom.conf")
	err := os.WriteFile(rules, []byte(`# A canary parameter no client should send.
SecRule ARGS:debug_canary "@streq on" \
    "id:1000001,phase:2,pass,log,severity:CRITICAL,msg:'debug canary',tag:'attack-generic',\
    setvar:'tx.inbound_anomaly_score_pl1=+%{tx.critical_anomaly_score}'"
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	gw := newGateway(t, Config{Engine: EngineCRS, CRS: CRSConfig{RuleFiles: []string{rules}}}, pipeline.Enforce)
	wantBlocked(t, gw.do(t, call{target: "/api/x?debug_canary=on"}), "1000001")
	if res := gw.do(t, call{target: "/api/x?debug_canary=off"}); res.status != http.StatusOK {
		t.Errorf("status %d, want 200", res.status)
	}
	if _, err := New(Config{Engine: EngineCRS, CRS: CRSConfig{RuleFiles: []string{filepath.Join(dir, "missing.conf")}}}); err == nil {
		t.Error("a missing rule file must fail New")
	}
	bad := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(bad, []byte("SecNoSuchDirective on\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Engine: EngineCRS, CRS: CRSConfig{RuleFiles: []string{bad}}}); err == nil {
		t.Error("an invalid rule file must fail New")
	}
}

// TestCRSWritesNothing: Coraza must not write request data anywhere: no
// audit log, no debug log on stdout or stderr, no body spooled to disk
// (multipart file parts it spools are removed when the transaction ends).
func TestCRSWritesNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	stdout, stderr := os.Stdout, os.Stderr
	rOut, wOut, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout, os.Stderr = wOut, wOut
	restored := false
	restore := func() {
		if !restored {
			os.Stdout, os.Stderr = stdout, stderr
			_ = wOut.Close()
			restored = true
		}
	}
	defer restore()

	g, err := New(Config{Engine: EngineCRS, MaxBodyBytes: 4096})
	if err != nil {
		restore()
		t.Fatal(err)
	}
	for _, c := range []call{
		{target: "/api/s?q=" + url.QueryEscape("' OR 1=1--")},
		jsonCall("/api/j", `{"a":"<script>alert(1)</script>","b":`+`"`+strings.Repeat("z", 3000)+`"}`),
		{method: "POST", target: "/api/up", contentType: "multipart/form-data; boundary=B",
			body: "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\n../../etc/passwd\r\n--B--\r\n"},
		jsonCall("/api/bad", `{"a":`),
	} {
		_, _ = g.Check(newRequest(t, c))
	}
	restore()
	out, _ := io.ReadAll(rOut)
	if len(out) > 0 {
		t.Errorf("coraza wrote to stdout/stderr: %q", out)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("file left in the temporary directory: %s", e.Name())
	}
}

// TestCRSBodyBound: the CRS reads no more of the body than MaxBodyBytes,
// with scan-prefix too.
func TestCRSBodyBound(t *testing.T) {
	const limit = 512
	attack := `{"pad":"` + strings.Repeat("a", limit) + `","q":"x' UNION SELECT password FROM users--"}`
	g, err := New(Config{Engine: EngineCRS, MaxBodyBytes: limit, Oversize: OversizeScanPrefix})
	if err != nil {
		t.Fatal(err)
	}
	r := newRequest(t, jsonCall("/api/x", attack))
	if _, err := g.Check(r); err != nil {
		t.Errorf("an attack past the scanned prefix was seen: %v", err)
	}
	rest, _ := io.ReadAll(r.Body)
	if !bytes.Equal(rest, []byte(attack)) {
		t.Errorf("the upstream would get %d bytes, want the %d sent", len(rest), len(attack))
	}
}
