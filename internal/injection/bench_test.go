package injection

import (
	"encoding/base64"
	"strings"
	"testing"
)

// Benchmarks of Scan on the hot path (benign values) and on adversarial
// inputs built to trigger worst-case behaviour in a normaliser or detector.
// The adversarial ones run at 8 KiB and 64 KiB: with linear-time code the
// ns/B figure is about the same at both sizes (a quadratic step would make
// the 64 KiB one 8× slower per byte).

func benchEngine(b *testing.B) *Engine {
	b.Helper()
	e, err := NewEngine(Config{})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func benchScan(b *testing.B, e *Engine, value string, ctx Context) {
	b.Helper()
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	dst := make([]Match, 0, 16)
	for b.Loop() {
		dst = e.Scan(value, ctx, dst[:0])
	}
	if len(dst) > 0 && strings.HasPrefix(b.Name(), "BenchmarkScanBenign") {
		b.Fatalf("benign value matched: %+v", dst)
	}
}

// benign40 is a 40-byte value typical of an API field, with the apostrophe
// and commas that send it through libinjection; benign40Plain has none of
// the bytes any detector needs and takes the allocation-free fast path.
const (
	benign40      = "Jane O'Brien, 42 Main St, Springfield IL"
	benign40Plain = "Jane Doe lives at 42 Main Street Springf"
)

const prose = "Thanks for the quick reply! As discussed, we'd like to select the best " +
	"option for the team or the whole department. Please drop me a note when the " +
	"report is ready; I'll review it before Friday. The dashboard at " +
	"https://status.example.com/teams/42 shows the numbers (uptime 99.9%, p95 < 200ms). " +
	"If (a < b) { return; } was the bug in the old parser, so we fixed it in v2.3. " +
	"**Next steps**: 1) update the docs, 2) tell Mary-Jane & Tom, 3) ship it. "

// prose1K is about 1 KiB of benign prose with punctuation, a URL, code and
// markdown.
var prose1K = strings.Repeat(prose, 3)[:1024]

func BenchmarkScanBenign40(b *testing.B) {
	benchScan(b, benchEngine(b), benign40, JSONValue)
}

func BenchmarkScanBenign40Plain(b *testing.B) {
	benchScan(b, benchEngine(b), benign40Plain, JSONValue)
}

func BenchmarkScanBenignQuery(b *testing.B) {
	benchScan(b, benchEngine(b), "page2sortcreated", Query)
}

func BenchmarkScanBenignProse1K(b *testing.B) {
	benchScan(b, benchEngine(b), prose1K, JSONValue)
}

func BenchmarkScanAttack(b *testing.B) {
	benchScan(b, benchEngine(b), "1' UNION SELECT username, password FROM users--", Query)
}

// adversarial builds n-byte inputs of each worst-case shape.
var adversarial = []struct {
	name string
	make func(n int) string
}{
	{"quotes", func(n int) string { return strings.Repeat("'", n) }},
	{"quote-or", func(n int) string { return strings.Repeat("' or ", n/5) }},
	{"percent25", func(n int) string { return strings.Repeat("%25", n/3) }},
	{"base64", func(n int) string {
		return base64.StdEncoding.EncodeToString([]byte(strings.Repeat("select a from b where c='d' ", n/38)))
	}},
	{"braces", func(n int) string { return strings.Repeat("{", n) }},
	{"template-open", func(n int) string { return strings.Repeat("{{7*7", n/5) }},
	{"lookups", func(n int) string { return strings.Repeat("${", n/2) }},
	{"tags", func(n int) string { return strings.Repeat("<a x", n/4) }},
	{"dotdot", func(n int) string { return strings.Repeat("..", n/2) }},
	{"separators", func(n int) string { return strings.Repeat(";a", n/2) }},
	{"entities", func(n int) string { return strings.Repeat("&#0000", n/6) }},
	{"backslashes", func(n int) string { return strings.Repeat(`\u00`, n/4) }},
	{"colons", func(n int) string { return strings.Repeat("://@", n/4) }},
}

func BenchmarkScanAdversarial(b *testing.B) {
	e := benchEngine(b)
	for _, a := range adversarial {
		for _, size := range []int{8 << 10, 64 << 10} {
			value := a.make(size)
			b.Run(a.name+"/"+sizeName(size), func(b *testing.B) {
				benchScan(b, e, value, JSONValue)
			})
		}
	}
}

func sizeName(n int) string {
	if n >= 1<<10 {
		return itoa(n>>10) + "KiB"
	}
	return itoa(n) + "B"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
