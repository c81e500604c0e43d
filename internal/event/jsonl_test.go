package event

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

func sampleEvent() *pipeline.Event {
	return &pipeline.Event{
		Time:      time.Date(2025, 3, 4, 5, 6, 7, 800, time.FixedZone("CET", 3600)),
		RequestID: "req-1",
		Kind:      "denial",
		Severity:  pipeline.SeverityHigh,
		Category:  "API1:2023",
		Guard:     "authz",
		Rule:      "ownership",
		Client:    netip.MustParseAddr("2001:db8::7"),
		Subject:   "alice",
		Route:     pipeline.Route{API: "shop", Route: "get-order"},
		Method:    "GET",
		Path:      "/orders/42",
		Message:   "Access denied.",
		Evidence:  map[string]string{"owner": "bob", "param": "id"},
	}
}

// field walks a decoded JSON object along a dotted path of nested keys.
func field(t *testing.T, doc map[string]any, path string) any {
	t.Helper()
	var cur any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object", path, cur)
		}
		if cur, ok = m[k]; !ok {
			t.Fatalf("%s: key %q missing in %v", path, k, m)
		}
	}
	return cur
}

func decodeLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var docs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var doc map[string]any
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		docs = append(docs, doc)
	}
	return docs
}

func TestJSONLFields(t *testing.T) {
	var out bytes.Buffer
	s := NewJSONL(&out)
	s.WriteEvent(sampleEvent())
	docs := decodeLines(t, out.Bytes())
	if len(docs) != 1 {
		t.Fatalf("got %d lines, want 1", len(docs))
	}
	doc := docs[0]
	want := map[string]any{
		"@timestamp":             "2025-03-04T04:06:07.0000008Z",
		"message":                "Access denied.",
		"ecs.version":            ecsVersion,
		"event.kind":             "alert",
		"event.action":           "denial",
		"event.category":         []any{"intrusion_detection", "web"},
		"event.type":             []any{"denied"},
		"event.severity":         float64(73),
		"event.risk_score":       float64(73),
		"event.dataset":          "rampart.events",
		"rule.id":                "ownership",
		"rule.name":              "ownership",
		"rule.ruleset":           "authz",
		"threat.framework":       owaspAPIFramework,
		"threat.technique.id":    []any{"API1:2023"},
		"threat.technique.name":  []any{"Broken Object Level Authorization"},
		"client.ip":              "2001:db8::7",
		"user.id":                "alice",
		"http.request.id":        "req-1",
		"http.request.method":    "GET",
		"url.path":               "/orders/42",
		"observer.product":       "rampart",
		"rampart.severity":       "high",
		"rampart.guard":          "authz",
		"rampart.monitor":        false,
		"rampart.route.api":      "shop",
		"rampart.route.name":     "get-order",
		"rampart.evidence.owner": "bob",
		"rampart.evidence.param": "id",
	}
	for path, w := range want {
		got, _ := json.Marshal(field(t, doc, path))
		wantJSON, _ := json.Marshal(w)
		if !bytes.Equal(got, wantJSON) {
			t.Errorf("%s = %s, want %s", path, got, wantJSON)
		}
	}
}

func TestJSONLClassification(t *testing.T) {
	tests := []struct {
		name      string
		event     pipeline.Event
		wantKind  string
		wantType  string
		wantScore float64
		wantSev   string
	}{
		{"monitored denial is allowed", pipeline.Event{Kind: "denial", Monitor: true, Severity: pipeline.SeverityLow}, "alert", "allowed", 21, "low"},
		{"panic", pipeline.Event{Kind: "panic", Severity: pipeline.SeverityHigh}, "event", "error", 73, "high"},
		{"reload", pipeline.Event{Kind: "config.reload", Severity: pipeline.SeverityInfo}, "event", "change", 1, "info"},
		{"ban", pipeline.Event{Kind: "ban", Severity: pipeline.SeverityCritical}, "alert", "denied", 99, "critical"},
		{"empty severity is medium", pipeline.Event{Kind: "recon"}, "alert", "info", 47, "medium"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			NewJSONL(&out).WriteEvent(&tt.event)
			doc := decodeLines(t, out.Bytes())[0]
			if got := field(t, doc, "event.kind"); got != tt.wantKind {
				t.Errorf("event.kind = %v, want %v", got, tt.wantKind)
			}
			if got := field(t, doc, "event.type").([]any)[0]; got != tt.wantType {
				t.Errorf("event.type[0] = %v, want %v", got, tt.wantType)
			}
			if got := field(t, doc, "event.severity"); got != tt.wantScore {
				t.Errorf("event.severity = %v, want %v", got, tt.wantScore)
			}
			if got := field(t, doc, "rampart.severity"); got != tt.wantSev {
				t.Errorf("rampart.severity = %v, want %v", got, tt.wantSev)
			}
		})
	}
}

func TestJSONLOmitsEmptyGroups(t *testing.T) {
	var out bytes.Buffer
	s := NewJSONL(&out)
	s.now = func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
	s.WriteEvent(&pipeline.Event{Kind: "config.reload", Severity: pipeline.SeverityInfo})
	doc := decodeLines(t, out.Bytes())[0]
	for _, k := range []string{"rule", "threat", "client", "user", "http", "url", "message"} {
		if _, ok := doc[k]; ok {
			t.Errorf("%q present, want it omitted: %v", k, doc[k])
		}
	}
	if got := field(t, doc, "@timestamp"); got != "2025-01-01T00:00:00Z" {
		t.Errorf("@timestamp = %v, want the sink clock for a zero event time", got)
	}
}

func TestJSONLConcurrentWritersProduceWholeLines(t *testing.T) {
	var out bytes.Buffer
	s := NewJSONL(&out)
	const workers, each = 8, 100
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			e := sampleEvent()
			e.Message = strings.Repeat("x", 3000) // larger than one pipe/page write
			for range each {
				s.WriteEvent(e)
			}
		})
	}
	wg.Wait()
	if got := len(decodeLines(t, out.Bytes())); got != workers*each {
		t.Errorf("got %d lines, want %d", got, workers*each)
	}
	if s.Errors() != 0 {
		t.Errorf("Errors() = %d, want 0", s.Errors())
	}
}

type failingWriter struct{ short bool }

func (w failingWriter) Write(p []byte) (int, error) {
	if w.short {
		return len(p) / 2, nil // a short write without an error is still a lost line
	}
	return 0, errors.New("disk full")
}

func TestJSONLCountsWriteErrors(t *testing.T) {
	for _, short := range []bool{false, true} {
		s := NewJSONL(failingWriter{short: short})
		s.WriteEvent(sampleEvent())
		s.WriteEvent(sampleEvent())
		if got := s.Errors(); got != 2 {
			t.Errorf("short=%v: Errors() = %d, want 2", short, got)
		}
	}
}

func TestOpenJSONL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")

	first, err := OpenJSONL(path)
	if err != nil {
		t.Fatalf("OpenJSONL: %v", err)
	}
	first.WriteEvent(sampleEvent())
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	first.WriteEvent(sampleEvent()) // after Close: counted, not written
	if first.Errors() != 1 {
		t.Errorf("write after Close: Errors() = %d, want 1", first.Errors())
	}

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != jsonlFileMode {
		t.Errorf("mode = %o, want %o", perm, jsonlFileMode)
	}

	// A second open appends rather than truncating.
	second, err := OpenJSONL(path)
	if err != nil {
		t.Fatalf("OpenJSONL again: %v", err)
	}
	second.WriteEvent(sampleEvent())

	// Rotation: the file is moved away, Reopen starts a new one.
	rotated := filepath.Join(dir, "events.jsonl.1")
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := second.Reopen(); err != nil {
		t.Fatalf("Reopen: %v", err)
	}
	second.WriteEvent(sampleEvent())
	if err := second.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for file, want := range map[string]int{rotated: 2, path: 1} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(decodeLines(t, b)); got != want {
			t.Errorf("%s: %d lines, want %d", filepath.Base(file), got, want)
		}
	}
}

func TestOpenJSONLErrors(t *testing.T) {
	if _, err := OpenJSONL(""); err == nil {
		t.Error("empty path: want error")
	}
	if _, err := OpenJSONL(filepath.Join(t.TempDir(), "missing", "events.jsonl")); err == nil {
		t.Error("missing directory: want error")
	}
	for _, p := range []string{"-", "stdout"} {
		s, err := OpenJSONL(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if s.w != os.Stdout {
			t.Errorf("%s: writer is not stdout", p)
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: Close: %v", p, err)
		}
	}
}

// FuzzJSONLEvent checks that whatever a client manages to put into an event
// (a path, a message, evidence) stays one valid JSON line with the same text.
func FuzzJSONLEvent(f *testing.F) {
	f.Add("/a\nb", "line1\r\n{\"forged\":true}", "k\"ey", "v\\al\u2028ue")
	f.Add("\x00\x1f\x7f", "<script>&amp;", "", "\xff\xfe")
	f.Add("", "", "\u0085", "😀")
	f.Fuzz(func(t *testing.T, path, message, key, value string) {
		var out bytes.Buffer
		s := NewJSONL(&out)
		e := sampleEvent()
		e.Path, e.Message, e.Evidence = path, message, map[string]string{key: value}
		s.WriteEvent(e)
		if s.Errors() != 0 {
			t.Fatalf("Errors() = %d", s.Errors())
		}
		b := out.Bytes()
		if bytes.Count(b, []byte("\n")) != 1 || b[len(b)-1] != '\n' {
			t.Fatalf("not exactly one line: %q", b)
		}
		var doc ecsDocument
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("invalid JSON %q: %v", b, err)
		}
		// Valid UTF-8 survives exactly; invalid bytes become U+FFFD.
		if valid(path) && doc.URL.Path != path {
			t.Errorf("path = %q, want %q", doc.URL.Path, path)
		}
		if valid(message) && doc.Message != message {
			t.Errorf("message = %q, want %q", doc.Message, message)
		}
		if valid(key) && valid(value) && doc.Rampart.Evidence[key] != value {
			t.Errorf("evidence = %q, want %q: %q", doc.Rampart.Evidence, key, value)
		}
	})
}

func valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

func BenchmarkJSONLWriteEvent(b *testing.B) {
	s := NewJSONL(discard{})
	e := sampleEvent()
	b.ReportAllocs()
	for b.Loop() {
		s.WriteEvent(e)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
