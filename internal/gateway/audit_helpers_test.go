package gateway

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/audit"
)

// Helpers of the audit_*_test.go files: keys made in the test, the audit
// section of rampart.yaml, and reading the log back.

// testAuditHMACEnv names the variable holding the audit HMAC key in these
// tests (set with t.Setenv).
const testAuditHMACEnv = "RAMPART_AUDIT_TEST_HMAC_KEY"

// auditKeys are a test's audit keys and log directory.
type auditKeys struct {
	dir        string // the log directory (not created: the gateway makes it)
	signing    string // Ed25519 private key file
	public     ed25519.PublicKey
	kid        string
	hmacKey    []byte
	hmacKeyHex string
}

// newAuditKeys writes a signing key pair and puts a new HMAC key in
// testAuditHMACEnv, as an operator would with `rampart audit keygen`.
func newAuditKeys(t *testing.T) *auditKeys {
	t.Helper()
	keyDir := t.TempDir()
	k := &auditKeys{dir: filepath.Join(t.TempDir(), "audit"), signing: filepath.Join(keyDir, "audit.key")}
	var err error
	if k.public, err = audit.WriteKeyPair(k.signing, filepath.Join(keyDir, "audit.pub")); err != nil {
		t.Fatal(err)
	}
	if k.hmacKeyHex, err = audit.GenerateHMACKey(); err != nil {
		t.Fatal(err)
	}
	t.Setenv(testAuditHMACEnv, k.hmacKeyHex)
	if k.kid, k.hmacKey, err = audit.LoadHMACKey(testAuditHMACEnv, "", ""); err != nil {
		t.Fatal(err)
	}
	return k
}

// section is the audit section of rampart.yaml; extra lines (indented by
// two spaces) tune it.
func (k *auditKeys) section(extra string) string {
	return fmt.Sprintf("audit:\n  dir: %q\n  hmac_key_env: %s\n  signing_key_file: %q\n", k.dir, testAuditHMACEnv, k.signing) + extra
}

// verify runs the verifier with every key and the off-box checkpoints.
func (k *auditKeys) verify(t *testing.T, offBox []audit.Checkpoint) *audit.Report {
	t.Helper()
	rep, err := audit.Verify(k.dir, audit.VerifyOptions{
		HMACKeys: map[string][]byte{k.kid: k.hmacKey}, PublicKey: k.public, Checkpoints: offBox,
	})
	if err != nil {
		t.Fatalf("audit.Verify: %v", err)
	}
	if !rep.OK() {
		var out bytes.Buffer
		_ = audit.WriteReport(&out, k.dir, rep)
		t.Fatalf("audit.Verify found damage in a log nobody touched:\n%s", out.String())
	}
	return rep
}

// auditRecord is one line of a segment, as written.
type auditRecord struct {
	Seq  uint64          `json:"seq"`
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

// auditData is the union of the data fields these tests read.
type auditData struct {
	// outcome
	RequestID string `json:"request_id"`
	Status    int    `json:"status"`
	Verdict   string `json:"verdict"`
	Path      string `json:"path"`
	Route     string `json:"route"`
	Denials   []struct {
		Guard, Rule, Code string
		Status            int
	} `json:"denials"`
	// event
	Kind     string            `json:"kind"`
	Guard    string            `json:"guard"`
	Rule     string            `json:"rule"`
	Evidence map[string]string `json:"evidence"`
	// admin
	Action string            `json:"action"`
	Fields map[string]string `json:"fields"`
}

func (r auditRecord) data(t *testing.T) auditData {
	t.Helper()
	var d auditData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatalf("record %d data %s: %v", r.Seq, r.Data, err)
	}
	return d
}

// segmentFiles returns the paths of the log's segments, oldest first.
func (k *auditKeys) segmentFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(k.dir, "audit-*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no segment files in %s", k.dir)
	}
	return files // Glob sorts; names are zero-padded sequence numbers
}

// records reads every record of the log, in order.
func (k *auditKeys) records(t *testing.T) []auditRecord {
	t.Helper()
	var out []auditRecord
	for _, f := range k.segmentFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
			var r auditRecord
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("%s: line %q: %v", f, line, err)
			}
			out = append(out, r)
		}
	}
	return out
}

// outcomeOf returns the outcome record of requestID.
func outcomeOf(t *testing.T, recs []auditRecord, requestID string) auditData {
	t.Helper()
	if requestID == "" {
		t.Fatal("response has no X-Request-Id")
	}
	for _, r := range recs {
		if r.Kind == "outcome" {
			if d := r.data(t); d.RequestID == requestID {
				return d
			}
		}
	}
	t.Fatalf("no outcome record for request %s", requestID)
	return auditData{}
}

// eventsOfKind returns the data of the event records of kind.
func eventsOfKind(t *testing.T, recs []auditRecord, kind string) []auditData {
	t.Helper()
	var out []auditData
	for _, r := range recs {
		if r.Kind == "event" {
			if d := r.data(t); d.Kind == kind {
				out = append(out, d)
			}
		}
	}
	return out
}

// countKind counts the records of a record kind (outcome, event, start, ...).
func countKind(recs []auditRecord, kind string) int {
	n := 0
	for _, r := range recs {
		if r.Kind == kind {
			n++
		}
	}
	return n
}

// offBoxCheckpoints reads the checkpoint copies from the gateway's event log.
func (g *testGateway) offBoxCheckpoints(t *testing.T) []audit.Checkpoint {
	t.Helper()
	f, err := os.Open(filepath.Join(g.dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cps, err := audit.ParseCheckpoints(f)
	if err != nil {
		t.Fatalf("ParseCheckpoints(events.jsonl): %v", err)
	}
	return cps
}
