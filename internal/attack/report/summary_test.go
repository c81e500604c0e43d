package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/attack/core"
)

func TestSummaryGolden(t *testing.T) {
	golden(t, "summary.golden.txt", render(t, func(b *bytes.Buffer) error { return Summary(b, fixture(t), false) }))
	golden(t, "summary-color.golden.txt", render(t, func(b *bytes.Buffer) error { return Summary(b, fixture(t), true) }))
}

// ourSGR matches the escape sequences Summary itself writes.
var ourSGR = regexp.MustCompile(`\x1b\[(?:00|01|31|32|33|34|35|90|0)m`)

// TestSummaryColorOnlyAddsEscapes: the colored summary is the plain one
// plus SGR sequences, so the columns stay aligned.
func TestSummaryColorOnlyAddsEscapes(t *testing.T) {
	for _, r := range []*core.Report{fixture(t), planReport(), {}} {
		plain := render(t, func(b *bytes.Buffer) error { return Summary(b, r, false) })
		color := render(t, func(b *bytes.Buffer) error { return Summary(b, r, true) })
		if bytes.IndexByte(plain, 0x1b) >= 0 {
			t.Errorf("plain summary has an escape:\n%q", plain)
		}
		if !bytes.Contains(color, []byte("\x1b[35mcritical\x1b[0m")) && len(r.Findings) > 0 {
			t.Errorf("colored summary does not color severities")
		}
		if got := ourSGR.ReplaceAll(color, nil); !bytes.Equal(got, plain) {
			t.Errorf("colored summary without its escapes differs from the plain one:\n%s\n---\n%s", got, plain)
		}
	}
}

func TestSummaryContent(t *testing.T) {
	out := string(render(t, func(b *bytes.Buffer) error { return Summary(b, fixture(t), false) }))
	for _, want := range []string{
		"800 requests in 1m48.5s, scan INCOMPLETE",
		"critical  2",
		"total     4",
		"critical  API8:2023  GET /api/search      SQL injection in query.q",
		"low       API8:2023  (target)             Server version disclosed in the Server header",
		"not_reached  2",
		"  - request budget of 800 exhausted after 800 requests",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// One line per finding, most severe first.
	order := []string{"SQL injection", "alg none", "user2 reads", "Server version"}
	last := -1
	for _, s := range order {
		i := strings.Index(out, s)
		if i < last {
			t.Errorf("%q out of severity order", s)
		}
		last = i
	}
}

// TestSummaryNeutralisesTerminalControl: a title or endpoint the target
// shaped cannot move the cursor, recolor, retitle the window or hide text.
func TestSummaryNeutralisesTerminalControl(t *testing.T) {
	r := fixture(t)
	r.Findings[0].Title = "ok\x1b]0;pwned\x07\x1b[2J\rgone\u202eevil\u200b\ttab\nnewline\u009b31m"
	r.Findings[0].Endpoint = "GET /\x1b[31mred"
	r.Target = "http://x/\x1b[H"
	r.Incomplete = []string{"stopped\x1b[1A"}
	for _, color := range []bool{false, true} {
		out := render(t, func(b *bytes.Buffer) error { return Summary(b, r, color) })
		rest := ourSGR.ReplaceAll(out, nil)
		for _, c := range string(rest) {
			if c != '\n' && unsafeRune(c) {
				t.Errorf("color=%v: control character %U reached the terminal", color, c)
			}
		}
		if !bytes.Contains(out, []byte(`ok\u001b]0;pwned\u0007\u001b[2J\u000dgone\u202eevil\u200b\u0009tab\u000anewline\u009b31m`)) {
			t.Errorf("color=%v: hostile title not shown escaped:\n%s", color, out)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven cha…"},
		{"trailing  space", 9, "trailing…"},
		{"\x00\x7f", 10, `\u0000\u007f`},
		{"bad \xff utf8", 20, "bad \ufffd utf8"},
		{"héllo wörld", 5, "héllo…"},
	} {
		got := clean(tc.in, tc.max)
		if got != tc.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("clean(%q) is not valid UTF-8", tc.in)
		}
	}
}

func TestSummaryNoFindings(t *testing.T) {
	r := fixture(t)
	r.Findings = nil
	r.Complete, r.Incomplete = true, nil
	out := string(render(t, func(b *bytes.Buffer) error { return Summary(b, r, false) }))
	if strings.Contains(out, "SEVERITY") || strings.Contains(out, "incomplete") || !strings.Contains(out, "scan complete") {
		t.Errorf("summary of a clean complete scan:\n%s", out)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

var errWrite = &writeError{}

type writeError struct{}

func (*writeError) Error() string { return "disk full" }

func TestRenderersReportWriteErrors(t *testing.T) {
	r := fixture(t)
	for name, err := range map[string]error{
		"json":    WriteJSON(failingWriter{}, r),
		"sarif":   WriteSARIF(failingWriter{}, r),
		"html":    WriteHTML(failingWriter{}, r),
		"summary": Summary(failingWriter{}, r, true),
	} {
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error %v, want the writer's", name, err)
		}
	}
}

func TestSummaryPlan(t *testing.T) {
	out := string(render(t, func(b *bytes.Buffer) error { return Summary(b, planReport(), false) }))
	for _, want := range []string{
		"API description: file api.yaml",
		"authz.bola  GET /api/items/{id}     4        read as user2",
		"authz.bola  DELETE /api/items/{id}  2        delete as user2 (unsafe)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Findings by severity") || strings.Contains(out, "Coverage") {
		t.Errorf("plan summary shows findings or coverage:\n%s", out)
	}
}
