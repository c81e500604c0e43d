package audit

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Fsync policies.
const (
	// FsyncAlways fsyncs every batch before acknowledging it (group commit:
	// one fsync covers everything queued while the previous one ran).
	FsyncAlways = "always"
	// FsyncInterval fsyncs at most every FsyncInterval, at every checkpoint
	// and at rotation and Close.
	FsyncInterval = "interval"
	// FsyncNever leaves flushing to the kernel; the log still fsyncs at
	// rotation and Close.
	FsyncNever = "never"
)

// Queue-full behaviours.
const (
	// OnFullBlock makes producers wait for room (back-pressure) while the
	// writer is healthy. Once the writer fails, records are dropped instead,
	// so a full disk never hangs the gateway.
	OnFullBlock = "block"
	// OnFullDrop drops the record, counts it and records a notice.
	OnFullDrop = "drop"
)

// Outcome selections.
const (
	// OutcomesAll records every request.
	OutcomesAll = "all"
	// OutcomesDenied records only denied, flagged and error outcomes.
	OutcomesDenied = "denied"
)

// Defaults for zero Config fields.
const (
	DefaultCheckpointEvery    = 1000
	DefaultCheckpointInterval = 10 * time.Second
	DefaultFsyncInterval      = time.Second
	DefaultSegmentMaxBytes    = 64 << 20
	DefaultSegmentMaxAge      = 24 * time.Hour
	DefaultQueueSize          = 8192
)

// minHMACKeyBytes is the shortest HMAC key accepted: 256 bits, the output
// size of SHA-256 (RFC 2104 §3 recommends at least L bytes).
const minHMACKeyBytes = 32

// Config configures a Log. The yaml names the gateway uses are in
// docs/audit.md (audit.dir, audit.fsync, ...).
type Config struct {
	// Dir holds the segment files; created 0700 if missing. Required.
	Dir string
	// HMACKey authenticates every record (at least 32 bytes). Required.
	HMACKey []byte
	// KeyID names HMACKey in every record so keys can rotate; up to 64 of
	// A-Z a-z 0-9 . _ : -. Default: DeriveKeyID(HMACKey).
	KeyID string
	// SigningKey signs checkpoints and pruned records (Ed25519). Required:
	// checkpoints are what an attacker holding the HMAC key cannot forge.
	SigningKey ed25519.PrivateKey
	// CheckpointEvery writes a checkpoint after this many records. Default 1000.
	CheckpointEvery int
	// CheckpointInterval writes a checkpoint at least this often while
	// records arrive. Default 10s.
	CheckpointInterval time.Duration
	// Fsync is FsyncAlways, FsyncInterval (default) or FsyncNever.
	Fsync string
	// FsyncInterval is the fsync period of FsyncInterval. Default 1s.
	FsyncInterval time.Duration
	// SegmentMaxBytes starts a new segment once one reaches this size (it may
	// overshoot by one batch, at most about 1 MiB). Default 64 MiB.
	SegmentMaxBytes int64
	// SegmentMaxAge starts a new segment once one is this old. Default 24h.
	SegmentMaxAge time.Duration
	// RetainMaxAge deletes closed segments last written longer ago than
	// this. 0 keeps them.
	RetainMaxAge time.Duration
	// RetainMaxBytes deletes the oldest closed segments while the log is
	// larger than this. 0 keeps them.
	RetainMaxBytes int64
	// QueueSize bounds the records waiting for the writer. Default 8192.
	QueueSize int
	// OnFull is OnFullBlock (default) or OnFullDrop.
	OnFull string
	// Outcomes is OutcomesAll (default) or OutcomesDenied.
	Outcomes string
	// Now is the clock for record times, checkpoint and fsync intervals,
	// segment age and retention. Nil means time.Now.
	Now func() time.Time
}

// Options are the Log's connections to the rest of the gateway. Every field
// may be nil. Callbacks run on the log's own goroutines: they must be safe
// for concurrent use and must not block for long.
type Options struct {
	// Logger receives write failures and recoveries; nil discards.
	Logger *slog.Logger
	// QueueDepth is told the queue length after each batch and tick.
	QueueDepth func(int)
	// WriteLatency is told how long each batch's write (and fsync) took.
	WriteLatency func(time.Duration)
	// Dropped is called once per dropped record.
	Dropped func()
	// Failed is called on every failed write, fsync or rotation.
	Failed func(error)
	// Checkpoints receives every checkpoint once it is on disk, to be copied
	// off the box (Checkpoint.Event gives it as an Event for the event
	// sinks). Without an off-box copy, an attacker holding the HMAC key can
	// cut the log back to any checkpoint undetected.
	Checkpoints func(Checkpoint)
	// EmitEvent receives the log's own Events: "audit.recovered" (a torn
	// record cut at Open), "audit.dropped", "audit.write_failed",
	// "audit.write_recovered", "audit.pruned". The pointer is valid only
	// during the call. The log records these itself, so WriteEvent ignores
	// kinds starting with "audit.": routing them back is harmless.
	EmitEvent func(*pipeline.Event)

	// openFile opens segment files; tests inject failing files (a full disk).
	openFile func(name string, flag int, perm os.FileMode) (segmentFile, error)
}

// normalize fills defaults and validates; the only place defaults live.
func (c Config) normalize() (Config, error) {
	if c.Dir == "" {
		return c, errors.New("audit: dir is required")
	}
	if len(c.HMACKey) < minHMACKeyBytes {
		return c, fmt.Errorf("audit: hmac key is %d bytes, need at least %d", len(c.HMACKey), minHMACKeyBytes)
	}
	c.HMACKey = append([]byte(nil), c.HMACKey...)
	if c.KeyID == "" {
		c.KeyID = DeriveKeyID(c.HMACKey)
	}
	if !validKeyID(c.KeyID) {
		return c, fmt.Errorf("audit: key id %q: want 1-64 of A-Z a-z 0-9 . _ : -", c.KeyID)
	}
	if len(c.SigningKey) != ed25519.PrivateKeySize {
		return c, errors.New("audit: an Ed25519 signing key is required (rampart audit keygen)")
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = DefaultCheckpointEvery
	}
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = DefaultCheckpointInterval
	}
	if c.Fsync == "" {
		c.Fsync = FsyncInterval
	}
	if c.FsyncInterval == 0 {
		c.FsyncInterval = DefaultFsyncInterval
	}
	if c.SegmentMaxBytes == 0 {
		c.SegmentMaxBytes = DefaultSegmentMaxBytes
	}
	if c.SegmentMaxAge == 0 {
		c.SegmentMaxAge = DefaultSegmentMaxAge
	}
	if c.QueueSize == 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.OnFull == "" {
		c.OnFull = OnFullBlock
	}
	if c.Outcomes == "" {
		c.Outcomes = OutcomesAll
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.CheckpointEvery < 0:
		return c, errors.New("audit: checkpoint_every must be positive")
	case c.CheckpointInterval < 0, c.FsyncInterval < 0, c.SegmentMaxAge < 0, c.RetainMaxAge < 0:
		return c, errors.New("audit: durations must not be negative")
	case c.SegmentMaxBytes < 4096:
		return c, errors.New("audit: segment_max_bytes must be at least 4096")
	case c.RetainMaxBytes < 0:
		return c, errors.New("audit: retain_max_bytes must not be negative")
	case c.QueueSize < 0:
		return c, errors.New("audit: queue_size must be positive")
	}
	if c.Fsync != FsyncAlways && c.Fsync != FsyncInterval && c.Fsync != FsyncNever {
		return c, fmt.Errorf("audit: fsync %q: want always, interval or never", c.Fsync)
	}
	if c.OnFull != OnFullBlock && c.OnFull != OnFullDrop {
		return c, fmt.Errorf("audit: on_full %q: want block or drop", c.OnFull)
	}
	if c.Outcomes != OutcomesAll && c.Outcomes != OutcomesDenied {
		return c, fmt.Errorf("audit: outcomes %q: want all or denied", c.Outcomes)
	}
	return c, nil
}

// tickPeriod is how often the writer looks at its timers: often enough for
// the shortest configured interval, never busier than every millisecond.
func (c Config) tickPeriod() time.Duration {
	p := min(time.Second, c.CheckpointInterval)
	if c.Fsync == FsyncInterval {
		p = min(p, c.FsyncInterval)
	}
	return max(p, time.Millisecond)
}
