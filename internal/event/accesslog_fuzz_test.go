package event

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// FuzzAccessLogLine feeds arbitrary bytes to every client-influenced string
// of an access line. Each must give exactly one valid JSON line whose values
// decode back to the (truncated) inputs, invalid UTF-8 bytes each replaced
// by U+FFFD, and the bytes must be the ones the former slog encoder wrote.
func FuzzAccessLogLine(f *testing.F) {
	seeds := [][7]string{
		{"/invoices", "curl/8.5", "api.example.com:8443", "svc-billing", "req-9", "schema", "eth0"},
		{"/a\n{\"forged\":true}\r\n", "x\"}\n{\"level\":\"ERROR\"", "[::1]:80", "", "", "", ""},
		{"/\xff\xc3(\xe2\x80", "\u2028\u2029<script>&", "h\x00st", "\\u0000", "\b\f\t", "g\xe2\x80", "%\xff"},
		{"/" + strings.Repeat("é", 600), strings.Repeat("\x01", 600), strings.Repeat("h", 300), "😀", "id", "/", "a b"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], s[6])
	}
	f.Fuzz(func(t *testing.T, path, userAgent, host, subject, requestID, denial, zone string) {
		o := sampleOutcome()
		o.Path, o.UserAgent, o.Host, o.RequestID = path, userAgent, host, requestID
		o.Identity = &pipeline.Identity{Subject: subject}
		guard, rule, _ := strings.Cut(denial, "/")
		o.Denials = []pipeline.Denial{{Guard: guard, Rule: rule}}
		if zone != "" {
			o.Client = netip.MustParseAddr("fe80::1%" + zone)
		}

		var out, ref bytes.Buffer
		a := NewAccessLog(&out)
		a.WriteOutcome(o)
		if a.Errors() != 0 {
			t.Fatalf("Errors() = %d", a.Errors())
		}
		line := out.Bytes()
		if bytes.IndexByte(line, '\n') != len(line)-1 {
			t.Fatalf("want one line ending in a newline, got %q", line)
		}
		if !utf8.Valid(line) {
			t.Fatalf("line is not valid UTF-8: %q", line)
		}
		newSlogAccessLog(&ref).WriteOutcome(o)
		if !bytes.Equal(line, ref.Bytes()) {
			t.Fatalf("encoder and slog differ\n got: %q\nwant: %q", line, ref.Bytes())
		}

		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		if dec.More() {
			t.Fatalf("more than one JSON value in %q", line)
		}
		want := map[string]any{
			"url.path":        validUTF8(truncate(path, maxLoggedPath)),
			"http.request.id": validUTF8(requestID),
			"rampart.denials": []any{validUTF8(guard + "/" + rule)},
			"client.ip":       "198.51.100.4",
		}
		if zone != "" {
			want["client.ip"] = validUTF8("fe80::1%" + zone)
		}
		if userAgent != "" {
			want["user_agent.original"] = validUTF8(truncate(userAgent, maxLoggedUserAgent))
		}
		if h := hostOnly(host); h != "" {
			want["url.domain"] = validUTF8(truncate(h, maxLoggedHost))
		}
		if subject != "" {
			want["user.id"] = validUTF8(subject)
		}
		for k, w := range want {
			got, _ := json.Marshal(doc[k])
			wantJSON, _ := json.Marshal(w)
			if !bytes.Equal(got, wantJSON) {
				t.Errorf("%s = %s, want %s", k, got, wantJSON)
			}
		}
		// Those checked above plus the 14 no input here can change:
		// @timestamp, log.level, message, ecs.version, event.dataset,
		// event.duration, rampart.upstream_duration, rampart.verdict,
		// http.request.method, http.response.status_code,
		// http.{request,response}.body.bytes and rampart.route.{api,name}.
		if wantLen := 14 + len(want); len(doc) != wantLen {
			t.Errorf("line has %d fields, want %d: %s", len(doc), wantLen, line)
		}
	})
}

// validUTF8 replaces each byte of s that is not part of a valid UTF-8
// sequence with U+FFFD, as JSON encoders do (strings.ToValidUTF8 would
// replace a whole run with one).
func validUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
