package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// The verifier's checks of what records say (checkpoints, pruned records)
// and of the log as a whole once every record was read.

func (v *verifier) checkCheckpoint(e *scanEntry) {
	var d checkpointData
	if err := json.Unmarshal(e.p.rec.Data, &d); err != nil {
		v.problem(DamageCorrupt, e.seq(), e.item, e.ord, "checkpoint data does not decode: %v", err)
		return
	}
	if d.HeadSeq != e.seq()-1 || d.HeadHash != e.p.rec.Prev {
		v.problem(DamageEdited, e.seq(), e.item, e.ord, "checkpoint claims head %d/%s but follows record %d/%s", d.HeadSeq, short(d.HeadHash), e.seq()-1, short(e.p.rec.Prev))
		return
	}
	if v.opts.PublicKey == nil {
		v.rep.UnverifiedCheckpoints++
		return
	}
	if err := verifyStatement(v.opts.PublicKey, checkpointDomain, d.HeadSeq, d.HeadHash, d.Signer, d.Sig); err != nil {
		v.signatureProblem(e, "checkpoint", err)
		return
	}
	v.rep.Checkpoints++
	v.rep.LastCheckpoint = &Checkpoint{Seq: e.seq(), Time: e.p.time, HeadSeq: d.HeadSeq, HeadHash: d.HeadHash, Signer: d.Signer, Sig: d.Sig}
	v.afterCP = 0
}

func (v *verifier) checkPruned(e *scanEntry) {
	var d prunedData
	if err := json.Unmarshal(e.p.rec.Data, &d); err != nil {
		v.problem(DamageCorrupt, e.seq(), e.item, e.ord, "pruned data does not decode: %v", err)
		return
	}
	if v.opts.PublicKey != nil {
		if err := verifyStatement(v.opts.PublicKey, prunedDomain, d.UpToSeq, d.UpToHash, d.Signer, d.Sig); err != nil {
			v.signatureProblem(e, "pruned record", err)
			return
		}
	}
	v.prunedCover[d.UpToSeq] = d.UpToHash
}

func (v *verifier) signatureProblem(e *scanEntry, what string, err error) {
	if errors.Is(err, errSigner) {
		v.problem(DamageWrongKey, e.seq(), e.item, e.ord, "%s %v", what, err)
		return
	}
	v.problem(DamageEdited, e.seq(), e.item, e.ord, "%s signature does not verify: forged or altered", what)
}

func (v *verifier) finish() {
	rep := v.rep
	for kid, i := range v.unknownKids {
		if n := v.unknownCounts[kid]; n > 1 && *i < len(rep.Problems) {
			rep.Problems[*i].Detail += fmt.Sprintf(" (%d records use this key id)", n)
		}
	}
	if f := v.first; f != nil && (f.seq() != 1 || f.p.rec.Prev != genesisHash) && f.mac != macBad {
		if h, ok := v.prunedCover[f.seq()-1]; ok && h == f.p.rec.Prev && f.seq() > 1 {
			rep.PrunedUpTo = f.seq() - 1
		} else {
			v.problem(DamageDeleted, f.seq()-1, f.item, f.ord,
				"the log starts at seq %d and no signed pruned record covers the records before it: the oldest records were deleted", f.seq())
		}
	}
	if len(v.pending) > 0 {
		seqs := slices.Sorted(maps.Keys(v.pending))
		p := v.pending[seqs[0]]
		v.problem(DamageDeleted, v.expSeq, p.item, p.ord, "%s never appear; records from seq %d came early", seqRange(v.expSeq, seqs[0]-1), seqs[0])
	}
	v.checkEnd()
	rep.CleanEnd = v.lastKind == KindStop || (v.lastKind == KindCheckpoint && v.prevKind == KindStop)
	rep.Unanchored = v.afterCP
	if rep.Records > 0 && !rep.CleanEnd {
		v.warn("the log does not end with a stop record: the writer is running or crashed, or records after seq %d were cut (only an off-box checkpoint can tell)", rep.LastSeq)
	}
	if rep.Unanchored > 0 && v.opts.PublicKey != nil {
		from := uint64(1)
		if rep.LastCheckpoint != nil {
			from = rep.LastCheckpoint.Seq + 1
		}
		v.warn("%d records after the last verified checkpoint (seq %d to %d) are protected only by the HMAC: someone holding the HMAC key could rewrite them undetected", rep.Unanchored, from, rep.LastSeq)
	}
	if v.opts.PublicKey == nil {
		v.warn("no public key given: checkpoint and pruned-record signatures were not verified")
	}
	if len(v.macs) == 0 {
		v.warn("no HMAC key given: record MACs were not checked; records are authenticated only through the hash chain up to the last verified checkpoint")
	}
	v.extraProblems()
}

// checkEnd compares the end of the log with the off-box checkpoints left.
func (v *verifier) checkEnd() {
	var beyond *Checkpoint
	for _, c := range v.wanted {
		switch {
		case c.HeadSeq > v.rep.LastSeq:
			if beyond == nil || c.HeadSeq > beyond.HeadSeq {
				beyond = &c
			}
		case c.HeadSeq < v.rep.FirstSeq:
			v.warn("off-box checkpoint for seq %d is older than the log's first record (pruned)", c.HeadSeq)
		default:
			v.warn("off-box checkpoint for seq %d: that record is missing from the log", c.HeadSeq)
		}
	}
	if beyond != nil {
		v.problem(DamageTruncated, v.rep.LastSeq+1, v.lastItem, v.ord,
			"the log ends at seq %d but an off-box checkpoint (signed %s) covers seq %d: at least %d records were cut from the end",
			v.rep.LastSeq, beyond.Time.Format("2006-01-02T15:04:05Z07:00"), beyond.HeadSeq, beyond.HeadSeq-v.rep.LastSeq)
	}
}

func (v *verifier) extraProblems() {
	v.rep.MoreProblems += v.extra
}

func seqRange(from, to uint64) string {
	if from == to {
		return fmt.Sprintf("record %d is", from)
	}
	return fmt.Sprintf("records %d to %d are", from, to)
}

// short abbreviates a hex hash for messages.
func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
