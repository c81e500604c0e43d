package gateway

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// breakAuditDir makes the audit log unwritable under a running gateway, in
// a way root cannot write through (permission bits do not stop root): the
// directory moves away and a regular file takes its name, so the next
// segment cannot be created (ENOTDIR). The writer keeps its open segment
// until that segment is full, so the tests use a small segment_max_bytes
// and send requests until it rotates. The returned func puts it back.
func breakAuditDir(t *testing.T, dir string) (restore func()) {
	t.Helper()
	away := dir + ".away"
	if err := os.Rename(dir, away); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	restored := false
	restore = func() {
		if restored {
			return
		}
		restored = true
		if err := os.Remove(dir); err != nil {
			t.Error(err)
		}
		if err := os.Rename(away, dir); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(restore)
	return restore
}

// TestAuditFailurePolicy: while the audit log cannot be written,
// on_audit_failure: serve keeps answering and counts the failures, and
// refuse answers 503 (with Retry-After) until the log writes again. Either
// way the failure and the recovery are recorded and sent off the box, the
// requests queued meanwhile are written once the disk is back, and the
// log verifies.
func TestAuditFailurePolicy(t *testing.T) {
	for _, policy := range []string{"serve", "refuse"} {
		t.Run(policy, func(t *testing.T) {
			up := textUpstream(t, "ok")
			keys := newAuditKeys(t)
			g := startGateway(t, gwConfig{rest: keys.section(fmt.Sprintf(`  on_audit_failure: %s
  segment_max_bytes: 4KiB
  fsync: interval
  fsync_interval: 10ms
`, policy)) + fmt.Sprintf(`apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, up.URL)})
			if r := g.from(t, http.MethodGet, "/api/before", "", ""); r.status != http.StatusOK {
				t.Fatalf("before the failure: status %d, body %q", r.status, r.body)
			}

			restore := breakAuditDir(t, keys.dir)
			var refused reply
			eventually(t, "the audit log to fail", func() bool {
				r := g.from(t, http.MethodGet, "/api/during", "", "")
				switch {
				case r.status == http.StatusServiceUnavailable && policy == "refuse":
					refused = r
					return true
				case r.status != http.StatusOK:
					t.Fatalf("status %d, body %q while the log rotates", r.status, r.body)
				}
				// refuse: until a request is refused; serve: until the log
				// says it cannot write.
				return policy == "serve" && g.svc.env.audit.Healthy() != nil
			})
			if policy == "refuse" {
				wantReplyProblem(t, refused, http.StatusServiceUnavailable, "audit_unavailable")
				wantRetryAfter(t, refused, 5, 5)
				if strings.Contains(refused.body, "not a directory") || strings.Contains(refused.body, keys.dir) {
					t.Errorf("503 leaks the cause: %q", refused.body)
				}
				wantReplyProblem(t, g.from(t, http.MethodGet, "/api/again", "", ""), http.StatusServiceUnavailable, "audit_unavailable")
				// The load balancer learns it too.
				if resp, _ := g.adminGet(t, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("/readyz while the audit log fails with refuse = %d, want 503", resp.StatusCode)
				}
			} else {
				for range 3 {
					if r := g.from(t, http.MethodGet, "/api/again", "", ""); r.status != http.StatusOK {
						t.Fatalf("on_audit_failure: serve: status %d, body %q while the log fails", r.status, r.body)
					}
				}
			}
			g.waitMetricAtLeast(t, "rampart_audit_write_failures_total", nil, 1)

			restore()
			eventually(t, "the audit log to write again", func() bool {
				if g.svc.env.audit.Healthy() != nil {
					return false
				}
				r := g.from(t, http.MethodGet, "/api/after", "", "")
				return r.status == http.StatusOK
			})
			if err := g.shutdown(); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}

			keys.verify(t, g.offBoxCheckpoints(t))
			recs := keys.records(t)
			// The failure is sent off the box at once; the log itself records
			// the recovery, which names the failure and since when.
			for _, kind := range []string{"audit.write_failed", "audit.write_recovered"} {
				if !strings.Contains(g.events(t), `"action":"`+kind+`"`) {
					t.Errorf("no %s event in events.jsonl", kind)
				}
			}
			if rec := eventsOfKind(t, recs, "audit.write_recovered"); len(rec) != 1 || !strings.Contains(rec[0].Evidence["error"], "not a directory") {
				t.Errorf("audit.write_recovered records %+v, want one naming the error", rec)
			}
			if len(keys.segmentFiles(t)) < 2 {
				t.Errorf("one segment: the log never rotated")
			}
			// The requests answered while the disk was away waited in the
			// queue and were written after it came back.
			var during, refusedOutcomes int
			for _, r := range recs {
				if r.Kind != "outcome" {
					continue
				}
				d := r.data(t)
				if d.Path == "/api/during" || d.Path == "/api/again" {
					during++
				}
				if len(d.Denials) == 1 && d.Denials[0].Code == "audit_unavailable" {
					refusedOutcomes++
				}
			}
			if during < 2 {
				t.Errorf("%d outcome records of requests made during the failure, want them all", during)
			}
			if policy == "refuse" && refusedOutcomes < 2 {
				t.Errorf("%d outcome records of refused requests, want at least 2", refusedOutcomes)
			}
			if policy == "serve" && refusedOutcomes != 0 {
				t.Errorf("%d refused requests with on_audit_failure: serve", refusedOutcomes)
			}
		})
	}
}
