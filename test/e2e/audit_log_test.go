package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// e2eAuditHMACEnv names the variable holding the audit HMAC key, for the
// serving child and for `rampart audit verify --key-env`.
const e2eAuditHMACEnv = "RAMPART_E2E_AUDIT_HMAC"

// auditServeConfig is a rampart.yaml with the audit log in auditDir, its
// checkpoints copied to the event log events, and a 16-byte body cap so a
// larger POST is denied.
func auditServeConfig(httpAddr, adminAddr, upstream, auditDir, signingKey, events string) string {
	return fmt.Sprintf(`listen:
  http: %q
  timeouts:
    shutdown: 5s
admin:
  listen: %q
logging:
  level: info
  access_log: "off"
events:
  file: %q
audit:
  dir: %q
  hmac_key_env: %s
  signing_key_file: %q
  checkpoint_every: 3
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
    max_body_bytes: 16
`, httpAddr, adminAddr, events, auditDir, e2eAuditHMACEnv, signingKey, upstream)
}

// segmentLines returns the single segment of a log and its lines.
func segmentLines(t *testing.T, dir string) (string, []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if err != nil || len(files) != 1 {
		t.Fatalf("segments in %s: %v %v, want exactly one", dir, files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return files[0], strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// copyLog copies the segments of the log in dir to a new directory, so
// one test can damage each copy its own way.
func copyLog(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "audit")
	if err := os.Mkdir(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// lineRecord is the part of a record line these tests read.
type lineRecord struct {
	Seq  uint64 `json:"seq"`
	Kind string `json:"kind"`
	Data struct {
		RequestID string `json:"request_id"`
		Path      string `json:"path"`
		Status    int    `json:"status"`
		Verdict   string `json:"verdict"`
	} `json:"data"`
}

func parseRecord(t *testing.T, line string) lineRecord {
	t.Helper()
	var r lineRecord
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("record %q: %v", line, err)
	}
	return r
}

// TestAuditLog is an operator's session with the audit log: make the keys
// with `rampart audit keygen`, serve with auditing on, send allowed and
// denied requests, stop with SIGTERM, verify the log (exit 0, also against
// the off-box checkpoints in the event log), find the denied request with
// `rampart audit show`, and see `verify` name the record and the kind of
// damage (exit 1) when one byte of a record is changed or a record is
// deleted.
func TestAuditLog(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	keyDir := filepath.Join(dir, "keys")
	if err := os.Mkdir(keyDir, 0o700); err != nil {
		t.Fatal(err)
	}
	signing, public, hmacFile := filepath.Join(keyDir, "audit.key"), filepath.Join(keyDir, "audit.pub"), filepath.Join(keyDir, "audit.hmac")

	res := runRampart(t, dir, "audit", "keygen", "--private", signing, "--public", public, "--hmac", hmacFile)
	if res.code != 0 || !strings.Contains(res.stdout, "signer id") || !strings.Contains(res.stdout, "key id") {
		t.Fatalf("rampart audit keygen: exit %d\nstdout %s\nstderr %s", res.code, res.stdout, res.stderr)
	}
	if fi, err := os.Stat(signing); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signing key: %v, mode %v; want 0600", err, fi.Mode())
	}
	// Keygen refuses to overwrite the key that signed a log.
	if res := runRampart(t, dir, "audit", "keygen", "--private", signing, "--public", public); res.code == 0 {
		t.Error("rampart audit keygen overwrote existing keys")
	}
	hmacKey, err := os.ReadFile(hmacFile)
	if err != nil {
		t.Fatal(err)
	}
	// The serving child and the verifying children inherit it.
	t.Setenv(e2eAuditHMACEnv, strings.TrimSpace(string(hmacKey)))

	auditDir, events := filepath.Join(dir, "audit"), filepath.Join(dir, "events.jsonl")
	p := startServe(t, dir, func(httpAddr, adminAddr string) string {
		return auditServeConfig(httpAddr, adminAddr, up.URL, auditDir, signing, events)
	})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: waitFor}
	for i := range 3 {
		if code, body := fetch(t, client, p.httpAddr, fmt.Sprintf("/api/orders/%d", i)); code != 200 || body != "ok" {
			t.Fatalf("allowed request: %d %q", code, body)
		}
	}
	resp, err := client.Post("http://"+p.httpAddr+"/api/orders", "application/json",
		strings.NewReader(`{"item":"book","quantity":1000000}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deniedID := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != http.StatusRequestEntityTooLarge || deniedID == "" {
		t.Fatalf("oversized POST: %d, request id %q; want 413 with an id", resp.StatusCode, deniedID)
	}
	tr.CloseIdleConnections()
	p.signal(t, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(waitFor):
		t.Fatal("rampart did not exit after SIGTERM")
	}
	if p.waitErr != nil {
		t.Fatalf("rampart serve exited with %v, want status 0", p.waitErr)
	}

	t.Run("verify", func(t *testing.T) {
		res := runRampart(t, dir, "audit", "verify", auditDir, "--pubkey", public, "--key-env", e2eAuditHMACEnv)
		if res.code != 0 || !strings.Contains(res.stdout, "OK:") || !strings.Contains(res.stdout, "clean end: true") {
			t.Fatalf("rampart audit verify: exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		// The same with the key from its file and the off-box checkpoint
		// copies the gateway wrote to its event log.
		res = runRampart(t, dir, "audit", "verify", auditDir, "--pubkey", public, "--key-file", hmacFile, "--checkpoints", events)
		if res.code != 0 || !strings.Contains(res.stdout, "off-box") {
			t.Fatalf("rampart audit verify --checkpoints: exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		// A wrong HMAC key is damage, not a pass.
		t.Setenv("RAMPART_E2E_AUDIT_WRONG_HMAC", strings.Repeat("ab", 32))
		res = runRampart(t, dir, "audit", "verify", auditDir, "--pubkey", public, "--key-env", "RAMPART_E2E_AUDIT_WRONG_HMAC")
		if res.code != 1 || !strings.Contains(res.stdout, "wrong_key") {
			t.Errorf("verify with another key: exit %d, want 1 and wrong_key\nstdout:\n%s", res.code, res.stdout)
		}
	})

	t.Run("show denied", func(t *testing.T) {
		res := runRampart(t, dir, "audit", "show", auditDir, "--verdict", "denied", "--format", "json")
		if res.code != 0 {
			t.Fatalf("rampart audit show: exit %d\nstderr %s", res.code, res.stderr)
		}
		lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
		if len(lines) != 1 {
			t.Fatalf("show --verdict denied printed %d records, want the one denied request:\n%s", len(lines), res.stdout)
		}
		r := parseRecord(t, lines[0])
		if r.Kind != "outcome" || r.Data.RequestID != deniedID || r.Data.Status != 413 || r.Data.Verdict != "denied" || r.Data.Path != "/api/orders" {
			t.Errorf("show --verdict denied: %s, want the outcome of request %s (413 /api/orders)", lines[0], deniedID)
		}
		// The table names it too.
		res = runRampart(t, dir, "audit", "show", auditDir, "--verdict", "denied")
		if res.code != 0 || !strings.Contains(res.stdout, "/api/orders") || !strings.Contains(res.stdout, "413") {
			t.Errorf("show table: exit %d\n%s", res.code, res.stdout)
		}
	})

	// The outcome record of the denied request is the one damaged below.
	_, lines := segmentLines(t, auditDir)
	target := -1
	for i, l := range lines {
		if r := parseRecord(t, l); r.Kind == "outcome" && r.Data.RequestID == deniedID {
			target = i
		}
	}
	if target < 0 || target == len(lines)-1 {
		t.Fatalf("the denied request's outcome is not a record inside the log (line %d of %d)", target+1, len(lines))
	}
	targetSeq := parseRecord(t, lines[target]).Seq

	for _, tc := range []struct {
		name   string
		damage func(lines []string) []string
		kind   string
	}{
		{"one byte edited", func(lines []string) []string {
			// /api/orders → /api/ordars: still a well-formed record, so only
			// its MAC can tell.
			i := strings.Index(lines[target], `"path":"/api/orders"`)
			if i < 0 {
				t.Fatalf("no path in %s", lines[target])
			}
			b := []byte(lines[target])
			b[i+len(`"path":"/api/ord`)] ^= 'e' ^ 'a'
			lines[target] = string(b)
			return lines
		}, "edited"},
		{"record deleted", func(lines []string) []string {
			return append(lines[:target:target], lines[target+1:]...)
		}, "deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			damaged := copyLog(t, auditDir)
			seg, lines := segmentLines(t, damaged)
			out := strings.Join(tc.damage(lines), "\n") + "\n"
			if err := os.WriteFile(seg, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			res := runRampart(t, dir, "audit", "verify", damaged, "--pubkey", public, "--key-env", e2eAuditHMACEnv)
			first := fmt.Sprintf("FIRST BROKEN seq %d (%s line %d): %s:", targetSeq, filepath.Base(seg), target+1, tc.kind)
			failed := fmt.Sprintf("the first at seq %d: %s", targetSeq, tc.kind)
			if res.code != 1 || !strings.Contains(res.stdout, first) || !strings.Contains(res.stdout, failed) {
				t.Errorf("verify after %s: exit %d, want 1 and\n  %s\n  %s\nstdout:\n%s\nstderr:\n%s",
					tc.name, res.code, first, failed, res.stdout, res.stderr)
			}
			t.Logf("rampart audit verify after %s:\n%s", tc.name, res.stdout)
			if bytes.Contains([]byte(res.stdout), []byte("corrupt")) {
				t.Errorf("damage reported as corrupt:\n%s", res.stdout)
			}
		})
	}
}
