package gateway

import (
	"fmt"
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
	kid, key, err := audit.LoadHMACKey(a.HMACKeyEnv, a.HMACKeyFile, a.KeyID)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	signing, err := audit.LoadSigningKey(a.SigningKeyFile)
	if err != nil {
		return nil, fmt.Errorf("audit.signing_key_file: %w", err)
	}
	offBox := append([]pipeline.EventSink(nil), e.events...)
	l, err := audit.Open(audit.Config{
		Dir: a.Dir, HMACKey: key, KeyID: kid, SigningKey: signing,
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
		return nil, err // the audit package's errors say "audit: ..."
	}
	return l, nil
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
