package audit

import (
	"fmt"
	"os"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Retention deletes whole closed segments, oldest first, while they are
// older than RetainMaxAge (by last write) or the log is larger than
// RetainMaxBytes. Before deleting anything it appends, and fsyncs, a
// "pruned" record signed with the checkpoint key: "every record up to seq N
// is gone; record N's hash was H". H is the prev of the first record that
// remains, so the verifier can start the chain there; without such a
// signed statement a log that does not start at seq 1 is reported as
// deleted. The record goes first: a crash between it and the deletion
// leaves a statement about records still present, which verifies, while
// the other order would leave an unexplained hole.

// retain runs retention; errors are logged, never fatal.
func (l *Log) retain(now time.Time) {
	if l.cfg.RetainMaxAge == 0 && l.cfg.RetainMaxBytes == 0 {
		return
	}
	w := &l.w
	segs, _, err := listSegments(os.DirFS(l.cfg.Dir))
	if err != nil {
		l.log.Error("audit: retention: listing segments", "error", err)
		return
	}
	var total int64
	for _, s := range segs {
		total += s.size
	}
	cut := 0
	for i, s := range segs {
		if s.name >= w.segName || s.statErr != nil {
			break // never the live segment, nor anything odd
		}
		old := l.cfg.RetainMaxAge > 0 && now.Sub(s.modTime) > l.cfg.RetainMaxAge
		big := l.cfg.RetainMaxBytes > 0 && total > l.cfg.RetainMaxBytes
		if !old && !big {
			break
		}
		total -= s.size
		cut = i + 1
	}
	if cut == 0 || cut >= len(segs) {
		return
	}
	removed, ok := l.prune(segs[:cut], segs[cut].name)
	if ok && removed > 0 && removed < cut {
		// A removal failed part way: the log now starts at segs[removed],
		// which needs its own signed statement.
		l.prune(segs[:removed], segs[removed].name)
	}
}

// prune writes a signed pruned record for the segments in old (the oldest
// segments, in order) and removes them oldest first, stopping at the first
// failure so the remaining segments stay contiguous. next is the first
// segment that stays. It returns how many were removed and whether the
// pruned record was written.
func (l *Log) prune(old []segmentInfo, next string) (int, bool) {
	w := &l.w
	now := l.cfg.Now()
	first, err := firstRecord(os.DirFS(l.cfg.Dir), next)
	if err != nil || first.rec.Seq == 0 {
		// Never delete what the next segment cannot be chained to.
		l.log.Error("audit: retention: cannot read the first record after the pruned segments", "segment", next, "error", err)
		return 0, false
	}
	var bytes int64
	for _, s := range old {
		bytes += s.size
	}
	upTo, upHash := first.rec.Seq-1, first.rec.Prev
	d := prunedData{UpToSeq: upTo, UpToHash: upHash, Segments: len(old), Bytes: bytes, Signer: w.signer,
		Sig: signStatement(w.priv, prunedDomain, upTo, upHash)}
	if !l.commit([]*entry{{kind: KindPruned, sync: true, data: marshalData(d)}}) {
		return 0, false
	}
	removed := 0
	for _, s := range old {
		if err := os.Remove(segmentPath(l.cfg.Dir, s.name)); err != nil {
			l.log.Error("audit: retention: removing segment", "segment", s.name, "error", err)
			break
		}
		removed++
	}
	if err := syncDir(l.cfg.Dir); err != nil {
		l.log.Error("audit: retention: syncing directory", "error", err)
	}
	if removed == len(old) {
		l.log.Info("audit: pruned old segments", "segments", removed, "up_to_seq", upTo)
		l.emit(pipeline.Event{
			Time: now, Kind: "audit.pruned", Severity: pipeline.SeverityInfo,
			Message:  "audit log retention removed old segments",
			Evidence: map[string]string{"segments": fmt.Sprint(removed), "up_to_seq": fmt.Sprint(upTo), "up_to_hash": upHash},
		})
	}
	return removed, true
}
