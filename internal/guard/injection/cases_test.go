package injection

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	detector "github.com/rampartsec/rampart/internal/injection"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// Attacks are data: testdata/cases/*.yaml hold requests and the verdict
// the gateway must reach on them, like the CRS regression tests. Every case
// runs through a real chain and proxy, on each engine it names.

// attackCase is one request and its expected verdict.
type attackCase struct {
	Name    string      `yaml:"name"`
	Request caseRequest `yaml:"request"`
	Expect  caseExpect  `yaml:"expect"`
	// Engines the case runs on; empty means both. A case leaves an engine
	// out when that engine is known to disagree (Note says why).
	Engines []string `yaml:"engines"`
	Note    string   `yaml:"note"`
}

type caseRequest struct {
	Method string `yaml:"method"`
	// Path and Query are sent exactly as written, escapes included.
	Path        string            `yaml:"path"`
	Query       string            `yaml:"query"`
	Headers     map[string]string `yaml:"headers"`
	ContentType string            `yaml:"content_type"`
	Body        string            `yaml:"body"`
}

type caseExpect struct {
	// Verdict is "block" (403 injection_detected) or "pass" (proxied).
	Verdict string `yaml:"verdict"`
	// Rule is the native rule that must name the denial.
	Rule string `yaml:"rule"`
	// Variant, when set, must be the native evidence's normalisation.
	Variant string `yaml:"variant"`
	// Location, when set, is the native evidence's location (a trailing
	// "*" makes it a prefix). A "#key" suffix means the input was a name
	// (a JSON key, a query parameter's name): evidence "key" is "true".
	Location string `yaml:"location"`
}

func (c *attackCase) runsOn(engine string) bool {
	return len(c.Engines) == 0 || slices.Contains(c.Engines, engine)
}

func (c *attackCase) call() call {
	target := c.Request.Path
	if c.Request.Query != "" {
		target += "?" + c.Request.Query
	}
	h := http.Header{}
	for k, v := range c.Request.Headers {
		h.Set(k, v)
	}
	return call{method: c.Request.Method, target: target, body: c.Request.Body,
		contentType: c.Request.ContentType, header: h}
}

// caseFile is the cases of one file, in order.
type caseFile struct {
	name  string
	cases []attackCase
}

// loadCases reads and validates every case file, strictly: a misspelt key
// would silently weaken a test.
func loadCases(t testing.TB) []caseFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "cases", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no case files: %v", err)
	}
	rules := map[string]bool{}
	for _, r := range detector.Rules() {
		rules[r.ID] = true
	}
	var files []caseFile
	names := map[string]string{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		var cases []attackCase
		if err := dec.Decode(&cases); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		f := caseFile{name: strings.TrimSuffix(filepath.Base(p), ".yaml"), cases: cases}
		for i := range cases {
			c := &cases[i]
			where := fmt.Sprintf("%s: case %d (%q)", p, i, c.Name)
			switch {
			case c.Name == "":
				t.Fatalf("%s: no name", where)
			case names[c.Name] != "":
				t.Fatalf("%s: name also used in %s", where, names[c.Name])
			case c.Expect.Verdict != "block" && c.Expect.Verdict != "pass":
				t.Fatalf("%s: verdict %q (want block or pass)", where, c.Expect.Verdict)
			case c.Expect.Verdict == "block" && !rules[c.Expect.Rule]:
				t.Fatalf("%s: blocking case needs a known rule, got %q", where, c.Expect.Rule)
			case c.Request.Path == "" || !strings.HasPrefix(c.Request.Path, "/"):
				t.Fatalf("%s: path %q must start with /", where, c.Request.Path)
			case len(c.Engines) > 0 && c.Note == "":
				t.Fatalf("%s: leaves an engine out without a note saying why", where)
			}
			for _, e := range c.Engines {
				if e != EngineNative && e != EngineCRS {
					t.Fatalf("%s: unknown engine %q", where, e)
				}
			}
			names[c.Name] = where
		}
		files = append(files, f)
	}
	return files
}

// casesConfig is the guard configuration the cases run against: defaults,
// plus cookies (so that cookie cases mean something).
func casesConfig(engine string) Config {
	return Config{Engine: engine, Cookies: true}
}

// TestAttackCases runs every case on every engine it names through the
// real chain: blocked cases get the uniform 403 with the expected rule,
// passing cases reach the upstream untouched.
func TestAttackCases(t *testing.T) {
	files := loadCases(t)
	for _, engine := range []string{EngineNative, EngineCRS} {
		t.Run(engine, func(t *testing.T) {
			gw := newGateway(t, casesConfig(engine), pipeline.Enforce)
			ran, skipped := map[string]int{}, 0
			for _, f := range files {
				for i := range f.cases {
					c := &f.cases[i]
					if !c.runsOn(engine) {
						skipped++
						continue
					}
					ran[c.Expect.Verdict]++
					t.Run(f.name+"/"+c.Name, func(t *testing.T) {
						res := gw.do(t, c.call())
						checkCase(t, engine, c, res)
					})
				}
			}
			t.Logf("%s: %d blocking and %d passing cases run, %d left out", engine, ran["block"], ran["pass"], skipped)
		})
	}
}

func checkCase(t *testing.T, engine string, c *attackCase, res *result) {
	t.Helper()
	d := res.denial()
	if c.Expect.Verdict == "pass" {
		if res.status != http.StatusOK {
			t.Fatalf("status %d, want 200 (passed); denial %+v", res.status, d)
		}
		if res.upstream.Body != c.Request.Body {
			t.Errorf("upstream got body %q, want %q", res.upstream.Body, c.Request.Body)
		}
		return
	}
	if res.status != http.StatusForbidden || d == nil || d.Code != Code {
		t.Fatalf("status %d, denial %+v; want 403 %s", res.status, d, Code)
	}
	if res.problem["detail"] != PublicMessage {
		t.Errorf("public detail %q, want %q", res.problem["detail"], PublicMessage)
	}
	if engine != EngineNative {
		return
	}
	if d.Rule != c.Expect.Rule {
		t.Errorf("rule %q, want %q (evidence %v)", d.Rule, c.Expect.Rule, d.Evidence)
	}
	if c.Expect.Variant != "" && d.Evidence["variant"] != c.Expect.Variant {
		t.Errorf("variant %q, want %q (evidence %v)", d.Evidence["variant"], c.Expect.Variant, d.Evidence)
	}
	if want := c.Expect.Location; want != "" {
		if base, ok := strings.CutSuffix(want, "#key"); ok {
			want = base
			if d.Evidence["key"] != "true" {
				t.Errorf("evidence does not say the input was a name: %v", d.Evidence)
			}
		}
		got := d.Evidence["location"]
		if p, ok := strings.CutSuffix(want, "*"); (ok && !strings.HasPrefix(got, p)) || (!ok && got != want) {
			t.Errorf("location %q, want %q (evidence %v)", got, want, d.Evidence)
		}
	}
}

// TestCasesCoverage: the corpus must exercise every native rule, every
// normalisation and every place an input can hide, each in a blocking case
// that checks it, and hold benign traffic that must pass.
func TestCasesCoverage(t *testing.T) {
	files := loadCases(t)
	rules, variants, sources := map[string]int{}, map[string]int{}, map[string]int{}
	passing := 0
	for _, f := range files {
		for _, c := range f.cases {
			if c.Expect.Verdict == "pass" {
				passing++
				continue
			}
			rules[c.Expect.Rule]++
			for _, v := range strings.Split(c.Expect.Variant, "+") {
				variants[v]++
			}
			if loc := c.Expect.Location; loc != "" {
				sources[locationKind(loc)]++
			}
		}
	}
	for _, r := range detector.Rules() {
		if rules[r.ID] == 0 {
			t.Errorf("no blocking case for rule %q", r.ID)
		}
	}
	for _, v := range []string{"url-decoded", "url-decoded×2", "html-entities", "js-escapes", "sql-comments",
		"null-bytes", "overlong-utf8", "base64"} {
		if variants[v] == 0 {
			t.Errorf("no blocking case checks normalisation %q", v)
		}
	}
	for _, s := range []string{"query", "query-key", "path", "header", "cookie", "form", "multipart",
		"json-key", "json-value", "xml-text", "xml-attr", "xml-doctype"} {
		if sources[s] == 0 {
			t.Errorf("no blocking case checks location kind %q", s)
		}
	}
	if passing < 40 {
		t.Errorf("%d passing cases; the benign corpus needs at least 40", passing)
	}
	keys := make([]string, 0, len(rules))
	for k := range rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("rules: %v; variants: %v; locations: %v; passing: %d", keys, variants, sources, passing)
}

// locationKind classifies an expected location by its source, names
// ("#key") apart from values.
func locationKind(loc string) string {
	src, name, _ := strings.Cut(strings.TrimSuffix(loc, "*"), ".")
	switch src {
	case "body":
		if strings.HasSuffix(loc, "#key") {
			return "json-key"
		}
		return "json-value"
	case "xml":
		if name == "doctype" {
			return "xml-doctype"
		}
		if strings.Contains(name, "/@") {
			return "xml-attr"
		}
		return "xml-text"
	case "query":
		if strings.HasSuffix(loc, "#key") {
			return "query-key"
		}
	}
	return src
}
