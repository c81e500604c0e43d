package gateway

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Secrets a client sends in the places credentials travel. None may reach
// the audit log (docs/audit.md, "What goes in, and what never does";
// CWE-532 insertion of sensitive information into a log file, CWE-598
// for the query string).
const (
	secretBearer   = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhdWRpdC1iZWFyZXIifQ.YXVkaXQtYmVhcmVyLXNpZw"
	secretCookie   = "cookie-secret-7Q2xZ9vK3mL8"
	secretAPIKey   = "apikey-secret-R4nT6yU1oP0a"
	secretPassword = "password-secret-hJ5kW2eS9dF4"
	secretQuery    = "query-secret-bN7cV3xM1zQ6"
)

// secretHeaders carries the credentials in an Authorization header, a
// Cookie and an X-API-Key.
func secretHeaders() http.Header {
	return http.Header{
		"Authorization": {"Bearer " + secretBearer},
		"Cookie":        {"session=" + secretCookie + "; theme=dark"},
		"X-Api-Key":     {secretAPIKey},
	}
}

// TestAuditRecordsGatewayActivity is an operator's day with the audit log
// on: allowed and denied requests (carrying credentials), a configuration
// reload, a ban through the admin API and a shutdown. The log then
// verifies with every key and with the off-box checkpoint copies the
// gateway wrote to its event log; it holds the outcomes with their
// verdicts, the denial event, the reload, the ban, the start and stop; and
// no credential the clients sent appears anywhere in its files.
func TestAuditRecordsGatewayActivity(t *testing.T) {
	up := echoUpstream(t, "up")
	keys := newAuditKeys(t)
	g := withAdminToken(t, gwConfig{rest: trustLoopback + keys.section(`  checkpoint_every: 4
  fsync: interval
  fsync_interval: 10ms
`) + fmt.Sprintf(`apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    routes:
      - name: tiny
        path: /api/tiny
        max_body_bytes: 64
`, up.URL)})

	// Allowed: credentials in the headers, the query string and a body.
	allowedGet, err := send(g.client, http.MethodGet, g.url("/api/items/7?token="+secretQuery), "", "", secretHeaders())
	if err != nil || allowedGet.status != http.StatusOK {
		t.Fatalf("allowed GET: %+v, %v", allowedGet, err)
	}
	login := fmt.Sprintf(`{"user":"alice","password":%q}`, secretPassword)
	allowedPost, err := send(g.client, http.MethodPost, g.url("/api/login"), "", login, secretHeaders())
	if err != nil || allowedPost.status != http.StatusOK {
		t.Fatalf("allowed POST: %+v, %v", allowedPost, err)
	}
	// Denied by the body cap, with the same credentials on board.
	tooBig := fmt.Sprintf(`{"user":"alice","password":%q,"padding":%q}`, secretPassword, strings.Repeat("x", 64))
	denied, err := send(g.client, http.MethodPost, g.url("/api/tiny?api_key="+secretQuery), "", tooBig, secretHeaders())
	if err != nil {
		t.Fatal(err)
	}
	wantReplyProblem(t, denied, http.StatusRequestEntityTooLarge, "body_too_large")

	if err := g.svc.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	const bannedClient = "192.0.2.50"
	g.ban(t, bannedClient, "1h")
	banned := g.from(t, http.MethodGet, "/api/items/8", bannedClient, "")
	wantReplyProblem(t, banned, http.StatusForbidden, "banned")

	if err := g.shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	// Checkpoints left the box: the event log holds them, each signed.
	offBox := g.offBoxCheckpoints(t)
	if len(offBox) == 0 {
		t.Fatalf("no audit.checkpoint in events.jsonl:\n%s", g.events(t))
	}
	if !strings.Contains(g.events(t), `"action":"audit.checkpoint"`) {
		t.Errorf("events.jsonl has no event of kind audit.checkpoint")
	}
	for _, cp := range offBox {
		if err := cp.Verify(keys.public); err != nil {
			t.Errorf("off-box checkpoint seq %d: %v", cp.Seq, err)
		}
	}

	rep := keys.verify(t, offBox)
	if !rep.CleanEnd || rep.Starts != 1 {
		t.Errorf("report: clean end %v, %d writer runs; want a clean end of 1 run", rep.CleanEnd, rep.Starts)
	}
	if rep.Checkpoints < 2 || rep.LastCheckpoint == nil {
		t.Fatalf("report: %d checkpoints verified; want several (checkpoint_every 4)", rep.Checkpoints)
	}
	if rep.ExternalCheckpoints != len(offBox) {
		t.Errorf("report: %d off-box checkpoints matched, want all %d", rep.ExternalCheckpoints, len(offBox))
	}
	// The final checkpoint (written at Close) left the box too, so nothing
	// in the log is protected by the HMAC alone.
	if last := offBox[len(offBox)-1]; last.Seq != rep.LastCheckpoint.Seq {
		t.Errorf("last off-box checkpoint is seq %d, the log's last is seq %d", last.Seq, rep.LastCheckpoint.Seq)
	}
	if rep.Unanchored != 0 {
		t.Errorf("report: %d unanchored records after a clean shutdown, want 0", rep.Unanchored)
	}

	recs := keys.records(t)
	for _, c := range []struct {
		name    string
		reply   reply
		status  int
		verdict string
		code    string
	}{
		{"allowed GET", allowedGet, 200, "allowed", ""},
		{"allowed POST", allowedPost, 200, "allowed", ""},
		{"body too large", denied, 413, "denied", "body_too_large"},
		{"banned", banned, 403, "denied", "banned"},
	} {
		o := outcomeOf(t, recs, c.reply.header.Get("X-Request-Id"))
		if o.Status != c.status || o.Verdict != c.verdict {
			t.Errorf("%s: outcome status %d verdict %q, want %d %q", c.name, o.Status, o.Verdict, c.status, c.verdict)
		}
		if c.code == "" && len(o.Denials) != 0 || c.code != "" && (len(o.Denials) != 1 || o.Denials[0].Code != c.code) {
			t.Errorf("%s: outcome denials %+v, want code %q", c.name, o.Denials, c.code)
		}
		if strings.Contains(o.Path, "?") {
			t.Errorf("%s: outcome path %q keeps the query string", c.name, o.Path)
		}
	}

	deniedID := denied.header.Get("X-Request-Id")
	var denialEvent bool
	for _, e := range eventsOfKind(t, recs, "denial") {
		if e.RequestID == deniedID && e.Rule == "content_length" {
			denialEvent = true
		}
	}
	if !denialEvent {
		t.Errorf("no denial event for request %s", deniedID)
	}
	if n := len(eventsOfKind(t, recs, "config.reload")); n != 1 {
		t.Errorf("%d config.reload events, want 1", n)
	}
	// Admin actions are admin records, written synchronously; not events.
	if n := len(eventsOfKind(t, recs, "admin.bans.add")); n != 0 {
		t.Errorf("%d admin.bans.add event records, want the action as an admin record only", n)
	}
	var bans []auditData
	for _, r := range recs {
		if r.Kind == "admin" {
			if d := r.data(t); d.Action == "admin.bans.add" {
				bans = append(bans, d)
			}
		}
	}
	if len(bans) != 1 || bans[0].Fields["reason"] != "security test" {
		t.Fatalf("admin.bans.add records: %+v, want one with reason \"security test\"", bans)
	}
	// The log names what was banned, normalised as the ban guard reads it.
	if got := bans[0].Fields["target"]; got != "ip:"+bannedClient {
		t.Errorf("admin.bans.add target = %q, want ip:%s", got, bannedClient)
	}

	// Start and stop frame everything else.
	seqOf := func(pred func(auditRecord) bool) []uint64 {
		var out []uint64
		for _, r := range recs {
			if pred(r) {
				out = append(out, r.Seq)
			}
		}
		return out
	}
	event := func(kind string) func(auditRecord) bool {
		return func(r auditRecord) bool { return r.Kind == "event" && r.data(t).Kind == kind }
	}
	kind := func(k string) func(auditRecord) bool { return func(r auditRecord) bool { return r.Kind == k } }
	starts, stops := seqOf(event("gateway.start")), seqOf(event("gateway.stop"))
	outcomes := seqOf(kind("outcome"))
	if len(starts) != 1 || len(stops) != 1 || len(outcomes) != 4 {
		t.Fatalf("gateway.start %v, gateway.stop %v, outcomes %v; want one start, one stop, four outcomes", starts, stops, outcomes)
	}
	if starts[0] > outcomes[0] || stops[0] < outcomes[len(outcomes)-1] {
		t.Errorf("gateway.start at seq %d, stop at %d, outcomes at %v: want start first and stop last", starts[0], stops[0], outcomes)
	}
	if recs[0].Kind != "start" || countKind(recs, "stop") != 1 {
		t.Errorf("first record %q, %d stop records; want the log's own start and stop", recs[0].Kind, countKind(recs, "stop"))
	}
	if !slices.IsSortedFunc(recs, func(a, b auditRecord) int { return int(a.Seq) - int(b.Seq) }) {
		t.Error("records out of sequence order")
	}

	// No credential is anywhere in the log's files, nor the keys. (The
	// paths of those requests are there: the right bytes are searched.)
	entries, err := os.ReadDir(keys.dir)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(keys.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, data...)
		for _, secret := range []string{secretBearer, secretCookie, secretAPIKey, secretPassword, secretQuery,
			testAdminToken, keys.hmacKeyHex} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds the secret %q", e.Name(), secret)
			}
		}
	}
	for _, path := range []string{`"path":"/api/items/7"`, `"path":"/api/login"`, `"path":"/api/tiny"`} {
		if !bytes.Contains(all, []byte(path)) {
			t.Errorf("the log's files lack %s", path)
		}
	}
}

// TestAuditOutcomesDenied: with audit.outcomes: denied only denied and
// failed requests leave an outcome record (events are still all kept),
// and the log verifies.
func TestAuditOutcomesDenied(t *testing.T) {
	up := textUpstream(t, "ok")
	keys := newAuditKeys(t)
	// An upstream port nothing listens on: the gateway answers 502 and the
	// verdict is "error".
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadUpstream := "http://" + ln.Addr().String()
	ln.Close()
	g := startGateway(t, gwConfig{rest: keys.section("  outcomes: denied\n") + fmt.Sprintf(`apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    max_body_bytes: 16
  - name: down
    path_prefix: /down
    upstreams: [%q]
`, up.URL, deadUpstream)})

	var allowedIDs []string
	for i := range 3 {
		resp, body := get(t, g.client, g.url(fmt.Sprintf("/api/items/%d", i)))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("allowed request: %d %q", resp.StatusCode, body)
		}
		allowedIDs = append(allowedIDs, resp.Header.Get("X-Request-Id"))
	}
	denied := g.from(t, http.MethodPost, "/api/items", "", strings.Repeat("y", 17))
	wantReplyProblem(t, denied, http.StatusRequestEntityTooLarge, "body_too_large")
	failed := g.from(t, http.MethodGet, "/down/x", "", "")
	if failed.status != http.StatusBadGateway {
		t.Fatalf("dead upstream: status %d, want 502", failed.status)
	}
	if err := g.shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	keys.verify(t, g.offBoxCheckpoints(t))
	recs := keys.records(t)
	if n := countKind(recs, "outcome"); n != 2 {
		t.Errorf("%d outcome records, want 2 (the denied and the failed request)", n)
	}
	if o := outcomeOf(t, recs, denied.header.Get("X-Request-Id")); o.Verdict != "denied" || o.Status != 413 {
		t.Errorf("denied request: verdict %q status %d, want denied 413", o.Verdict, o.Status)
	}
	if o := outcomeOf(t, recs, failed.header.Get("X-Request-Id")); o.Verdict != "error" || o.Status != 502 {
		t.Errorf("failed request: verdict %q status %d, want error 502", o.Verdict, o.Status)
	}
	for _, r := range recs {
		if r.Kind == "outcome" && slices.Contains(allowedIDs, r.data(t).RequestID) {
			t.Errorf("allowed request recorded with outcomes: denied: %s", r.Data)
		}
	}
	if len(eventsOfKind(t, recs, "denial")) == 0 || len(eventsOfKind(t, recs, "gateway.start")) != 1 {
		t.Error("events are not all recorded with outcomes: denied")
	}
}
