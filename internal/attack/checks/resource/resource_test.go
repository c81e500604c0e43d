package resource

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
)

func TestChecksAgainstVulnerableSampleAPI(t *testing.T) {
	c := startSample(t, false)
	s := sampleScan(t, c, nil)
	checktest.Run(t, s, Checks()...)

	fs := s.Findings()
	got := map[string]core.Finding{}
	for _, f := range fs {
		checktest.Complete(t, f)
		got[f.Check+" "+f.Endpoint] = f
	}
	page, ok := got["resource.page_size GET /api/report"]
	if !ok {
		t.Fatalf("page_size missed GET /api/report n; findings:%s\nledger %+v", checktest.Describe(fs), s.Ledger())
	}
	if page.OWASP != core.API4Resources || page.CWE != 770 || page.Parameter != "query.n" || len(page.Evidence) != 3 {
		t.Errorf("page_size finding: %s CWE-%d %s, %d exchanges", page.OWASP, page.CWE, page.Parameter, len(page.Evidence))
	}
	if !strings.Contains(page.Evidence[0].Request.URL, "n=") || page.Evidence[0].Response.Status != http.StatusOK {
		t.Errorf("first probe: %s → %+v", page.Evidence[0].Request.URL, page.Evidence[0].Response)
	}
	ramp, ok := got["resource.concurrency GET /api/report"]
	if !ok {
		t.Errorf("the concurrency ramp found nothing on GET /api/report; ledger %+v", s.Ledger())
	} else if ramp.CWE != 400 || ramp.OWASP != core.API4Resources {
		t.Errorf("ramp finding: %s CWE-%d", ramp.OWASP, ramp.CWE)
	}
	// The sample API caps bodies at 1 MiB and Go's decoder at depth 10,000,
	// so neither body check may report it.
	for k := range got {
		if strings.HasPrefix(k, "resource.body_size") || strings.HasPrefix(k, "resource.json_depth") {
			t.Errorf("unexpected %s: %s", k, got[k].Description)
		}
	}
	if len(fs) != 2 {
		t.Errorf("%d findings, want 2:%s", len(fs), checktest.Describe(fs))
	}
}

func TestChecksAgainstHardenedSampleAPI(t *testing.T) {
	c := startSample(t, true)
	s := sampleScan(t, c, nil)
	checktest.Run(t, s, Checks()...)
	if fs := s.Findings(); len(fs) != 0 {
		t.Fatalf("hardened: %d findings:%s", len(fs), checktest.Describe(fs))
	}
	rows := map[string]core.Coverage{}
	for _, r := range s.Ledger() {
		rows[r.Check+" "+r.Endpoint] = r
	}
	if r := rows["resource.page_size GET /api/report"]; r.Status != core.Tested || !strings.Contains(r.Reason, "refused with 400") {
		t.Errorf("page_size on the hardened report: %+v", r)
	}
	for _, k := range []string{"resource.body_size POST /api/items", "resource.json_depth POST /api/items"} {
		if r := rows[k]; r.Status != core.Tested || !strings.Contains(r.Reason, "not vulnerable") {
			t.Errorf("%s: %+v", k, r)
		}
	}
}

// unbounded is an API with no body or depth limit: it validates bodies by
// walking their tokens (json.Decoder.Token keeps no depth limit), the way
// a streaming validator does, and stores nothing.
func unbounded() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
		dec := json.NewDecoder(r.Body)
		for {
			if _, err := dec.Token(); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
				return
			}
		}
		w.Header().Set("Location", "/notes/1")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":1}`)
	})
	// The same with the limits a server should have.
	mux.HandleFunc("POST /bounded/notes", func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		if err := dec.Decode(&v); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	return mux
}

func TestBodyChecksOnUnboundedAPI(t *testing.T) {
	c := checktest.Serve(t, unbounded())
	body := &core.Body{MediaType: "application/json", Example: map[string]any{"text": "hello"},
		Fields: []core.Param{{Name: "text", In: "body", Type: "string", Required: true}}}
	s := checktest.Scan(t, core.Config{Target: c.URL, Operations: []core.Operation{
		{Method: "POST", Path: "/notes", Body: body}, {Method: "POST", Path: "/bounded/notes", Body: body},
	}})
	checktest.Run(t, s, BodySizeCheck{}, JSONDepthCheck{})

	got := map[string]core.Finding{}
	for _, f := range s.Findings() {
		checktest.Complete(t, f)
		got[f.Check+" "+f.Endpoint] = f
	}
	size, ok := got["resource.body_size POST /notes"]
	if !ok {
		t.Fatalf("body_size missed POST /notes:%s", checktest.Describe(s.Findings()))
	}
	if len(size.Evidence[0].Request.Body) > 1024 || !strings.Contains(size.Evidence[0].Request.Body, "bytes of whitespace") {
		t.Errorf("evidence keeps a %d-byte body: %.80q", len(size.Evidence[0].Request.Body), size.Evidence[0].Request.Body)
	}
	if !strings.Contains(size.Curl, "head -c 10485760 /dev/zero") || !strings.HasSuffix(size.Curl, "--data-binary @-") {
		t.Errorf("curl = %s", size.Curl)
	}
	depth, ok := got["resource.json_depth POST /notes"]
	if !ok || depth.CWE != 770 || depth.Severity != core.SeverityLow {
		t.Errorf("json_depth on POST /notes: %+v", depth)
	}
	if len(got) != 2 {
		t.Errorf("findings:%s, want none for the bounded twin", checktest.Describe(s.Findings()))
	}
	if !s.Created("/notes/1") {
		t.Error("the object an accepted body created is not tracked")
	}
}

func TestDeepBodyIsValidJSON(t *testing.T) {
	for _, ex := range []string{`{}`, `{"a":"b"}`, `{"a":1,"b":[1,2]}`} {
		for _, objects := range []bool{false, true} {
			body, head, tail := deepBody([]byte(ex), 50, objects)
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				t.Errorf("deepBody(%s, objects=%v) = %.80s…: %v", ex, objects, body, err)
			}
			if !strings.HasPrefix(string(body), head) || !strings.HasSuffix(string(body), tail) {
				t.Errorf("head %q / tail %q do not frame %q", head, tail, body)
			}
		}
	}
}

func TestRampNeedsLoopbackOrOwnership(t *testing.T) {
	s := checktest.Scan(t, core.Config{Target: "http://192.0.2.10:8080"})
	s.Set(expensiveKey, expensive{op: core.Operation{Method: "GET", Path: "/x"}, path: "/x"})
	err := ConcurrencyCheck{}.Run(context.Background(), s)
	if why, ok := core.IsSkip(err); !ok || !strings.Contains(why, "loopback") {
		t.Errorf("Run on a remote target = %v, want a skip naming loopback", err)
	}
	if s.Sent() != 0 {
		t.Errorf("%d requests sent to a remote target", s.Sent())
	}
}

func TestBudgetIsRespected(t *testing.T) {
	checktest.CheckBudgets(t, []int{1, 5, 20}, Checks(), func(t *testing.T, budget int) (*checktest.Server, *core.Scan) {
		c := startSample(t, false)
		return c, sampleScan(t, c, func(cfg *core.Config) { cfg.MaxRequests = budget })
	})
}

// TestSafeModeOnlyReadsAndCreates: under --safe the checks send GET and
// POST only (a POST the server accepts creates an object the scan owns).
func TestSafeModeOnlyReadsAndCreates(t *testing.T) {
	c := startSample(t, false)
	s := sampleScan(t, c, func(cfg *core.Config) { cfg.Safe = true })
	checktest.Run(t, s, BodySizeCheck{Size: 2 << 20}, JSONDepthCheck{}, PageSizeCheck{})
	for _, r := range c.Requests() {
		if m, _, _ := strings.Cut(r, " "); m != http.MethodGet && m != http.MethodPost {
			t.Errorf("--safe scan sent %s", r)
		}
	}
}
