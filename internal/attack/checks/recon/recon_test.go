package recon

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

func sampleScan(t *testing.T, hardened bool) *core.Scan {
	t.Helper()
	srv, err := sampleapi.Start(context.Background(), sampleapi.Config{Hardened: hardened}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return checktest.Scan(t, core.Config{Target: srv.URL(), Operations: checktest.Operations(t, sampleapi.Spec()),
		Profiles: checktest.SampleProfiles(t, srv.URL())})
}

func find(fs []core.Finding, title string) *core.Finding {
	for i := range fs {
		if fs[i].Title == title {
			return &fs[i]
		}
	}
	return nil
}

func TestReconSampleAPI(t *testing.T) {
	s := sampleScan(t, false)
	checktest.Run(t, s, Checks()...)
	fs := s.Findings()
	for _, f := range fs {
		checktest.Complete(t, f)
		checktest.NoSecret(t, f, sampleapi.WeakJWTSecret)
	}

	banner := find(fs, "Server software disclosed in response headers")
	if banner == nil || banner.CWE != 200 || banner.OWASP != core.API8Misconfig || banner.Severity != core.SeverityLow ||
		!strings.Contains(banner.Description, "Server: sampleapi/1.0") || !strings.Contains(banner.Description, "X-Powered-By: Go") {
		t.Errorf("banner finding: %+v\nall:%s", banner, checktest.Describe(fs))
	}

	verbose := find(fs, "Verbose error reveals internals")
	if verbose == nil || verbose.CWE != 209 || verbose.Endpoint != "GET /api/search" ||
		!strings.Contains(verbose.Description, "Go stack trace") {
		t.Errorf("verbose error finding: %+v\nall:%s", verbose, checktest.Describe(fs))
	}

	debug := find(fs, "Debug endpoint exposed")
	if debug == nil || debug.Endpoint != "GET /api/debug/vars" || debug.Severity != core.SeverityHigh || debug.CWE != 489 {
		t.Fatalf("debug endpoint finding: %+v\nall:%s", debug, checktest.Describe(fs))
	}
	if !strings.Contains(debug.Evidence[0].Response.Body, "*******23") {
		t.Errorf("the leaked key is not masked in the evidence: %s", debug.Evidence[0].Response.Body)
	}
	if secrets, _ := s.Get(SecretsKey).([]string); !slices.Contains(secrets, sampleapi.WeakJWTSecret) {
		t.Errorf("recon.secrets = %d values, want the leaked JWT key among them", len(secrets))
	}
	if exposed, _ := s.Get(ExposedKey).(map[string]bool); !exposed["/api/debug/vars"] {
		t.Errorf("recon.exposed = %v", exposed)
	}
	if len(checktest.Findings(s, "recon.graphql")) != 0 {
		t.Errorf("graphql finding on an API without GraphQL")
	}
}

func TestReconHardenedSampleAPI(t *testing.T) {
	s := sampleScan(t, true)
	checktest.Run(t, s, Checks()...)
	if fs := s.Findings(); len(fs) != 0 {
		t.Errorf("hardened sample API: want no findings, got:%s", checktest.Describe(fs))
	}
	tested := 0
	for _, c := range s.Ledger() {
		if c.Status == core.Tested {
			tested++
		}
	}
	if tested < 50 {
		t.Errorf("only %d ledger rows tested", tested)
	}
}

const openAPIDoc = `{"openapi":"3.0.3","paths":{"/users":{"get":{"security":[{"b":[]}]}},"/login":{"post":{}}}}`

// leakyServer publishes what recon looks for, behind a catch-all 200 page.
func leakyServer() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><html><body><div id=app></div></body></html>")
	})
	mux.HandleFunc("/.env", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# app\nDB_PASSWORD=hunter2-very-secret\nJWT_SECRET=s3cr3t-signing-key\nPORT=8080\n")
	})
	mux.HandleFunc("/openapi.json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, openAPIDoc) })
	mux.HandleFunc("/actuator", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"_links":{"self":{"href":"/actuator"},"health":{"href":"/actuator/health"}}}`)
	})
	mux.HandleFunc("/id_rsa", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n")
	})
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{"__schema":{"queryType":{"name":"Query"},"types":[{"name":"Query","kind":"OBJECT"},{"name":"User","kind":"OBJECT"}]}}}`)
	})
	return httptest.NewServer(mux)
}

func TestExposedFilesLeakyServer(t *testing.T) {
	ts := leakyServer()
	defer ts.Close()
	s := checktest.Scan(t, core.Config{Target: ts.URL})
	checktest.Run(t, s, ExposedFilesCheck{}, GraphQLCheck{})
	fs := s.Findings()
	got := map[string]bool{}
	for _, f := range fs {
		checktest.Complete(t, f)
		checktest.NoSecret(t, f, "hunter2-very-secret")
		checktest.NoSecret(t, f, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ")
		got[f.Endpoint] = true
	}
	for _, want := range []string{"GET /.env", "GET /openapi.json", "GET /actuator", "GET /id_rsa", "POST /graphql"} {
		if !got[want] {
			t.Errorf("no finding for %s; got:%s", want, checktest.Describe(fs))
		}
	}
	if len(fs) != 5 {
		t.Errorf("want exactly 5 findings (the catch-all page must not count), got:%s", checktest.Describe(fs))
	}
	if f := find(fs, "Environment file exposed"); f != nil && f.CWE != 538 {
		t.Errorf(".env CWE-%d, want 538", f.CWE)
	}
	// The description was loaded into the scan's operations.
	var keys []string
	for _, op := range s.Operations() {
		keys = append(keys, op.Key()+" "+op.Source)
	}
	if !slices.Contains(keys, "GET /users spec") || !slices.Contains(keys, "POST /login spec") {
		t.Errorf("operations after recon: %v", keys)
	}
	if s.Get(SpecURLKey) != "/openapi.json" {
		t.Errorf("recon.spec_url = %v", s.Get(SpecURLKey))
	}
}

// TestExposedFilesWildcardDecoy: a catch-all that answers every path with
// content that passes the .git/config test must not produce a finding.
func TestExposedFilesWildcardDecoy(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "[core]\n\trepositoryformatversion = 0\nref: refs/heads/main\n")
	}))
	defer ts.Close()
	s := checktest.Scan(t, core.Config{Target: ts.URL})
	checktest.Run(t, s, ExposedFilesCheck{})
	if fs := s.Findings(); len(fs) != 0 {
		t.Errorf("decoy catch-all: want no findings, got:%s", checktest.Describe(fs))
	}
}

func TestFingerprintFrameworkPages(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Powered-By", "Express")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, "SyntaxError: Unexpected end of JSON input\n    at JSON.parse (<anonymous>)\n    at parse (/srv/app/node_modules/body-parser/lib/types/json.js:89:19)")
			return
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "<!DOCTYPE html><html><body><pre>Cannot GET %s</pre></body></html>", r.URL.Path)
	}))
	defer ts.Close()
	s := checktest.Scan(t, core.Config{Target: ts.URL})
	checktest.Run(t, s, FingerprintCheck{})
	fs := s.Findings()
	for _, want := range []string{"Server software disclosed in response headers", "Framework disclosed by its default error text", "Verbose error reveals internals"} {
		f := find(fs, want)
		if f == nil {
			t.Errorf("missing %q; got:%s", want, checktest.Describe(fs))
			continue
		}
		checktest.Complete(t, *f)
	}
	if f := find(fs, "Server software disclosed in response headers"); f != nil && f.Severity != core.SeverityInfo {
		t.Errorf("an unversioned banner is info, got %s", f.Severity)
	}
}

func TestBanners(t *testing.T) {
	got := Banners(http.Header{"Server": {"nginx/1.18.0"}, "X-Powered-By": {"PHP"}, "Content-Type": {"text/html"}})
	want := []Banner{{"Server", "nginx/1.18.0", true}, {"X-Powered-By", "PHP", false}}
	if !slices.Equal(got, want) {
		t.Errorf("Banners = %+v, want %+v", got, want)
	}
}

func TestFrameworks(t *testing.T) {
	tests := map[string]string{
		"<html><body><h1>Whitelabel Error Page</h1>":                                     "Spring Boot",
		"404 page not found\n":                                                           "Go net/http",
		"invalid character '}' looking for beginning of object key string":               "Go encoding/json",
		"<hr><center>nginx/1.25.3</center>":                                              "nginx",
		"Expecting property name enclosed in double quotes: line 1 column 2 (char 1)":    "Python json",
		"<address>Apache/2.4.41 (Ubuntu) Server at example.com Port 80</address>":        "Apache httpd",
		"The JSON value could not be converted to System.String. Path: $.name | Line: 0": "ASP.NET Core",
		`Unexpected token 'o', "not json" is not valid JSON`:                             "Node.js JSON parser",
		"Unexpected token } in JSON at position 12":                                      "Node.js JSON parser",
	}
	for body, want := range tests {
		if got := Frameworks([]byte(body)); !slices.Contains(got, want) {
			t.Errorf("Frameworks(%q) = %v, want %s", body, got, want)
		}
	}
	for _, own := range []string{
		`{"type":"about:blank","title":"Not Found","status":404}`,
		// A gateway's or an application's own words are no framework's.
		`{"type":"urn:rampart:problem:malformed_json","detail":"The request body is not valid JSON."}`,
	} {
		if got := Frameworks([]byte(own)); len(got) != 0 {
			t.Errorf("Frameworks(%q) = %v, want none", own, got)
		}
	}
}

func TestIntrospectionTypes(t *testing.T) {
	if n, ok := IntrospectionTypes([]byte(`{"data":{"__schema":{"types":[{"name":"A"}]}}}`)); !ok || n != 1 {
		t.Errorf("got %d %v", n, ok)
	}
	for _, b := range []string{`{"errors":[{"message":"introspection disabled"}]}`, `{"data":{"__schema":{"types":[]}}}`, `<html>`} {
		if _, ok := IntrospectionTypes([]byte(b)); ok {
			t.Errorf("IntrospectionTypes(%s) = true", b)
		}
	}
}
