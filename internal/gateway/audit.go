package gateway

import (
	"crypto/ed25519"
	"net/http"

	"github.com/rampartsec/rampart/internal/audit"
	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// openAudit opens the tamper-evident audit log when audit.dir is set. It
// records every Outcome (or only denied ones) and every Event through the
// sinks; its signed checkpoints are copied to the other event sinks so a
// copy lives off the box.
func openAudit(cfg *config.Config, e *env) (*audit.Log, error) {
	a := cfg.Audit
	if a.Dir == "" {
		return nil, nil
	}
	keys, err := loadAuditKeys(a)
	if err != nil {
		return nil, err
	}
	// The same directory check as Check's, so both say the same.
	if err := probeDir(a.Dir); err != nil {
		return nil, atField("audit.dir", err)
	}
	offBox := append([]pipeline.EventSink(nil), e.events...)
	l, err := audit.Open(audit.Config{
		Dir: a.Dir, HMACKey: keys.hmac, KeyID: keys.kid, SigningKey: keys.signing,
		CheckpointEvery: a.CheckpointEvery, CheckpointInterval: a.CheckpointInterval,
		Fsync: a.Fsync, FsyncInterval: a.FsyncInterval,
		SegmentMaxBytes: int64(a.SegmentMaxBytes), SegmentMaxAge: a.SegmentMaxAge,
		RetainMaxAge: a.RetainMaxAge, RetainMaxBytes: int64(a.RetainMaxBytes),
		QueueSize: a.QueueSize, OnFull: a.OnFull, Outcomes: a.Outcomes,
	}, audit.Options{
		Logger:       e.log,
		QueueDepth:   e.metrics.AuditQueueDepth,
		WriteLatency: e.metrics.AuditWriteLatency,
		Dropped:      e.metrics.AuditDropped,
		Failed:       e.metrics.AuditFailed,
		Checkpoints: func(c audit.Checkpoint) {
			ev := c.Event()
			for _, s := range offBox {
				s.WriteEvent(&ev)
			}
		},
		EmitEvent: func(ev *pipeline.Event) {
			for _, s := range offBox {
				s.WriteEvent(ev)
			}
		},
	})
	if err != nil {
		// Keys, settings and directory are checked (as Check checks them):
		// what fails now is the log's state, such as another gateway
		// holding its lock. The audit package's errors say "audit: ...".
		return nil, err
	}
	return l, nil
}

// auditKeyMaterial are the audit log's keys, read from the files and the
// environment the configuration names.
type auditKeyMaterial struct {
	kid     string
	hmac    []byte
	signing ed25519.PrivateKey
}

// loadAuditKeys reads the audit keys, blaming the field that names the one
// that fails. Messages name variables and files, never key material.
func loadAuditKeys(a config.Audit) (auditKeyMaterial, error) {
	var k auditKeyMaterial
	var err error
	if k.kid, k.hmac, err = audit.LoadHMACKey(a.HMACKeyEnv, a.HMACKeyFile, a.KeyID); err != nil {
		// Which of the source and the key id is wrong: the source alone
		// loads when the key id is.
		field := secretField("audit.hmac_key", a.HMACKeyEnv)
		if a.KeyID != "" {
			if _, _, e := audit.LoadHMACKey(a.HMACKeyEnv, a.HMACKeyFile, ""); e == nil {
				field = "audit.key_id"
			}
		}
		return k, atFieldTrim(field, "audit: ", err)
	}
	if k.signing, err = audit.LoadSigningKey(a.SigningKeyFile); err != nil {
		return k, atFieldTrim("audit.signing_key_file", "audit: ", err)
	}
	return k, nil
}

// checkAudit is what Check can know of the audit log without opening it
// (opening takes the directory's lock, which a running gateway holds): the
// keys load and the directory can be made and written.
func checkAudit(a config.Audit) error {
	if a.Dir == "" {
		return nil
	}
	if _, err := loadAuditKeys(a); err != nil {
		return err
	}
	return atField("audit.dir", probeDir(a.Dir))
}

// auditGate refuses requests while the audit log cannot be written, for
// audit.on_audit_failure: refuse (deployments where an unrecorded request
// must not be served).
type auditGate struct{ log *audit.Log }

var _ pipeline.Guard = auditGate{}

func (auditGate) Name() string { return "audit_gate" }

func (g auditGate) Check(r *http.Request) (*http.Request, error) {
	if err := g.log.Healthy(); err != nil {
		return nil, &pipeline.Denial{Status: http.StatusServiceUnavailable, Code: "audit_unavailable",
			PublicMessage: "The service cannot record requests right now; retry later.", Rule: "unhealthy",
			RetryAfter: 5e9, Severity: pipeline.SeverityHigh, Cause: err}
	}
	return r, nil
}
