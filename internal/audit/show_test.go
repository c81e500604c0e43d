package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// showLog writes a small investigation scenario with an injected clock.
func showLog(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg := testConfig(dir)
	cfg.Now = clock.Now
	l := openTest(t, cfg, Options{})
	ctx := context.Background()
	ok := sampleOutcome(1)
	if _, err := l.RecordOutcome(ctx, ok); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	denied := sampleOutcome(2)
	denied.Client = netip.MustParseAddr("203.0.113.9")
	denied.Identity.Subject = "mallory"
	denied.Verdict, denied.Status = pipeline.VerdictDenied, 403
	denied.Path = "/admin/\x1b[2J\x1b]0;pwned\a"
	denied.Denials = []pipeline.Denial{{Guard: "authz", Rule: "admin-only", Code: "forbidden", Status: 403}}
	if _, err := l.RecordOutcome(ctx, denied); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RecordEvent(ctx, &pipeline.Event{Kind: "denial", Guard: "authz", Rule: "admin-only", Client: denied.Client, Subject: "mallory"}); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	if _, err := l.RecordAdmin(ctx, "ban", map[string]string{"client": "203.0.113.9", "actor": "ops"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestShowFilters(t *testing.T) {
	dir := showLog(t)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		filter Filter
		want   int
	}{
		{"everything", Filter{}, 0}, // checked separately
		{"client ip", Filter{Client: "203.0.113.9"}, 3},
		{"client prefix", Filter{Client: "203.0.113.0/24", Kind: "outcome"}, 1},
		{"subject", Filter{Subject: "mallory"}, 2},
		{"verdict", Filter{Verdict: "denied"}, 1},
		{"rule", Filter{Rule: "admin-only"}, 2},
		{"guard/rule", Filter{Rule: "authz/admin-only", Kind: "event"}, 1},
		{"time range", Filter{Since: base.Add(30 * time.Minute), Until: base.Add(90 * time.Minute)}, 2},
		{"admin actor", Filter{Kind: "admin", Subject: "ops"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			sum, err := RunShow(&out, dir, tt.filter, FormatJSON)
			if err != nil {
				t.Fatal(err)
			}
			lines := 0
			sc := bufio.NewScanner(&out)
			for sc.Scan() {
				if !json.Valid(sc.Bytes()) {
					t.Fatalf("output line is not JSON: %q", sc.Text())
				}
				lines++
			}
			if lines != sum.Matched {
				t.Fatalf("%d lines for %d matches", lines, sum.Matched)
			}
			if tt.want > 0 && sum.Matched != tt.want {
				t.Fatalf("matched %d, want %d", sum.Matched, tt.want)
			}
			if tt.want == 0 && sum.Matched != sum.Scanned {
				t.Fatalf("no filter matched %d of %d", sum.Matched, sum.Scanned)
			}
		})
	}
}

func TestShowTableEscapesTerminalControls(t *testing.T) {
	dir := showLog(t)
	var out bytes.Buffer
	if _, err := RunShow(&out, dir, Filter{Verdict: "denied"}, FormatTable); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.ContainsAny(s, "\x1b\a") {
		t.Fatalf("table output carries terminal control characters: %q", s)
	}
	for _, want := range []string{"SEQ", "mallory", "denied", "403", `/admin/\u001b[2J`, "authz/admin-only", "1 of "} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
}

func TestShowBadInput(t *testing.T) {
	dir := showLog(t)
	if _, err := RunShow(&bytes.Buffer{}, dir, Filter{Client: "not-an-ip"}, FormatTable); err == nil {
		t.Error("a bad client filter was accepted")
	}
	if _, err := RunShow(&bytes.Buffer{}, dir, Filter{}, "xml"); err == nil {
		t.Error("an unknown format was accepted")
	}
	if _, err := RunShow(&bytes.Buffer{}, dir+"/missing", Filter{}, FormatTable); err == nil {
		t.Error("a missing directory was accepted")
	}
	seg := segmentFiles(t, dir)[0]
	f, _ := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("garbage\n")
	f.Close()
	var out bytes.Buffer
	sum, err := RunShow(&out, dir, Filter{}, FormatTable)
	if err != nil || sum.Skipped != 1 || !strings.Contains(out.String(), "run rampart audit verify") {
		t.Fatalf("corrupt line: %+v %v\n%s", sum, err, out.String())
	}
}
