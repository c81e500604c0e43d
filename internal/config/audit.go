package config

import "time"

// Audit configures the tamper-evident audit log.
type Audit struct {
	// Dir holds the segment files. Empty disables the audit log.
	Dir string `yaml:"dir"`
	// HMACKeyEnv / HMACKeyFile hold the HMAC-SHA256 key (at least 32 bytes).
	// One of them is required when dir is set.
	HMACKeyEnv  string `yaml:"hmac_key_env"`
	HMACKeyFile string `yaml:"hmac_key_file"`
	// KeyID names the HMAC key, so keys can rotate. Default: derived from the key.
	KeyID string `yaml:"key_id"`
	// SigningKeyFile is the Ed25519 private key (PEM) that signs checkpoints
	// (`rampart audit keygen` makes one). Required when dir is set.
	SigningKeyFile string `yaml:"signing_key_file"`
	// CheckpointEvery records a signed checkpoint after this many records. Default 1000.
	CheckpointEvery int `yaml:"checkpoint_every"`
	// CheckpointInterval records a checkpoint at least this often. Default 10s.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
	// Fsync is "always" (group commit), "interval" (default) or "never".
	Fsync string `yaml:"fsync"`
	// FsyncInterval is the fsync period of fsync interval. Default 1s.
	FsyncInterval time.Duration `yaml:"fsync_interval"`
	// SegmentMaxBytes rotates a segment at this size. Default 64MiB.
	SegmentMaxBytes ByteSize `yaml:"segment_max_bytes"`
	// SegmentMaxAge rotates a segment at this age. Default 24h.
	SegmentMaxAge time.Duration `yaml:"segment_max_age"`
	// RetainMaxAge deletes segments older than this. Default 0: keep all.
	RetainMaxAge time.Duration `yaml:"retain_max_age"`
	// RetainMaxBytes deletes the oldest segments beyond this total. Default 0: keep all.
	RetainMaxBytes ByteSize `yaml:"retain_max_bytes"`
	// QueueSize bounds records waiting to be written. Default 8192.
	QueueSize int `yaml:"queue_size"`
	// OnFull is "block" (default: back-pressure) or "drop" (counted, with an event).
	OnFull string `yaml:"on_full"`
	// Outcomes is "all" (default) or "denied" (denied, flagged and errors only).
	Outcomes string `yaml:"outcomes"`
	// OnAuditFailure is "serve" (default: keep serving when the log cannot be
	// written) or "refuse" (answer 503 until it can).
	OnAuditFailure string `yaml:"on_audit_failure"`
}
