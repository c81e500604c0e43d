package injection

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	libinjection "github.com/corazawaf/libinjection-go"
)

func TestNewEngineValidates(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		err  string
	}{
		{"zero value", Config{}, ""},
		{"every level", Config{Sensitivity: High}, ""},
		{"disabled rules", Config{DisabledRules: []string{"sqli", "xss"}}, ""},
		{"unknown rule", Config{DisabledRules: []string{"sqli", "sqlinjection"}}, `unknown rule "sqlinjection"`},
		{"unknown level", Config{Sensitivity: 9}, "unknown sensitivity 9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewEngine(c.cfg)
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("NewEngine: %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("NewEngine error = %v, want it to mention %q", err, c.err)
			}
		})
	}
}

func TestThresholds(t *testing.T) {
	for _, c := range []struct {
		level Sensitivity
		want  int
	}{{0, 5}, {Low, 10}, {Medium, 5}, {High, 3}} {
		e, err := NewEngine(Config{Sensitivity: c.level})
		if err != nil {
			t.Fatal(err)
		}
		if e.Threshold() != c.want {
			t.Errorf("Threshold at %v = %d, want %d", c.level, e.Threshold(), c.want)
		}
	}
}

func TestParseSensitivity(t *testing.T) {
	for in, want := range map[string]Sensitivity{"": Medium, "low": Low, "medium": Medium, "high": High} {
		got, err := ParseSensitivity(in)
		if err != nil || got != want {
			t.Errorf("ParseSensitivity(%q) = %v, %v; want %v", in, got, err, want)
		}
		if in != "" && got.String() != in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if _, err := ParseSensitivity("paranoid"); err == nil {
		t.Error("ParseSensitivity(paranoid): no error")
	}
	if s := Sensitivity(0).String(); s != "medium" {
		t.Errorf("zero Sensitivity = %q", s)
	}
}

func TestRules(t *testing.T) {
	want := map[string]int{"sqli": 89, "xss": 79, "cmdi": 78, "traversal": 22, "ssrf": 918, "nosqli": 943,
		"ssti": 1336, "ldapi": 90, "xpathi": 643, "jndi": 917, "crlf": 93, "xxe": 611, "proto_pollution": 1321}
	rules := Rules()
	if len(rules) != len(want) {
		t.Fatalf("%d rules, want %d", len(rules), len(want))
	}
	for _, r := range rules {
		if want[r.ID] != r.CWE {
			t.Errorf("%s: CWE %d, want %d", r.ID, r.CWE, want[r.ID])
		}
		wantOWASP := "API8:2023"
		if r.ID == "ssrf" {
			wantOWASP = "API7:2023"
		}
		if r.OWASP != wantOWASP || r.Name == "" || r.Score != scoreStrong {
			t.Errorf("%s: %+v", r.ID, r)
		}
		switch r.Severity {
		case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		default:
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
	}
	rules[0].ID = "changed"
	if Rules()[0].ID == "changed" {
		t.Error("Rules returns the package's own table")
	}
}

func TestDisabledRules(t *testing.T) {
	e, err := NewEngine(Config{DisabledRules: []string{"sqli", "xpathi"}})
	if err != nil {
		t.Fatal(err)
	}
	if ms := e.Scan("1' or '1'='1", Query, nil); len(ms) != 0 {
		t.Errorf("disabled rules still match: %s", describe(ms))
	}
	if ms := e.Scan("<script>alert(1)</script>", Query, nil); len(ms) == 0 {
		t.Error("enabled rule xss did not match")
	}
}

func TestScanAppends(t *testing.T) {
	e := engineAt(t, Medium)
	dst := []Match{{Reason: "existing"}}
	dst = e.Scan("1' or '1'='1", Query, dst)
	if len(dst) < 2 || dst[0].Reason != "existing" {
		t.Fatalf("Scan did not append: %+v", dst)
	}
	if got := e.Scan("", Query, dst[:1]); len(got) != 1 {
		t.Errorf("empty value added matches")
	}
	// At most one match per rule per value.
	seen := map[string]bool{}
	for _, m := range e.Scan("1' or '1'='1' union select 1-- <script>", Query, nil) {
		if seen[m.Rule.ID] {
			t.Errorf("rule %s matched twice", m.Rule.ID)
		}
		seen[m.Rule.ID] = true
	}
}

func TestMatchFields(t *testing.T) {
	e := engineAt(t, Medium)
	ms := e.Scan("%253Cscript%253Ealert(1)", Query, nil)
	if len(ms) != 1 {
		t.Fatalf("matches: %s", describe(ms))
	}
	m := ms[0]
	if m.Rule.ID != "xss" || m.Score != scoreStrong || m.Variant != "url-decoded×2" || m.Reason == "" {
		t.Errorf("match = %+v", m)
	}
	if !strings.Contains(m.Snippet, "<script>") {
		t.Errorf("snippet %q does not show the decoded evidence", m.Snippet)
	}
}

func TestSnippetRedaction(t *testing.T) {
	secret := strings.Repeat("s3cr3t-", 40)
	value := secret + "' or '1'='1" + secret
	e := engineAt(t, Medium)
	ms := e.Scan(value, Query, nil)
	if len(ms) == 0 {
		t.Fatal("no match")
	}
	for _, m := range ms {
		if len(m.Snippet) > snippetMax+6 {
			t.Errorf("snippet of %d bytes: %q", len(m.Snippet), m.Snippet)
		}
		if strings.Count(m.Snippet, "s3cr3t-") > snippetMax/len("s3cr3t-") {
			t.Errorf("snippet carries the surrounding value: %q", m.Snippet)
		}
	}
	if got := snippet("a\x00b\\c\xffé\n", 0, 10); got != `a\x00b\\c\xff\xc3\xa9\x0a` {
		t.Errorf("escaping: %q", got)
	}
	if got := snippet(strings.Repeat("x", 100)+"EVIL"+strings.Repeat("y", 100), 100, 104); got != "…xxxxxxxxxxxxEVILyyyyyyyyyyyy…" {
		t.Errorf("window: %q", got)
	}
	if got := snippet("abc", 5, 2); got != "abc" {
		t.Errorf("out-of-range window: %q", got)
	}
}

func TestTotal(t *testing.T) {
	sqli, xss := &ruleTable[ruleSQLi], &ruleTable[ruleXSS]
	for _, c := range []struct {
		name string
		ms   []Match
		want int
	}{
		{"empty", nil, 0},
		{"different rules add", []Match{{Rule: sqli, Score: 5, Reason: "a"}, {Rule: xss, Score: 3, Reason: "a"}}, 8},
		{"different reasons add", []Match{{Rule: sqli, Score: 3, Reason: "a"}, {Rule: sqli, Score: 3, Reason: "b"}}, 6},
		{"same reason counts once, at its best", []Match{{Rule: sqli, Score: 3, Reason: "a"}, {Rule: sqli, Score: 10, Reason: "a"}, {Rule: sqli, Score: 5, Reason: "a"}}, 10},
	} {
		if got := Total(c.ms); got != c.want {
			t.Errorf("%s: Total = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestContextString(t *testing.T) {
	if JSONKey.String() != "json_key" || Text.String() != "text" || Context(200).String() != "unknown" {
		t.Error("Context.String")
	}
	// An undefined context is read as Text, so detection is never off.
	e := engineAt(t, Medium)
	if ms := e.Scan("<script>alert(1)</script>", Context(200), nil); len(ms) == 0 {
		t.Error("undefined context switched detection off")
	}
}

// TestDetectorContexts: detectors stay out of contexts where their syntax
// is normal.
func TestDetectorContexts(t *testing.T) {
	e := engineAt(t, Medium)
	for _, c := range []struct {
		rule, value string
		ctx         Context
	}{
		{"xxe", `<!ENTITY xxe SYSTEM "file:///etc/passwd">`, JSONValue},
		{"crlf", "x\r\nSet-Cookie: a=b", JSONValue},
		{"crlf", "x\r\nSet-Cookie: a=b", Form},
		{"sqli", "1' or '1'='1", XMLDirective},
		{"traversal", "../../etc/passwd", JSONKey},
		{"ssrf", "http://127.0.0.1/", JSONKey},
	} {
		for _, m := range e.Scan(c.value, c.ctx, nil) {
			if m.Rule.ID == c.rule {
				t.Errorf("%s matched %q in %v", c.rule, c.value, c.ctx)
			}
		}
	}
}

// TestScanAllocations: a plain value (no SQL or HTML punctuation, no
// encodings) is scanned without allocating, once the pool is warm.
func TestScanAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	e := engineAt(t, Medium)
	dst := make([]Match, 0, 4)
	for _, v := range []string{"page2sortcreated", "Hello World", "Jane Doe", "12345", "user_42", "Springfield Illinois"} {
		allocs := testing.AllocsPerRun(200, func() { dst = e.Scan(v, JSONValue, dst[:0]) })
		if allocs != 0 {
			t.Errorf("Scan(%q): %.1f allocations", v, allocs)
		}
	}
}

func TestScanConcurrent(t *testing.T) {
	e := engineAt(t, Medium)
	values := []string{"1' or '1'='1", "Hello World", "%253Cscript%253E", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "${jndi:ldap://x}", "../../etc/passwd"}
	want := make([]int, len(values))
	for i, v := range values {
		want[i] = Total(e.Scan(v, Query, nil))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var dst []Match
			for n := range 200 {
				i := (g + n) % len(values)
				dst = e.Scan(values[i], Query, dst[:0])
				if got := Total(dst); got != want[i] {
					t.Errorf("concurrent Scan(%q) total %d, want %d", values[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestLibinjectionPrefilters pins the assumptions behind the fast paths
// that skip libinjection-go (which allocates): IsXSS flags nothing without
// a tag opener or '=', and IsSQLi flags no value made of letters, digits,
// underscores and spaces unless a word is an SQL keyword. If an upgrade of
// the library breaks either, this test fails.
func TestLibinjectionPrefilters(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	htmlAlphabet := "abcjavscriptonlrmx :/()>`'\"&#;.\\-_*0123456789\t\nJS{}[]@%"
	sqlWords := []string{"a", "x1", "42", "users", "name", "id", "hello", "world", "0", "page", "jane"}
	for range 100000 {
		b := make([]byte, 1+r.IntN(24))
		for i := range b {
			b[i] = htmlAlphabet[r.IntN(len(htmlAlphabet))]
		}
		s := string(b)
		sc := scratch{}
		v := sc.variants(s)[0]
		if !mayBeHTML(&v) && libinjection.IsXSS(s) {
			t.Fatalf("IsXSS(%q) is true but mayBeHTML is false", s)
		}
		words := make([]string, 1+r.IntN(6))
		for i := range words {
			words[i] = sqlWords[r.IntN(len(sqlWords))]
			if r.IntN(4) == 0 {
				words[i] = strings.ToUpper(words[i])
			}
		}
		q := strings.Join(words, " ")
		v = sc.variants(q)[0]
		if ok, fp := libinjection.IsSQLi(q); ok && !mayBeSQL(&v) {
			t.Fatalf("IsSQLi(%q) is true (%s) but mayBeSQL is false", q, fp)
		}
	}
	for kw := range plainSQLKeywords {
		for _, s := range []string{kw, "1" + kw, kw + "1", strings.ToUpper(kw)} {
			if ok, fp := libinjection.IsSQLi(s); ok {
				t.Errorf("IsSQLi(%q) = %s: a single token was assumed harmless", s, fp)
			}
		}
	}
}
