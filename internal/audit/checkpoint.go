package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Signature domains: a checkpoint signature can never be replayed as a
// pruned statement or the other way round.
const (
	checkpointDomain = "rampart-audit-checkpoint-v1\n"
	prunedDomain     = "rampart-audit-pruned-v1\n"
)

// Checkpoint is a signed statement "the chain up to record HeadSeq has hash
// HeadHash". It is written into the log as a record with sequence Seq (so
// HeadSeq is Seq-1 and HeadHash its prev) and handed to
// Options.Checkpoints for an off-box copy: with such a copy, cutting or
// rewriting anything up to HeadSeq is detected even by someone who holds
// the HMAC key, because they cannot sign a replacement.
type Checkpoint struct {
	// Seq is the checkpoint record's own sequence number.
	Seq uint64 `json:"seq"`
	// Time is when it was written.
	Time time.Time `json:"time"`
	// HeadSeq and HeadHash (hex SHA-256 of that record's line) are what is signed.
	HeadSeq  uint64 `json:"head_seq"`
	HeadHash string `json:"head_hash"`
	// Signer is SignerID of the public key that verifies Sig.
	Signer string `json:"signer"`
	// Sig is the hex Ed25519 signature of
	// "rampart-audit-checkpoint-v1\n" + HeadSeq + "\n" + HeadHash + "\n".
	Sig string `json:"sig"`
}

// checkpointData is the data of a checkpoint record.
type checkpointData struct {
	HeadSeq  uint64 `json:"head_seq"`
	HeadHash string `json:"head_hash"`
	Signer   string `json:"signer"`
	Sig      string `json:"sig"`
}

// prunedData is the data of a pruned record: segments holding every record
// up to UpToSeq were deleted by retention; UpToHash is that record's hash,
// the prev of the first record that remains. Signed like a checkpoint, so
// an attacker cannot delete the oldest segments and claim retention did it.
type prunedData struct {
	UpToSeq  uint64 `json:"up_to_seq"`
	UpToHash string `json:"up_to_hash"`
	Segments int    `json:"segments"`
	Bytes    int64  `json:"bytes"`
	Signer   string `json:"signer"`
	Sig      string `json:"sig"`
}

func signedMessage(domain string, seq uint64, hash string) []byte {
	m := make([]byte, 0, len(domain)+24+len(hash))
	m = append(m, domain...)
	m = strconv.AppendUint(m, seq, 10)
	m = append(m, '\n')
	m = append(m, hash...)
	return append(m, '\n')
}

func signStatement(priv ed25519.PrivateKey, domain string, seq uint64, hash string) string {
	return hex.EncodeToString(ed25519.Sign(priv, signedMessage(domain, seq, hash)))
}

// errSignature and errSigner say why a signed statement did not verify.
var (
	errSignature = errors.New("signature does not verify")
	errSigner    = errors.New("signed by another key")
)

func verifyStatement(pub ed25519.PublicKey, domain string, seq uint64, hash, signer, sig string) error {
	if signer != SignerID(pub) {
		return fmt.Errorf("%w: signer %q, public key is %q", errSigner, signer, SignerID(pub))
	}
	s, err := hex.DecodeString(sig)
	if err != nil || len(s) != ed25519.SignatureSize {
		return errSignature
	}
	if !ed25519.Verify(pub, signedMessage(domain, seq, hash), s) {
		return errSignature
	}
	return nil
}

// Verify checks the checkpoint's signature under pub.
func (c Checkpoint) Verify(pub ed25519.PublicKey) error {
	return verifyStatement(pub, checkpointDomain, c.HeadSeq, c.HeadHash, c.Signer, c.Sig)
}

// CheckpointEventKind is the Event kind Checkpoint.Event uses.
const CheckpointEventKind = "audit.checkpoint"

// Event returns the checkpoint as an Event for the event sinks (a SIEM
// keeps the off-box copy); ParseCheckpoints reads it back from their output.
func (c Checkpoint) Event() pipeline.Event {
	return pipeline.Event{
		Time:     c.Time,
		Kind:     CheckpointEventKind,
		Severity: pipeline.SeverityInfo,
		Message:  "audit log checkpoint",
		Evidence: map[string]string{
			"seq":       strconv.FormatUint(c.Seq, 10),
			"head_seq":  strconv.FormatUint(c.HeadSeq, 10),
			"head_hash": c.HeadHash,
			"signer":    c.Signer,
			"sig":       c.Sig,
		},
	}
}

// ParseCheckpoints reads off-box checkpoint copies from JSON lines: the
// Checkpoint JSON itself, or any JSON document holding an object with
// head_seq, head_hash, signer and sig fields at any depth (an event sink's
// ECS line keeps them under rampart.evidence). Lines without one are
// skipped; the count of checkpoints found is len of the result. Signatures
// are checked by Verify, not here.
func ParseCheckpoints(r io.Reader) ([]Checkpoint, error) {
	var out []Checkpoint
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	for sc.Scan() {
		var v any
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber() // sequence numbers may exceed float64's 2^53
		if dec.Decode(&v) != nil {
			continue
		}
		if c, ok := findCheckpoint(v, 0); ok {
			out = append(out, c)
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("audit: reading checkpoints: %w", err)
	}
	return out, nil
}

// maxJSONDepth bounds the search in attacker-influenced SIEM exports.
const maxJSONDepth = 16

func findCheckpoint(v any, depth int) (Checkpoint, bool) {
	if depth > maxJSONDepth {
		return Checkpoint{}, false
	}
	switch t := v.(type) {
	case map[string]any:
		if c, ok := checkpointFromMap(t); ok {
			return c, true
		}
		for _, child := range t {
			if c, ok := findCheckpoint(child, depth+1); ok {
				return c, true
			}
		}
	case []any:
		for _, child := range t {
			if c, ok := findCheckpoint(child, depth+1); ok {
				return c, true
			}
		}
	}
	return Checkpoint{}, false
}

func checkpointFromMap(m map[string]any) (Checkpoint, bool) {
	var c Checkpoint
	var ok1, ok2, ok3, ok4 bool
	c.HeadSeq, ok1 = jsonUint(m["head_seq"])
	c.HeadHash, ok2 = m["head_hash"].(string)
	c.Signer, ok3 = m["signer"].(string)
	c.Sig, ok4 = m["sig"].(string)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return Checkpoint{}, false
	}
	c.Seq, _ = jsonUint(m["seq"])
	if s, ok := m["time"].(string); ok {
		c.Time, _ = time.Parse(time.RFC3339Nano, s)
	}
	return c, true
}

// jsonUint reads a number or a decimal string (event evidence is strings).
func jsonUint(v any) (uint64, bool) {
	switch t := v.(type) {
	case json.Number:
		n, err := strconv.ParseUint(t.String(), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseUint(t, 10, 64)
		return n, err == nil
	}
	return 0, false
}
