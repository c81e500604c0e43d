package gateway

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadReopensLogFiles: logrotate renames the files and sends SIGHUP;
// later lines must go to the new files.
func TestReloadReopensLogFiles(t *testing.T) {
	up := textUpstream(t, "ok")
	g := startGateway(t, oneAPI(up.URL))
	first, _ := get(t, g.client, g.url("/api/one"))
	accessLog := filepath.Join(g.dir, "access.log")
	eventually(t, "the first access log line", func() bool {
		b, _ := os.ReadFile(accessLog)
		return strings.Contains(string(b), first.Header.Get("X-Request-Id"))
	})
	if err := os.Rename(accessLog, accessLog+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(g.dir, "events.jsonl"), filepath.Join(g.dir, "events.jsonl.1")); err != nil {
		t.Fatal(err)
	}
	if err := g.svc.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	second, _ := get(t, g.client, g.url("/api/two"))
	id := second.Header.Get("X-Request-Id")
	eventually(t, "the second line in the new access log", func() bool {
		b, _ := os.ReadFile(accessLog)
		return strings.Contains(string(b), id)
	})
	if old, _ := os.ReadFile(accessLog + ".1"); strings.Contains(string(old), id) {
		t.Error("a line written after the reload went to the rotated file")
	}
	if ev, _ := os.ReadFile(filepath.Join(g.dir, "events.jsonl")); !strings.Contains(string(ev), "config.reload") {
		t.Errorf("the reload event is not in the new events file: %q", ev)
	}
}

// TestReloadKeepsConcurrencyLimit: requests in flight on the old
// configuration still hold their slots, so a reload does not double
// limits.max_concurrent.
func TestReloadKeepsConcurrencyLimit(t *testing.T) {
	up := newBlockingUpstream(t, "slow")
	cfg := oneAPI(up.URL)
	cfg.rest += "limits:\n  max_concurrent: 1\n  max_queue: -1\n"
	g := startGateway(t, cfg)
	done := make(chan int, 1)
	go func() {
		resp, err := g.client.Get(g.url("/api/slow"))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	up.awaitArrival(t)
	if err := g.svc.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	resp, body := get(t, g.client, g.url("/api/other"))
	wantProblem(t, resp, body, http.StatusServiceUnavailable, "overloaded")
	up.unblock()
	if got := <-done; got != http.StatusOK {
		t.Errorf("in-flight request = %d, want 200", got)
	}
}
