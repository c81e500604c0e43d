package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/checks/checktest"
	"github.com/rampartsec/rampart/internal/attack/core"
)

func TestChecksAgainstVulnerableSampleAPI(t *testing.T) {
	tg := startSample(t, false)
	s := sampleScan(t, tg, nil)
	checktest.Run(t, s, Checks()...)

	want := []struct {
		check, endpoint, owasp string
		cwe                    int
	}{
		{"authz.bola", "GET /api/items/{id}", core.API1BOLA, 639},
		{"authz.bola", "GET /api/orders/{id}", core.API1BOLA, 639},
		{"authz.bola", "PUT /api/items/{id}", core.API1BOLA, 639},
		{"authz.bfla", "GET /api/admin/users", core.API5BFLA, 285},
		{"authz.mass_assignment", "PATCH /api/users/me", core.API3Property, 915},
	}
	for _, w := range want {
		got, ok := findingsAt(checktest.Findings(s, w.check))[w.endpoint]
		if !ok {
			t.Errorf("%s found nothing at %s; findings:%s\nledger: %+v", w.check, w.endpoint, checktest.Describe(s.Findings()), s.Ledger())
			continue
		}
		checktest.Complete(t, got)
		for _, p := range []string{"user1", "user2", "admin"} {
			checktest.NoSecret(t, got, token(t, s, p))
		}
		if got.OWASP != w.owasp || got.CWE != w.cwe {
			t.Errorf("%s %s: OWASP %s CWE-%d, want %s CWE-%d", w.check, w.endpoint, got.OWASP, got.CWE, w.owasp, w.cwe)
		}
		if got.Confidence != core.Confirmed {
			t.Errorf("%s %s: confidence %s (%s), want confirmed", w.check, w.endpoint, got.Confidence, got.ConfidenceReason)
		}
		if len(got.Evidence) < 3 {
			t.Errorf("%s %s: %d exchanges of evidence, want the probe, its proof and a control", w.check, w.endpoint, len(got.Evidence))
		}
	}
	if n := len(s.Findings()); n != len(want) {
		t.Errorf("%d findings, want %d:%s", n, len(want), checktest.Describe(s.Findings()))
	}

	// The BOLA read finding proves both directions with a refused control.
	bola := findingsAt(checktest.Findings(s, "authz.bola"))["GET /api/items/{id}"]
	if bola.Evidence[2].Response == nil || bola.Evidence[2].Response.Status != http.StatusNotFound {
		t.Errorf("third exchange should be the 404 control: %+v", bola.Evidence[2])
	}
	if !strings.Contains(bola.Curl, "$RAMPART_TOKEN_USER") {
		t.Errorf("curl %q does not use a token variable", bola.Curl)
	}
	// Mass assignment: role and is_admin persisted and were put back.
	mass := findingsAt(checktest.Findings(s, "authz.mass_assignment"))["PATCH /api/users/me"]
	if !strings.Contains(mass.Description, "is_admin, role") || !strings.Contains(mass.Description, "written back") {
		t.Errorf("mass assignment description = %q", mass.Description)
	}
	me := meOf(t, tg, token(t, s, "user1"))
	if me["role"] != "user" || me["is_admin"] != false {
		t.Errorf("user1 after the scan = %v, want the role reverted to user", me)
	}
	// The BOLA write was reverted: the created item carries the owner's name again.
	write := findingsAt(checktest.Findings(s, "authz.bola"))["PUT /api/items/{id}"]
	last := write.Evidence[len(write.Evidence)-1]
	if !strings.Contains(last.Note, "revert") || last.Response == nil || last.Response.Status != http.StatusOK {
		t.Errorf("last write evidence should be the owner's revert: %+v", last)
	}
}

func TestChecksAgainstHardenedSampleAPI(t *testing.T) {
	tg := startSample(t, true)
	s := sampleScan(t, tg, nil)
	checktest.Run(t, s, Checks()...)
	if fs := s.Findings(); len(fs) != 0 {
		t.Fatalf("hardened sample API: %d findings, want none:%s", len(fs), checktest.Describe(fs))
	}
	tested := map[string]bool{}
	for _, c := range s.Ledger() {
		if c.Status == core.Tested {
			tested[c.Check+" "+c.Endpoint] = true
		}
	}
	for _, k := range []string{
		"authz.bola GET /api/items/{id}", "authz.bola GET /api/orders/{id}", "authz.bola PUT /api/items/{id}",
		"authz.bfla GET /api/admin/users", "authz.mass_assignment PATCH /api/users/me", "authz.mass_assignment POST /api/items",
	} {
		if !tested[k] {
			t.Errorf("%s not recorded as tested; ledger: %+v", k, s.Ledger())
		}
	}
}

// state is everything of the sample API's seeded data a scan could touch.
func state(t *testing.T, tg *target, adminTok string) string {
	t.Helper()
	var b strings.Builder
	for id := 1; id <= 8; id++ {
		b.WriteString(get(t, tg, "/api/items/"+strconv.Itoa(id), adminTok) + "\n")
	}
	b.WriteString(get(t, tg, "/api/admin/users", adminTok))
	return b.String()
}

func get(t *testing.T, tg *target, path, tok string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, tg.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

func meOf(t *testing.T, tg *target, tok string) map[string]any {
	t.Helper()
	raw := get(t, tg, "/api/users/me", tok)
	var m map[string]any
	if err := json.Unmarshal([]byte(raw[strings.IndexByte(raw, ' ')+1:]), &m); err != nil {
		t.Fatalf("GET /api/users/me: %s", raw)
	}
	return m
}

// TestSafeModeTouchesOnlyCreatedObjects: with --safe, every write the
// checks send goes to an object the scan created, and the seeded data and
// every account are exactly as before.
func TestSafeModeTouchesOnlyCreatedObjects(t *testing.T) {
	tg := startSample(t, false)
	s := sampleScan(t, tg, func(c *core.Config) { c.Safe = true })
	adminTok := token(t, s, "admin")
	before := state(t, tg, adminTok)
	tg.requests()

	checktest.Run(t, s, Checks()...)

	for _, r := range tg.requests() {
		method, uri, _ := strings.Cut(r, " ")
		if method == http.MethodGet || method == http.MethodHead {
			continue
		}
		if method == http.MethodPost && uri == "/api/items" {
			continue // creating is allowed: the scan owns what it creates
		}
		id, isItem := strings.CutPrefix(uri, "/api/items/")
		n, _ := strconv.Atoi(id)
		if !isItem || n <= 8 || !s.Created(uri) {
			t.Errorf("--safe scan sent %s to an object it did not create", r)
		}
	}
	if after := state(t, tg, adminTok); after != before {
		t.Errorf("seeded data changed under --safe:\nbefore %s\nafter  %s", before, after)
	}
	got := findingsAt(checktest.Findings(s, "authz.bola"))
	for _, ep := range []string{"GET /api/items/{id}", "GET /api/orders/{id}", "PUT /api/items/{id}"} {
		if _, ok := got[ep]; !ok {
			t.Errorf("--safe scan missed the BOLA at %s (reads and writes to its own objects are allowed)", ep)
		}
	}
	if len(checktest.Findings(s, "authz.mass_assignment")) != 0 {
		t.Error("--safe scan wrote the caller's own profile")
	}
	var row core.Coverage
	for _, c := range s.Ledger() {
		if c.Check == "authz.mass_assignment" && c.Endpoint == "PATCH /api/users/me" {
			row = c
		}
	}
	if row.Status != core.Skipped || !strings.Contains(row.Reason, "--safe") {
		t.Errorf("mass assignment on PATCH /api/users/me: %+v, want skipped because of --safe", row)
	}
}

func TestBudgetIsRespected(t *testing.T) {
	for _, budget := range []int{1, 7, 25} {
		t.Run(strconv.Itoa(budget), func(t *testing.T) {
			tg := startSample(t, false)
			s := sampleScan(t, tg, func(c *core.Config) { c.MaxRequests = budget })
			var stopped error
			for _, c := range Checks() {
				if err := c.Run(context.Background(), s); err != nil && errors.Is(err, core.ErrBudget) {
					stopped = err
				}
			}
			if got := len(tg.requests()); got > budget {
				t.Errorf("the target saw %d requests, budget %d", got, budget)
			}
			if stopped == nil {
				t.Error("no check reported running out of budget")
			}
			notReached := slices.ContainsFunc(s.Ledger(), func(c core.Coverage) bool { return c.Status == core.NotReached })
			if !notReached {
				t.Errorf("no coverage row says not reached: %+v", s.Ledger())
			}
		})
	}
}

func TestChecksSkipWithoutProfiles(t *testing.T) {
	tg := startSample(t, false)
	s := checktest.Scan(t, core.Config{Target: tg.srv.URL, Operations: sampleOps(t)})
	for _, c := range Checks() {
		err := c.Run(context.Background(), s)
		if _, skip := core.IsSkip(err); !skip {
			t.Errorf("%s without profiles: %v, want a skip", c.ID(), err)
		}
	}
	if n := len(tg.requests()); n != 0 {
		t.Errorf("%d requests sent without profiles", n)
	}
}

// TestBOLAControlRefutes: an API that answers every id with the same
// public object (a catalogue) must not be reported, even though the second
// user sees what the first sees: the non-existent id answers 200 too.
func TestBOLAControlRefutes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things", func(w http.ResponseWriter, r *http.Request) {
		// Each user lists "its" things, so ownership looks plausible.
		id := map[string]int{"Bearer one": 1, "Bearer two": 2}[r.Header.Get("Authorization")]
		_, _ = fmt.Fprintf(w, `{"things":[{"id":%d}]}`, id)
	})
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"name":"catalogue entry","price":5}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ops := []core.Operation{
		{Method: "GET", Path: "/things"},
		{Method: "GET", Path: "/things/{id}", Params: []core.Param{{Name: "id", In: "path", Type: "integer", Example: 1}}},
	}
	s := checktest.Scan(t, core.Config{Target: srv.URL, Operations: ops,
		Profiles: []core.ProfileConfig{checktest.Bearer("user1", "one"), checktest.Bearer("user2", "two")}})
	checktest.Run(t, s, BOLACheck{})
	if fs := s.Findings(); len(fs) != 0 {
		t.Fatalf("findings on an id-blind catalogue:%s", checktest.Describe(fs))
	}
	row := s.Ledger()[0]
	if row.Status != core.Tested || !strings.Contains(row.Reason, "non-existent id answered 200") {
		t.Errorf("coverage = %+v, want tested with the failed control named", row)
	}
}

// TestBOLASharedObjectsAreNotReported: on a board where every user lists
// and reads every post, a post one user created is not "another user's
// object": it is in the other user's listing too.
func TestBOLASharedObjectsAreNotReported(t *testing.T) {
	var mu sync.Mutex
	posts := []string{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /posts", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var parts []string
		for i := range posts {
			parts = append(parts, fmt.Sprintf(`{"id":%d}`, i+1))
		}
		_, _ = fmt.Fprintf(w, `{"posts":[%s]}`, strings.Join(parts, ","))
	})
	mux.HandleFunc("POST /posts", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		posts = append(posts, "post")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"id":%d}`, len(posts))
	})
	mux.HandleFunc("GET /posts/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n, err := strconv.Atoi(r.PathValue("id"))
		if err != nil || n < 1 || n > len(posts) {
			http.NotFound(w, r)
			return
		}
		_, _ = fmt.Fprintf(w, `{"id":%d,"body":"a public post"}`, n)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	id := []core.Param{{Name: "id", In: "path", Type: "integer", Example: 1}}
	ops := []core.Operation{
		{Method: "GET", Path: "/posts"},
		{Method: "POST", Path: "/posts", Body: &core.Body{MediaType: "application/json", Example: map[string]any{"body": "hi"}}},
		{Method: "GET", Path: "/posts/{id}", Params: id},
	}
	s := checktest.Scan(t, core.Config{Target: srv.URL, Operations: ops,
		Profiles: []core.ProfileConfig{checktest.Bearer("user1", "one"), checktest.Bearer("user2", "two")}})
	checktest.Run(t, s, BOLACheck{})
	if fs := s.Findings(); len(fs) != 0 {
		t.Fatalf("findings on a shared board:%s", checktest.Describe(fs))
	}
	if row := s.Ledger()[0]; row.Status != core.Skipped || !strings.Contains(row.Reason, "no object of user1") {
		t.Errorf("coverage = %+v, want skipped: no object of user1", row)
	}
}
