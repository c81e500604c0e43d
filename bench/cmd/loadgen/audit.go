package main

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rampartsec/rampart/internal/audit"
)

// auditLab is the tamper-evident audit log of the rampart-audit target:
// keys made at start in the run's temporary directory, and the log checked
// with audit.Verify once that gateway has shut down, so a run also shows
// that every request it counted was recorded in a log that verifies.
type auditLab struct {
	dir       string // the log's segments
	hmacFile  string
	signing   string
	publicKey ed25519.PublicKey
	kid       string
	hmacKey   []byte
	check     *AuditLogCheck // set by verify
}

// newAuditLab writes a new signing key pair and HMAC key under dir.
func newAuditLab(dir string) (*auditLab, error) {
	keys := filepath.Join(dir, "audit-keys")
	if err := os.Mkdir(keys, 0o700); err != nil {
		return nil, fmt.Errorf("creating audit key dir: %w", err)
	}
	a := &auditLab{
		dir:      filepath.Join(dir, "audit"),
		hmacFile: filepath.Join(keys, "audit.hmac"),
		signing:  filepath.Join(keys, "audit.key"),
	}
	var err error
	if a.publicKey, err = audit.WriteKeyPair(a.signing, filepath.Join(keys, "audit.pub")); err != nil {
		return nil, err
	}
	key, err := audit.GenerateHMACKey()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(a.hmacFile, []byte(key+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing audit hmac key: %w", err)
	}
	if a.kid, a.hmacKey, err = audit.LoadHMACKey("", a.hmacFile, ""); err != nil {
		return nil, err
	}
	return a, nil
}

// auditRetainBytes bounds the log on disk during a run: at about 25k
// requests per second and 500 bytes a record, a published run writes over
// half a gigabyte. Retention (a signed pruned record, then whole segments
// deleted) is part of what production pays, so it stays in the measurement.
const auditRetainBytes = "256MiB"

// section is the audit section of the rampart-audit YAML: the production
// defaults (fsync interval of 1s, checkpoints every 1000 records or 10s,
// 64 MiB segments, every outcome recorded, block when the queue is full)
// plus a retention cap.
func (a *auditLab) section() string {
	return fmt.Sprintf(`audit:
  dir: %q
  hmac_key_file: %q
  signing_key_file: %q
  fsync: interval
  fsync_interval: 1s
  outcomes: all
  retain_max_bytes: %s
`, a.dir, a.hmacFile, a.signing, auditRetainBytes)
}

// AuditLogCheck is what audit.Verify said about the rampart-audit log after
// the run.
type AuditLogCheck struct {
	OK bool `json:"ok"`
	// FirstProblem is the first damage found ("" when OK).
	FirstProblem string `json:"first_problem,omitempty"`
	// LastSeq is the number of records the log wrote (warm-ups included);
	// Records those still on disk after retention; PrunedUpTo the last seq
	// retention removed.
	LastSeq     uint64 `json:"last_seq"`
	Records     int    `json:"records_on_disk"`
	PrunedUpTo  uint64 `json:"pruned_up_to"`
	Checkpoints int    `json:"checkpoints_verified"`
	CleanEnd    bool   `json:"clean_end"`
}

// verify checks the log (after its gateway shut down) with both keys. Damage
// goes into check; the error is for a log that cannot be read at all.
func (a *auditLab) verify() error {
	rep, err := audit.Verify(a.dir, audit.VerifyOptions{HMACKeys: map[string][]byte{a.kid: a.hmacKey}, PublicKey: a.publicKey})
	if err != nil {
		return fmt.Errorf("verifying the audit log: %w", err)
	}
	a.check = &AuditLogCheck{OK: rep.OK(), LastSeq: rep.LastSeq, Records: rep.Records, PrunedUpTo: rep.PrunedUpTo,
		Checkpoints: rep.Checkpoints, CleanEnd: rep.CleanEnd}
	if !rep.OK() {
		// Reported (and made the run fail) after the numbers are printed.
		a.check.FirstProblem = "problems past the report's cap"
		if len(rep.Problems) > 0 {
			a.check.FirstProblem = rep.Problems[0].String()
		}
	}
	return nil
}
