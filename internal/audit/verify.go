package audit

import (
	"crypto/ed25519"
	"fmt"
	"io/fs"
	"os"
	"slices"
)

// DamageKind names what happened to the log at a Problem.
type DamageKind string

// Kinds of damage Verify reports.
const (
	// DamageEdited: a record's bytes changed after it was written (its MAC
	// fails), or it was rewritten with the HMAC key (the next record's prev,
	// a checkpoint or an off-box checkpoint disagrees).
	DamageEdited DamageKind = "edited"
	// DamageDeleted: records are missing (a gap in the sequence, or the log
	// starts after seq 1 with no signed pruned record covering the start).
	DamageDeleted DamageKind = "deleted"
	// DamageInserted: a record that the chain skips over (forged, or a copy
	// of another record).
	DamageInserted DamageKind = "inserted"
	// DamageReordered: records appear out of sequence order.
	DamageReordered DamageKind = "reordered"
	// DamageTruncated: a segment ends inside a record, or an off-box
	// checkpoint covers records past the end of the log.
	DamageTruncated DamageKind = "truncated"
	// DamageWrongKey: a record's MAC was made with another key than its key
	// id names, or with a key that was not given; a checkpoint signed by
	// another key.
	DamageWrongKey DamageKind = "wrong_key"
	// DamageCorrupt: a line that is not a record.
	DamageCorrupt DamageKind = "corrupt"
	// DamageMissingSegment: records missing exactly between two segment
	// files (a segment deleted), or no segments at all.
	DamageMissingSegment DamageKind = "missing_segment"
	// DamageUnreadable: a segment file could not be opened or read.
	DamageUnreadable DamageKind = "unreadable"
)

// Problem is one place where the log is damaged.
type Problem struct {
	Kind DamageKind `json:"kind"`
	// Seq is the record's sequence number; for missing records, the first
	// one missing.
	Seq uint64 `json:"seq"`
	// Segment and Line locate it (Line 0: the segment as a whole).
	Segment string `json:"segment,omitempty"`
	Line    int    `json:"line,omitempty"`
	Detail  string `json:"detail"`

	ord int // position in the stream, for ordering
}

func (p Problem) String() string {
	loc := p.Segment
	if p.Line > 0 {
		loc = fmt.Sprintf("%s line %d", p.Segment, p.Line)
	}
	if loc == "" {
		loc = "end of log"
	}
	return fmt.Sprintf("seq %d (%s): %s: %s", p.Seq, loc, p.Kind, p.Detail)
}

// VerifyOptions are what the verifier knows.
type VerifyOptions struct {
	// HMACKeys maps key ids to HMAC keys; every key id used in the log must
	// be here or its records are reported as wrong_key. With no keys at all
	// MACs are not checked: the keyless hash chain and the signed
	// checkpoints still authenticate every record up to the last checkpoint,
	// so a verifier holding only the public key checks the anchored log.
	HMACKeys map[string][]byte
	// PublicKey verifies checkpoints and pruned records. Without it their
	// signatures are not checked and the report says so.
	PublicKey ed25519.PublicKey
	// Checkpoints are off-box copies (ParseCheckpoints): the records they
	// cover must be present with the hashes they state.
	Checkpoints []Checkpoint
	// MaxProblems caps Problems (default 100); MoreProblems counts the rest.
	MaxProblems int
}

// Report is what Verify found.
type Report struct {
	Segments int
	// Records counts lines read, damaged ones included.
	Records int
	// FirstSeq and LastSeq are the first and last sequence numbers seen.
	FirstSeq, LastSeq uint64
	// Checkpoints counts in-log checkpoints whose signature verified;
	// UnverifiedCheckpoints those not checked (no public key).
	Checkpoints, UnverifiedCheckpoints int
	// LastCheckpoint is the last verified in-log checkpoint.
	LastCheckpoint *Checkpoint
	// Unanchored counts records after LastCheckpoint: protected by the HMAC
	// only, so someone holding the HMAC key could have rewritten them.
	Unanchored int
	// ExternalCheckpoints counts off-box checkpoints matched against the log.
	ExternalCheckpoints int
	// PrunedUpTo is the last seq removed by retention under a signed pruned
	// record (0: the log starts at seq 1).
	PrunedUpTo uint64
	// Recoveries counts torn records cut at start after crashes; Starts the
	// writer starts.
	Recoveries, Starts int
	// CleanEnd: the log ends with a stop record (and its final checkpoint).
	CleanEnd bool
	// Problems, first one first; MoreProblems counts those past the cap.
	Problems     []Problem
	MoreProblems int
	// Warnings do not fail verification.
	Warnings []string
}

// OK reports whether no damage was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.MoreProblems == 0 }

// Verify checks the log in dir: every record's form, MAC and key id, the
// hash chain and sequence across segments, every checkpoint and pruned
// signature, and opts.Checkpoints. The error is for a directory that cannot
// be read at all; damage, including unreadable segments, is in the report.
func Verify(dir string, opts VerifyOptions) (*Report, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("audit: %s is not a directory", dir)
	}
	return VerifyFS(os.DirFS(dir), opts)
}

// VerifyFS is Verify over a file system holding the segments at its root.
func VerifyFS(fsys fs.FS, opts VerifyOptions) (*Report, error) {
	segs, others, err := listSegments(fsys)
	if err != nil {
		return nil, fmt.Errorf("audit: listing segments: %w", err)
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 100
	}
	v := newVerifier(opts, fsys, segs)
	rep := v.rep
	rep.Segments = len(segs)
	for _, name := range others {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("ignored %s: not a segment file", name))
	}
	for i, s := range segs {
		if s.statErr == nil && s.size == 0 && i < len(segs)-1 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("segment %s is empty", s.name))
		}
	}
	if len(segs) == 0 {
		v.problem(DamageMissingSegment, 0, lineItem{}, 0, "no segment files (audit-*.jsonl) in the directory")
	}
	v.run()
	slices.SortStableFunc(rep.Problems, func(a, b Problem) int { return a.ord - b.ord })
	if len(rep.Problems) > opts.MaxProblems {
		rep.MoreProblems = len(rep.Problems) - opts.MaxProblems
		rep.Problems = rep.Problems[:opts.MaxProblems]
	}
	return rep, nil
}
