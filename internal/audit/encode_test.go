package audit

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func deniedOutcome() *pipeline.Outcome {
	return &pipeline.Outcome{
		RequestID: "MOG2TMDT0EOFL7VC-1", Time: time.Date(2026, 11, 28, 14, 3, 4, 123456789, time.UTC),
		Client: netip.MustParseAddr("2001:db8::7"), Method: "POST", Host: "api.example.com",
		Path: "/api/orders?token=secret", UserAgent: "curl/8.5.0", Status: 403, Verdict: pipeline.VerdictDenied,
		Route: pipeline.Route{API: "shop", Route: "orders"}, Identity: &pipeline.Identity{Subject: "alice", Method: "jwt"},
		Denials: []pipeline.Denial{{Guard: "injection", Rule: "sqli", Code: "injection_detected", Status: 403}},
		Latency: 1234567 * time.Nanosecond, Upstream: 0, BytesIn: 1536, BytesOut: 230,
	}
}

// The hand-written encoder writes what encoding/json writes.
func TestEncodeOutcomeMatchesEncodingJSON(t *testing.T) {
	cases := map[string]*pipeline.Outcome{
		"full":                    deniedOutcome(),
		"empty":                   {},
		"identity without fields": {Identity: &pipeline.Identity{}, Denials: []pipeline.Denial{{}}},
		"escapes": {Path: "/a\"b\\c<d>&e\u2028\x01", UserAgent: "caf\xe9 \xff", Method: strings.Repeat("é", 300),
			Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600))},
		"far future":   {Time: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"many denials": {Denials: make([]pipeline.Denial, 40)},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			want := marshalData(newOutcomeData(o))
			if got := encodeOutcome(o); !bytes.Equal(got, want) {
				t.Errorf("encodeOutcome:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func FuzzEncodeOutcome(f *testing.F) {
	f.Add("id", "GET", "h", "/p", "ua", "api", "route", "alice", "rule", int64(5), 200)
	f.Add("\x00", "<", "&", "\"\\", "\xff\xfe", "\u2028", "é", "", "", int64(-1), -3)
	f.Fuzz(func(t *testing.T, id, method, host, path, ua, api, route, subject, rule string, n int64, status int) {
		o := &pipeline.Outcome{RequestID: id, Method: method, Host: host, Path: path, UserAgent: ua,
			Route: pipeline.Route{API: api, Route: route}, Status: status, Verdict: pipeline.Verdict(rule),
			Time: time.Unix(n, n).UTC(), Latency: time.Duration(n), BytesIn: n, BytesOut: -n}
		if subject != "" {
			o.Identity = &pipeline.Identity{Subject: subject, Tenant: rule}
			o.Denials = []pipeline.Denial{{Rule: rule, Guard: subject, Status: status}}
		}
		want := marshalData(newOutcomeData(o))
		if got := encodeOutcome(o); !bytes.Equal(got, want) {
			t.Fatalf("encodeOutcome:\n got %s\nwant %s", got, want)
		}
	})
}

// BenchmarkEncodeOutcome compares the record data encoders on a denied
// request's Outcome.
func BenchmarkEncodeOutcome(b *testing.B) {
	o := deniedOutcome()
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			encodeOutcome(o)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			marshalData(newOutcomeData(o))
		}
	})
}
