package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func sampleOutcome() *pipeline.Outcome {
	return &pipeline.Outcome{
		RequestID: "req-9",
		Time:      time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC),
		Client:    netip.MustParseAddr("198.51.100.4"),
		Identity:  &pipeline.Identity{Subject: "svc-billing", KeyID: "k1"},
		Route:     pipeline.Route{API: "billing", Route: "create-invoice"},
		Method:    "POST",
		Host:      "api.example.com:8443",
		Path:      "/invoices",
		UserAgent: "curl/8.5",
		Status:    201,
		Verdict:   pipeline.VerdictFlagged,
		Denials:   []pipeline.Denial{{Guard: "schema", Rule: "unknown_field"}},
		Latency:   12 * time.Millisecond,
		Upstream:  10 * time.Millisecond,
		BytesIn:   123,
		BytesOut:  456,
	}
}

// decodeFlat decodes one access line; its keys are flat dotted ECS names.
func decodeFlat(t *testing.T, b []byte) map[string]any {
	t.Helper()
	if bytes.Count(b, []byte("\n")) != 1 {
		t.Fatalf("want exactly one line, got %q", b)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("line %q is not JSON: %v", b, err)
	}
	return doc
}

func TestAccessLogFields(t *testing.T) {
	var out bytes.Buffer
	NewAccessLog(&out).WriteOutcome(sampleOutcome())
	doc := decodeFlat(t, out.Bytes())
	want := map[string]any{
		"@timestamp":                "2025-05-06T07:08:09Z",
		"log.level":                 "INFO",
		"message":                   "request",
		"ecs.version":               ecsVersion,
		"event.dataset":             "rampart.access",
		"event.duration":            float64(12 * time.Millisecond),
		"rampart.upstream_duration": float64(10 * time.Millisecond),
		"rampart.verdict":           "flagged",
		"http.request.id":           "req-9",
		"http.request.method":       "POST",
		"url.domain":                "api.example.com",
		"url.path":                  "/invoices",
		"http.response.status_code": float64(201),
		"http.request.body.bytes":   float64(123),
		"http.response.body.bytes":  float64(456),
		"client.ip":                 "198.51.100.4",
		"user.id":                   "svc-billing",
		"user_agent.original":       "curl/8.5",
		"rampart.route.api":         "billing",
		"rampart.route.name":        "create-invoice",
		"rampart.denials":           []any{"schema/unknown_field"},
	}
	for k, w := range want {
		got, _ := json.Marshal(doc[k])
		wantJSON, _ := json.Marshal(w)
		if !bytes.Equal(got, wantJSON) {
			t.Errorf("%s = %s, want %s", k, got, wantJSON)
		}
	}
	if len(doc) != len(want) {
		t.Errorf("line has %d fields, want %d: %v", len(doc), len(want), doc)
	}
}

func TestAccessLogOmitsEmptyOptionalFields(t *testing.T) {
	var out bytes.Buffer
	NewAccessLog(&out).WriteOutcome(&pipeline.Outcome{
		Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Method: "GET", Path: "/", Status: 200,
		Verdict: pipeline.VerdictAllowed,
	})
	doc := decodeFlat(t, out.Bytes())
	for _, k := range []string{"client.ip", "user.id", "user_agent.original", "url.domain",
		"rampart.route.api", "rampart.route.name", "rampart.denials"} {
		if v, ok := doc[k]; ok {
			t.Errorf("%s = %v, want it omitted", k, v)
		}
	}
}

// TestAccessLogNeverLogsSecrets sends credentials every usual way through a
// real Chain and checks none of them reaches the access log.
func TestAccessLogNeverLogsSecrets(t *testing.T) {
	var out bytes.Buffer
	chain, err := pipeline.NewChain(pipeline.Options{
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Set-Cookie", "session=SECRET-SET-COOKIE")
			_, _ = w.Write([]byte(`{"token":"SECRET-BODY"}`))
		}),
		Outcomes: []pipeline.OutcomeSink{NewAccessLog(&out)},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(chain)
	defer srv.Close()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/login?api_key=SECRET-QUERY&sig=SECRET-SIG",
		strings.NewReader(`{"password":"SECRET-PASSWORD"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer SECRET-BEARER")
	req.Header.Set("Cookie", "session=SECRET-COOKIE")
	req.Header.Set("X-API-Key", "SECRET-APIKEY")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	srv.Close() // the Outcome is emitted after the response; Close waits for the handler

	line := out.String()
	if strings.Contains(line, "SECRET") {
		t.Fatalf("access log leaks a secret: %s", line)
	}
	doc := decodeFlat(t, out.Bytes())
	if doc["url.path"] != "/login" || doc["http.request.body.bytes"] != float64(30) {
		t.Errorf("unexpected line: %s", line)
	}
}

func TestAccessLogBoundsClientStrings(t *testing.T) {
	var out bytes.Buffer
	o := sampleOutcome()
	o.Path = "/" + strings.Repeat("é", 2000) // 2-byte runes: truncation must not split one
	o.UserAgent = strings.Repeat("u", 5000)
	o.Host = strings.Repeat("h", 5000)
	NewAccessLog(&out).WriteOutcome(o)
	doc := decodeFlat(t, out.Bytes())
	path := doc["url.path"].(string)
	if len(path) > maxLoggedPath || strings.ContainsRune(path, '\uFFFD') {
		t.Errorf("url.path: %d bytes, replacement char %v", len(path), strings.ContainsRune(path, '\uFFFD'))
	}
	if got := len(doc["user_agent.original"].(string)); got != maxLoggedUserAgent {
		t.Errorf("user_agent.original: %d bytes, want %d", got, maxLoggedUserAgent)
	}
	if got := len(doc["url.domain"].(string)); got != maxLoggedHost {
		t.Errorf("url.domain: %d bytes, want %d", got, maxLoggedHost)
	}
}

func TestAccessLogInjectionStaysOneLine(t *testing.T) {
	var out bytes.Buffer
	o := sampleOutcome()
	o.Path = "/a\n{\"forged\":true}\r\n"
	o.UserAgent = "x\"}\n{\"level\":\"ERROR\""
	NewAccessLog(&out).WriteOutcome(o)
	doc := decodeFlat(t, out.Bytes())
	if doc["url.path"] != o.Path || doc["user_agent.original"] != o.UserAgent {
		t.Errorf("values not preserved: %v", doc)
	}
}

func TestAccessLogConcurrentAndErrors(t *testing.T) {
	var out lockedBuffer
	a := NewAccessLog(&out)
	const workers, each = 8, 100
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			o := sampleOutcome()
			for range each {
				a.WriteOutcome(o)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != workers*each {
		t.Fatalf("got %d lines, want %d", len(lines), workers*each)
	}
	for _, l := range lines {
		decodeFlat(t, []byte(l+"\n"))
	}

	failing := NewAccessLog(errWriter{})
	failing.WriteOutcome(sampleOutcome())
	if failing.Errors() != 1 {
		t.Errorf("Errors() = %d, want 1", failing.Errors())
	}
}

func TestHostOnly(t *testing.T) {
	tests := []struct{ in, want string }{
		{"api.example.com", "api.example.com"},
		{"api.example.com:8443", "api.example.com"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"2001:db8::1", "2001:db8::1"},
		{"[broken", "[broken"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := hostOnly(tt.in); got != tt.want {
			t.Errorf("hostOnly(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// lockedBuffer lets the test read what concurrent writers produced; the
// AccessLog serialises its own writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func BenchmarkAccessLog(b *testing.B) {
	a := NewAccessLog(discard{})
	o := sampleOutcome()
	o.Denials = nil
	b.ReportAllocs()
	for b.Loop() {
		a.WriteOutcome(o)
	}
}
