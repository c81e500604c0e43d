package injection

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	detector "github.com/rampartsec/rampart/internal/injection"
	"github.com/rampartsec/rampart/internal/pipeline"
)

func apiRoute(name string) pipeline.Route { return pipeline.Route{API: "api", Route: name} }

// jsonCall is a POST of a JSON body.
func jsonCall(target, body string) call {
	return call{method: http.MethodPost, target: target, body: body, contentType: "application/json"}
}

// wantBlocked fails unless res is the uniform injection 403 naming rule.
func wantBlocked(t *testing.T, res *result, rule string) *pipeline.Denial {
	t.Helper()
	d := res.denial()
	if res.status != http.StatusForbidden || d == nil || d.Code != Code {
		t.Fatalf("status %d, denial %+v; want 403 %s", res.status, d, Code)
	}
	if rule != "" && d.Rule != rule {
		t.Errorf("rule %q, want %q (evidence %v)", d.Rule, rule, d.Evidence)
	}
	return d
}

// wantPassed fails unless res reached the upstream with body intact.
func wantPassed(t *testing.T, res *result, body string) {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200; denial %+v", res.status, res.denial())
	}
	if res.upstream.Body != body {
		t.Errorf("upstream got body %q, want %q", res.upstream.Body, body)
	}
}

// TestDenialShape: the client gets a generic problem; the Outcome and the
// Event get the rule, severity, category and the evidence fields.
func TestDenialShape(t *testing.T) {
	gw := newGateway(t, Config{}, pipeline.Enforce)
	res := gw.do(t, jsonCall("/api/notes?q=x%27%20UNION%20SELECT%20password%20FROM%20users--",
		`{"note":"<script>alert(1)</script>","author":"Ann"}`))
	d := wantBlocked(t, res, "sqli")
	if res.ctype != pipeline.ProblemContentType || res.problem["detail"] != PublicMessage ||
		res.problem["type"] != "urn:rampart:problem:"+Code {
		t.Errorf("problem %v (%s), want the generic %s problem", res.problem, res.ctype, Code)
	}
	for _, leak := range []string{"sqli", "script", "query.q"} {
		for k, v := range res.problem {
			if s, ok := v.(string); ok && strings.Contains(s, leak) {
				t.Errorf("problem member %s=%q reveals %q", k, s, leak)
			}
		}
	}
	if d.Severity != pipeline.SeverityCritical || d.Category != CategoryInjection || d.Guard != "injection" {
		t.Errorf("severity %q category %q guard %q; want critical, %s, injection", d.Severity, d.Category, d.Guard, CategoryInjection)
	}
	want := map[string]string{
		"engine": "native", "location": "query.q", "rule": "sqli", "cwe": "CWE-89", "score": "20",
		"threshold": "5", "variant": "raw", "matches": "sqli@query.q,xss@body./note",
	}
	for k, v := range want {
		if d.Evidence[k] != v {
			t.Errorf("evidence[%s] = %q, want %q (all: %v)", k, d.Evidence[k], v, d.Evidence)
		}
	}
	if !strings.Contains(d.Evidence["snippet"], "UNION SELECT") {
		t.Errorf("snippet %q does not show the payload", d.Evidence["snippet"])
	}
	events := gw.sink.TakeEvents()
	if len(events) != 1 || events[0].Kind != "denial" || events[0].Rule != "sqli" || events[0].Monitor ||
		events[0].Evidence["location"] != "query.q" || events[0].Category != CategoryInjection {
		t.Errorf("events %+v; want one enforced sqli denial with evidence", events)
	}
}

// TestSSRFCategory: server-side request forgery is API7:2023.
func TestSSRFCategory(t *testing.T) {
	gw := newGateway(t, Config{}, pipeline.Enforce)
	d := wantBlocked(t, gw.do(t, jsonCall("/api/webhooks", `{"url":"http://169.254.169.254/latest/meta-data/"}`)), "ssrf")
	if d.Category != CategorySSRF || d.Evidence["cwe"] != "CWE-918" {
		t.Errorf("category %q cwe %q; want %s CWE-918", d.Category, d.Evidence["cwe"], CategorySSRF)
	}
}

// TestEvidenceRedaction: secrets never reach an Event whole, and names
// chosen by the client cannot forge log lines.
func TestEvidenceRedaction(t *testing.T) {
	gw := newGateway(t, Config{Cookies: true}, pipeline.Enforce)
	tests := []struct {
		name         string
		call         call
		wantSnippet  string // exact
		wantLocation string
		notIn        []string // must not appear in any evidence value
	}{
		{name: "password field", call: jsonCall("/api/login", `{"user":"ann","password":"hunter2' OR '1'='1"}`),
			wantSnippet: redactedSnippet, wantLocation: "body./password", notIn: []string{"hunter2"}},
		{name: "cookie", call: call{target: "/api/x", header: http.Header{"Cookie": {"sid=s3cr3t' OR '1'='1"}}},
			wantSnippet: redactedSnippet, wantLocation: "cookie.sid", notIn: []string{"s3cr3t"}},
		{name: "card number in payload", call: jsonCall("/api/pay", `{"memo":"4111111111111111' UNION SELECT 1,2--"}`),
			wantLocation: "body./memo", notIn: []string{"4111111111111111"}},
		{name: "control characters in a key", call: jsonCall("/api/x", "{\"a\\r\\nforged: 1\":\"' OR 1=1--\"}"),
			wantLocation: `body./a\x0d\x0aforged: 1`, notIn: []string{"\r", "\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := wantBlocked(t, gw.do(t, tt.call), "")
			if tt.wantSnippet != "" && d.Evidence["snippet"] != tt.wantSnippet {
				t.Errorf("snippet %q, want %q", d.Evidence["snippet"], tt.wantSnippet)
			}
			if d.Evidence["location"] != tt.wantLocation {
				t.Errorf("location %q, want %q", d.Evidence["location"], tt.wantLocation)
			}
			for k, v := range d.Evidence {
				for _, s := range tt.notIn {
					if strings.Contains(v, s) {
						t.Errorf("evidence[%s] = %q contains %q", k, v, s)
					}
				}
			}
		})
	}
}

// TestMonitorMode: in monitor mode a detected attack reaches the upstream
// unchanged, the Outcome is flagged and the Event says monitor.
func TestMonitorMode(t *testing.T) {
	gw := newGateway(t, Config{}, pipeline.Monitor)
	body := `{"q":"x' UNION SELECT password FROM users--"}`
	res := gw.do(t, jsonCall("/api/search", body))
	wantPassed(t, res, body)
	if res.outcome.Verdict != pipeline.VerdictFlagged || len(res.outcome.Denials) != 1 || res.outcome.Denials[0].Rule != "sqli" {
		t.Errorf("outcome %+v; want flagged with the sqli denial", res.outcome)
	}
	events := gw.sink.TakeEvents()
	if len(events) != 1 || !events[0].Monitor || events[0].Evidence["location"] != "body./q" {
		t.Errorf("events %+v; want one monitor event with evidence", events)
	}
}

// TestExclusions: routes, locations (exact and prefix), rules and their
// combinations, compiled once, applied per request.
func TestExclusions(t *testing.T) {
	cfg := Config{Exclusions: []Exclusion{
		// The admin API's console takes SQL on purpose.
		{Route: apiRoute("console")},
		// "rule sqli on body./query_text for route search"
		{Route: apiRoute("search"), Location: "body./query_text", Rules: []string{"sqli"}},
		// Everything under /notes on the wiki route.
		{Route: apiRoute("wiki"), Location: "body./notes/*"},
		// A header, named in any case, on every route.
		{Location: "header.x-debug-sql", Rules: []string{"sqli"}},
		// A rule off on a whole API.
		{Route: pipeline.Route{API: "other"}, Rules: []string{"ssti"}},
	}}
	gw := newGateway(t, cfg, pipeline.Enforce)
	sqli := `x' UNION SELECT password FROM users--`
	xss := `<script>alert(1)</script>`
	tests := []struct {
		name  string
		call  call
		block string // rule, or "" for pass
	}{
		{name: "whole route excluded", call: jsonCall("/api/console", `{"sql":"`+sqli+`"}`)},
		{name: "excluded rule at excluded location", call: jsonCall("/api/search", `{"query_text":"`+sqli+`"}`)},
		{name: "other rule at excluded location", call: jsonCall("/api/search", `{"query_text":"`+xss+`"}`), block: "xss"},
		{name: "excluded rule elsewhere on the route", call: jsonCall("/api/search", `{"title":"`+sqli+`"}`), block: "sqli"},
		{name: "excluded location on another route", call: jsonCall("/api/users", `{"query_text":"`+sqli+`"}`), block: "sqli"},
		{name: "prefix covers children", call: jsonCall("/api/wiki", `{"notes":{"body":"`+xss+`","code":"`+sqli+`"}}`)},
		{name: "prefix does not cover siblings", call: jsonCall("/api/wiki", `{"notes_extra":"`+xss+`"}`), block: "xss"},
		{name: "header exclusion ignores case", call: call{target: "/api/users", header: http.Header{"X-Debug-Sql": {sqli}}}},
		{name: "but only for its rule", call: call{target: "/api/users", header: http.Header{"X-Debug-Sql": {xss}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := gw.do(t, tt.call)
			if tt.block == "" {
				wantPassed(t, res, tt.call.body)
				return
			}
			wantBlocked(t, res, tt.block)
		})
	}
	// X-Debug-Sql is not among the scanned headers: the last case passes for
	// that reason. Scan it, and the exclusion must still hold for sqli only.
	cfg.Headers = []string{"X-Debug-Sql"}
	gw = newGateway(t, cfg, pipeline.Enforce)
	wantPassed(t, gw.do(t, call{target: "/api/users", header: http.Header{"X-Debug-Sql": {sqli}}}), "")
	wantBlocked(t, gw.do(t, call{target: "/api/users", header: http.Header{"X-Debug-Sql": {xss}}}), "xss")
}

// TestSensitivity: per route and per API, with the global default.
func TestSensitivity(t *testing.T) {
	cfg := Config{
		Sensitivity: detector.Medium,
		Routes: []RouteSettings{
			{Route: pipeline.Route{API: "api"}, Sensitivity: detector.Low},
			{Route: apiRoute("ids"), Sensitivity: detector.High},
			{Route: apiRoute("normal"), Sensitivity: detector.Medium},
		},
	}
	gw := newGateway(t, cfg, pipeline.Enforce)
	likely := "q=..%2Fconfig"                              // one likely signal (5): Medium and High flag it
	weak := "q=please%20select%20name%20from%20the%20list" // a weak signal (3): High only
	tests := []struct {
		target string
		block  bool
	}{
		{"/api/normal?" + likely, true},
		{"/api/normal?" + weak, false},
		{"/api/ids?" + likely, true},
		{"/api/ids?" + weak, true},
		{"/api/anything?" + likely, false}, // the API's Low
		{"/api/anything?q=1%27%20OR%20%271%27%3D%271", true},
		{"/elsewhere?" + likely, true}, // unrouted: the global Medium
		{"/elsewhere?" + weak, false},
	}
	for _, tt := range tests {
		res := gw.do(t, call{target: tt.target})
		if tt.block {
			d := wantBlocked(t, res, "")
			if d.Evidence["threshold"] == "" {
				t.Errorf("%s: no threshold in evidence", tt.target)
			}
		} else if res.status != http.StatusOK {
			t.Errorf("%s: status %d, want 200 (denial %+v)", tt.target, res.status, res.denial())
		}
	}
}

// TestRequestScoreSums: two weak signals in different inputs add up to a
// block at High where neither alone would at Low; the same weak evidence
// repeated over a list counts once.
func TestRequestScoreSums(t *testing.T) {
	gw := newGateway(t, Config{Sensitivity: detector.High}, pipeline.Enforce)
	d := wantBlocked(t, gw.do(t, call{target: "/api/x?a=please%20select%20name%20from%20the%20list&b=see%20..%2F"}), "")
	if d.Evidence["score"] != "6" {
		t.Errorf("score %q, want 6 (two weak signals of 3)", d.Evidence["score"])
	}
	// At Medium the weak signals are not emitted at all.
	gw = newGateway(t, Config{}, pipeline.Enforce)
	res := gw.do(t, call{target: "/api/x?a=please%20select%20name%20from%20the%20list&b=see%20..%2F"})
	if res.status != http.StatusOK {
		t.Errorf("medium: status %d, want 200", res.status)
	}
}

// TestOversize: by default a body over MaxBodyBytes is refused unread;
// with scan-prefix its first MaxBodyBytes are scanned and the whole body,
// unchanged, reaches the upstream.
func TestOversize(t *testing.T) {
	const limit = 1024
	pad := strings.Repeat("a", 2*limit)
	attack := `x' UNION SELECT password FROM users--`
	inPrefix := `{"q":"` + attack + `","pad":"` + pad + `"}`
	afterPrefix := `{"pad":"` + pad + `","q":"` + attack + `"}`
	cleanLong := `{"pad":"` + pad + `"}`

	t.Run("deny", func(t *testing.T) {
		gw := newGateway(t, Config{MaxBodyBytes: limit}, pipeline.Enforce)
		for _, chunked := range []bool{false, true} {
			c := jsonCall("/api/x", cleanLong)
			c.chunked = chunked
			res := gw.do(t, c)
			d := res.denial()
			if res.status != http.StatusRequestEntityTooLarge || d == nil || d.Code != "body_too_large" ||
				res.ctype != pipeline.ProblemContentType {
				t.Errorf("chunked=%v: status %d denial %+v; want 413 body_too_large problem", chunked, res.status, d)
			}
		}
		// Exactly at the limit is scanned normally.
		exact := `{"p":"` + strings.Repeat("b", limit-8) + `"}`
		wantPassed(t, gw.do(t, jsonCall("/api/x", exact)), exact)
	})
	t.Run("scan-prefix", func(t *testing.T) {
		gw := newGateway(t, Config{MaxBodyBytes: limit, Oversize: OversizeScanPrefix}, pipeline.Enforce)
		d := wantBlocked(t, gw.do(t, jsonCall("/api/x", inPrefix)), "sqli")
		if d.Evidence["body_truncated"] != "true" {
			t.Errorf("evidence %v does not record the cut", d.Evidence)
		}
		// The cut JSON does not parse; what was before the cut was scanned.
		wantPassed(t, gw.do(t, jsonCall("/api/x", afterPrefix)), afterPrefix)
		c := jsonCall("/api/x", cleanLong)
		c.chunked = true
		wantPassed(t, gw.do(t, c), cleanLong)
	})
	t.Run("bodylimit cut", func(t *testing.T) {
		// A body of unknown length cut by the bodylimit guard (MaxBytesReader)
		// is answered 413 like one the injection guard refused itself.
		g, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		gw := gatewayFor(t, &stages{maxBytes{limit}, g}, pipeline.Enforce)
		c := jsonCall("/api/x", cleanLong)
		c.chunked = true
		res := gw.do(t, c)
		if res.status != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", res.status)
		}
	})
}

// maxBytes stands for the bodylimit guard: it bounds a body of unknown
// length with http.MaxBytesReader.
type maxBytes struct{ n int64 }

func (m maxBytes) Check(r *http.Request) (*http.Request, error) {
	if r.Body != nil && r.ContentLength < 0 {
		r.Body = http.MaxBytesReader(nil, r.Body, m.n)
	}
	return r, nil
}

// stages runs a body cap and then the guard as one Guard, so that the
// test gateway keeps its shape.
type stages struct {
	limit maxBytes
	guard *Guard
}

func (s *stages) Name() string { return "injection" }

func (s *stages) Check(r *http.Request) (*http.Request, error) {
	r, _ = s.limit.Check(r)
	return s.guard.Check(r)
}

// TestUninspectable: requests the guard cannot read safely get a clean
// problem+json 400 or 415 with the extractor's code, never a 500.
func TestUninspectable(t *testing.T) {
	gw := newGateway(t, Config{}, pipeline.Enforce)
	tests := []struct {
		name   string
		call   call
		status int
		code   string
	}{
		{"malformed json", jsonCall("/api/x", `{"a":`), 400, "malformed_json"},
		{"json trailing garbage", jsonCall("/api/x", `{"a":1} x`), 400, "malformed_json"},
		{"json too deep", jsonCall("/api/x", strings.Repeat("[", 40)+strings.Repeat("]", 40)), 400, "json_too_deep"},
		{"duplicate key", jsonCall("/api/x", `{"a":1,"a":2}`), 400, "duplicate_key"},
		{"invalid utf-8 in json", jsonCall("/api/x", "{\"a\":\"\xff\"}"), 400, "invalid_utf8"},
		{"json in latin-1", call{method: "POST", target: "/api/x", body: `{"a":1}`, contentType: "application/json; charset=iso-8859-1"}, 415, "unsupported_media_type"},
		{"bad percent in query", call{target: "/api/x?q=%zz"}, 400, "invalid_percent_encoding"},
		{"malformed form", call{method: "POST", target: "/api/x", body: "a=%zz", contentType: "application/x-www-form-urlencoded"}, 400, "malformed_form"},
		{"malformed multipart", call{method: "POST", target: "/api/x", body: "--b\r\nnot a part", contentType: "multipart/form-data; boundary=b"}, 400, "malformed_multipart"},
		{"malformed xml", call{method: "POST", target: "/api/x", body: "<a><b></a>", contentType: "application/xml"}, 400, "malformed_xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := gw.do(t, tt.call)
			d := res.denial()
			if res.status != tt.status || d == nil || d.Code != tt.code || res.ctype != pipeline.ProblemContentType {
				t.Fatalf("status %d denial %+v (%s); want %d %s problem", res.status, d, res.ctype, tt.status, tt.code)
			}
			if detail, _ := res.problem["detail"].(string); detail == "" || strings.Contains(detail, "inspect") {
				t.Errorf("detail %q: want the extractor's public text", detail)
			}
		})
	}
}

// TestCRSMalformedBody: the CRS engine answers 400 for a body its body
// processor cannot parse, as the native engine does.
func TestCRSMalformedBody(t *testing.T) {
	gw := newGateway(t, Config{Engine: EngineCRS}, pipeline.Enforce)
	res := gw.do(t, jsonCall("/api/x", `{"a":`))
	d := res.denial()
	if res.status != http.StatusBadRequest || d == nil || d.Code != "malformed_body" || res.ctype != pipeline.ProblemContentType {
		t.Fatalf("status %d denial %+v; want 400 malformed_body problem", res.status, d)
	}
}

// TestUpstreamSeesOriginal: a passing request reaches the upstream as the
// client sent it (body, query, headers), read once.
func TestUpstreamSeesOriginal(t *testing.T) {
	for _, engine := range []string{EngineNative, EngineCRS} {
		t.Run(engine, func(t *testing.T) {
			gw := newGateway(t, Config{Engine: engine}, pipeline.Enforce)
			body := `{"name":"O'Brien","note":"fine"}`
			c := jsonCall("/api/users?sort=name&page=2", body)
			c.chunked = true
			res := gw.do(t, c)
			wantPassed(t, res, body)
			if res.upstream.RawQuery != "sort=name&page=2" {
				t.Errorf("raw query %q", res.upstream.RawQuery)
			}
		})
	}
}

// TestUnknownBodies: a body without a parsed media type is scanned
// anyway (as JSON when it is JSON), because upstreams decode JSON whatever
// the Content-Type; binary types and SkipUnknownBodies leave it alone.
func TestUnknownBodies(t *testing.T) {
	sqli := `x' UNION SELECT password FROM users--`
	tests := []struct {
		name, ctype, body string
		skip              bool
		location          string // "" = pass
	}{
		{"json without content type", "", `{"q":"` + sqli + `"}`, false, "body./q"},
		{"json as octet-stream", "application/octet-stream", ` [{"q":"` + sqli + `"}]`, false, "body./0/q"},
		{"broken json without content type", "", `{"q":"` + sqli, false, "body"},
		{"text without content type", "", sqli, false, "body"},
		{"html body", "text/html", "<p>" + sqli + "</p>", false, "body"},
		{"image", "image/png", sqli, false, ""},
		{"skipped", "", `{"q":"` + sqli + `"}`, true, ""},
		{"benign json without content type", "", `{"name":"O'Brien"}`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := newGateway(t, Config{SkipUnknownBodies: tt.skip}, pipeline.Enforce)
			c := call{method: http.MethodPost, target: "/api/x", body: tt.body, contentType: tt.ctype}
			res := gw.do(t, c)
			if tt.location == "" {
				wantPassed(t, res, tt.body)
				return
			}
			if d := wantBlocked(t, res, "sqli"); d.Evidence["location"] != tt.location {
				t.Errorf("location %q, want %q", d.Evidence["location"], tt.location)
			}
		})
	}
}

// TestConcurrentChecks: one guard serves many requests at once (pooled
// verdicts, one shared Coraza WAF) and every answer is still its own.
func TestConcurrentChecks(t *testing.T) {
	for _, engine := range []string{EngineNative, EngineCRS} {
		t.Run(engine, func(t *testing.T) {
			g, err := New(Config{Engine: engine})
			if err != nil {
				t.Fatal(err)
			}
			attack := jsonCall("/api/x", `{"a":"x' UNION SELECT password FROM users--"}`)
			benign := jsonCall("/api/x", `{"a":"Siobhán O'Brien"}`)
			errs := make(chan error, 8)
			for w := range 8 {
				go func() {
					for i := range 20 {
						c, wantBlock := benign, false
						if (w+i)%2 == 0 {
							c, wantBlock = attack, true
						}
						_, err := g.Check(newRequest(t, c))
						if blocked := err != nil; blocked != wantBlock {
							errs <- fmt.Errorf("worker %d request %d: blocked=%v (%v), want %v", w, i, blocked, err, wantBlock)
							return
						}
						if wantBlock {
							var d *pipeline.Denial
							if !errors.As(err, &d) || d.Evidence["location"] != "body./a" {
								errs <- fmt.Errorf("worker %d request %d: evidence %v", w, i, d)
								return
							}
						}
					}
					errs <- nil
				}()
			}
			for range 8 {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	}
}
