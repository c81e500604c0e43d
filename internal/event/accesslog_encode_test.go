package event

import (
	"bytes"
	"encoding/json"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// allASCII holds every byte below 0x80, control characters included.
func allASCII() string {
	var b strings.Builder
	for c := range utf8.RuneSelf {
		b.WriteByte(byte(c))
	}
	return b.String()
}

// TestAccessLogMatchesSlog checks the hand-written encoder emits exactly the
// bytes the former slog JSON handler did, hostile inputs included.
func TestAccessLogMatchesSlog(t *testing.T) {
	nasty := allASCII() + "<script>&amp;\u2028\u2029\ufffd\xff\xc3(\xe2\x80\xf0\x9f\x98\x80é\u007f"
	tests := []struct {
		name   string
		modify func(o *pipeline.Outcome)
	}{
		{"sample", func(*pipeline.Outcome) {}},
		{"minimal", func(o *pipeline.Outcome) {
			*o = pipeline.Outcome{Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Method: "GET", Path: "/",
				Status: 200, Verdict: pipeline.VerdictAllowed}
		}},
		{"zero values", func(o *pipeline.Outcome) { *o = pipeline.Outcome{Time: o.Time} }},
		{"nanoseconds and zone", func(o *pipeline.Outcome) {
			o.Time = time.Date(2025, 12, 31, 23, 59, 59, 123456789, time.FixedZone("X", -5*3600))
		}},
		{"monotonic clock", func(o *pipeline.Outcome) { o.Time = time.Now() }},
		{"extreme numbers", func(o *pipeline.Outcome) {
			o.Latency, o.Upstream = math.MaxInt64, math.MinInt64
			o.Status, o.BytesIn, o.BytesOut = -1, math.MaxInt64, math.MinInt64
		}},
		{"hostile strings", func(o *pipeline.Outcome) {
			o.Path, o.UserAgent, o.Host, o.RequestID, o.Method = nasty, nasty, nasty, nasty, nasty
			o.Identity.Subject, o.Route.API, o.Route.Route, o.Verdict = nasty, nasty, nasty, pipeline.Verdict(nasty)
		}},
		{"hostile denials", func(o *pipeline.Outcome) {
			o.Denials = []pipeline.Denial{
				{Guard: nasty, Rule: nasty},
				{Guard: "a\xe2\x80", Rule: "\xa8b"}, // an invalid sequence on each side of '/'
				{Guard: "", Rule: ""},
				{Guard: "rate", Rule: "per_client"},
			}
		}},
		{"oversized", func(o *pipeline.Outcome) {
			o.Path = "/" + strings.Repeat("é", 2000)
			o.UserAgent = strings.Repeat("\x00", 5000)
			o.Host = strings.Repeat("h", 5000) + ":80"
		}},
		{"ipv6 host and client", func(o *pipeline.Outcome) {
			o.Host = "[2001:db8::1]:8443"
			o.Client = netip.MustParseAddr("2001:db8::2")
		}},
		{"ipv4-mapped client", func(o *pipeline.Outcome) { o.Client = netip.MustParseAddr("::ffff:192.0.2.1") }},
		{"client zone", func(o *pipeline.Outcome) {
			o.Client = netip.MustParseAddr("fe80::1%eth\"0\n\xff<")
		}},
		{"no identity subject", func(o *pipeline.Outcome) { o.Identity = &pipeline.Identity{KeyID: "k"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := sampleOutcome()
			tt.modify(o)
			var got, want bytes.Buffer
			NewAccessLog(&got).WriteOutcome(o)
			newSlogAccessLog(&want).WriteOutcome(o)
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("encoder and slog differ\n got: %q\nwant: %q", got.Bytes(), want.Bytes())
			}
			decodeFlat(t, got.Bytes())
		})
	}
}

func TestAccessLogZeroTimeIsNow(t *testing.T) {
	var out bytes.Buffer
	before := time.Now().Truncate(time.Second)
	NewAccessLog(&out).WriteOutcome(&pipeline.Outcome{})
	after := time.Now()
	ts, err := time.Parse(time.RFC3339Nano, decodeFlat(t, out.Bytes())["@timestamp"].(string))
	if err != nil || ts.Before(before) || ts.After(after) || ts.Location() != time.UTC {
		t.Errorf("@timestamp = %v (%v), want UTC between %v and %v", ts, err, before, after)
	}
}

// TestAppendJSONChars pins the escapes, and checks the denial style against
// encoding/json with HTML escaping off (what slog used for []string).
func TestAppendJSONChars(t *testing.T) {
	tests := []struct{ in, slog, encJSON string }{
		{"plain/ascii ~\x7f", `plain/ascii ~` + "\x7f", ""},
		{`q"b\`, `q\"b\\`, ""},
		{"\n\r\t", `\n\r\t`, ""},
		{"\b\f", `\u0008\u000c`, `\b\f`},
		{"\x00\x1f", `\u0000\u001f`, ""},
		{"<a>&", "<a>&", ""},
		{"\u2028\u2029", `\u2028\u2029`, ""},
		{"\xff\xc3(", `\ufffd\ufffd(`, ""},
		{"\xe2\x80", `\ufffd\ufffd`, ""},
		{"é😀\ufffd", "é😀\ufffd", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := string(appendJSONChars(nil, tt.in, false)); got != tt.slog {
			t.Errorf("appendJSONChars(%q, slog) = %s, want %s", tt.in, got, tt.slog)
		}
		want := tt.encJSON
		if want == "" {
			want = tt.slog
		}
		if got := string(appendJSONChars(nil, tt.in, true)); got != want {
			t.Errorf("appendJSONChars(%q, encoding/json) = %s, want %s", tt.in, got, want)
		}
		var ref bytes.Buffer
		enc := json.NewEncoder(&ref)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(tt.in); err != nil {
			t.Fatal(err)
		}
		if got := `"` + want + "\"\n"; got != ref.String() {
			t.Errorf("encoding/json gives %q for %q, test expects %q", ref.String(), tt.in, got)
		}
	}
}

func TestAccessLogShortWriteCounts(t *testing.T) {
	a := NewAccessLog(shortWriter{})
	a.WriteOutcome(sampleOutcome())
	if a.Errors() != 1 {
		t.Errorf("Errors() = %d after a short write, want 1", a.Errors())
	}
}

// shortWriter breaks the io.Writer contract: it reports a short write
// without an error.
type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }
