package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// The writer goroutine owns the segment file and the chain. It takes
// whatever is queued (up to maxBatch records), appends every record to one
// buffer, writes it with one write(2) and, with fsync always, fsyncs once
// before acknowledging the whole batch: group commit, so N waiting
// producers cost one fsync, not N.

const (
	maxBatch = 2048
	// Retry backoff while writes fail (a full disk, an I/O error).
	minBackoff = 50 * time.Millisecond
	maxBackoff = 5 * time.Second
	// noticeEvery rate-limits "audit.dropped" notices.
	noticeEvery = time.Second
)

// chainState is everything a failed write must roll back.
type chainState struct {
	next    uint64
	head    [sha256.Size]byte
	sinceCP int
	lastCP  time.Time
	kid     string
	key     []byte
	mac     hash.Hash
}

type selfEvent struct {
	ev      pipeline.Event
	emitted bool
}

type writerState struct {
	chain  chainState
	priv   ed25519.PrivateKey
	signer string

	seg      segmentFile
	segName  string
	size     int64 // committed bytes in seg
	segStart time.Time
	// damaged: a failed write could not be cut back; repair before writing.
	damaged bool

	buf []byte
	ts  []byte
	cps []Checkpoint
	// heldCPs are written checkpoints waiting for an fsync before they go
	// off the box (fsync interval): a power loss must not leave an off-box
	// copy claiming more than the disk holds.
	heldCPs []Checkpoint
	// selfEvents are the log's own notices, recorded at the head of the
	// next successful batch and then emitted unless already emitted.
	selfEvents []selfEvent
	lastNotice time.Time

	dirty     bool
	lastSync  time.Time
	retainDue bool
	forceCP   bool

	// retry holds the batch that failed (non-nil while failing).
	retry    []*entry
	backoff  time.Duration
	failedAt time.Time
}

func (w *writerState) init(cfg Config, t tailState, now time.Time) {
	w.chain = chainState{next: t.next, head: t.head, lastCP: now, kid: cfg.KeyID, key: cfg.HMACKey, mac: newMAC(cfg.HMACKey)}
	w.priv = cfg.SigningKey
	w.signer = SignerID(cfg.SigningKey.Public().(ed25519.PublicKey))
	w.lastSync = now
}

// run is the writer goroutine.
func (l *Log) run() {
	defer close(l.done)
	ticker := time.NewTicker(l.cfg.tickPeriod())
	defer ticker.Stop()
	batch := make([]*entry, 0, maxBatch)
	for {
		if l.w.retry != nil {
			timer := time.NewTimer(l.w.backoff)
			select {
			case <-timer.C:
				l.commit(l.w.retry)
			case <-l.closing:
				timer.Stop()
				l.shutdown(batch)
				return
			}
			continue
		}
		select {
		case e := <-l.queue:
			l.commit(l.fill(append(batch[:0], e)))
		case <-ticker.C:
			l.tick()
		case <-l.closing:
			l.shutdown(batch)
			return
		}
	}
}

// fill adds whatever else is queued, without waiting.
func (l *Log) fill(batch []*entry) []*entry {
	for len(batch) < maxBatch {
		select {
		case e := <-l.queue:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// commit writes batch (and any due notices and checkpoints) as one write,
// fsyncs when the policy or a record asks, and acknowledges. On failure it
// rolls the chain back, keeps the batch for retry and reports false.
func (l *Log) commit(batch []*entry) bool {
	w := &l.w
	now := l.cfg.Now()
	if w.damaged {
		// Cut the remains of a failed write first, so no segment ever keeps
		// half a record, not even one about to be rotated away.
		if err := w.seg.Truncate(w.size); err != nil {
			l.fail(fmt.Errorf("audit: cutting a failed write: %w", err), batch, now)
			return false
		}
		w.damaged = false
	}
	if w.seg == nil || (w.size > 0 && (w.size >= l.cfg.SegmentMaxBytes || now.Sub(w.segStart) >= l.cfg.SegmentMaxAge)) {
		if err := l.rotate(now); err != nil {
			l.fail(err, batch, now)
			return false
		}
	}
	snap := w.chain
	sync := l.cfg.Fsync == FsyncAlways || w.retry != nil
	w.buf, w.cps = w.buf[:0], w.cps[:0]
	if n := l.dropsPending.Load(); n > 0 && now.Sub(w.lastNotice) >= noticeEvery {
		w.lastNotice = now
		w.selfEvents = append(w.selfEvents, selfEvent{ev: droppedEvent(l.dropsPending.Swap(0), now)})
	}
	for i := range w.selfEvents {
		l.appendRecord(now, KindEvent, marshalData(newEventData(&w.selfEvents[i].ev, *l.hasher.Load())))
	}
	for _, e := range batch {
		switch {
		case e.key != nil:
			from := w.chain.kid
			w.chain.kid, w.chain.key, w.chain.mac = e.key.kid, e.key.key, newMAC(e.key.key)
			e.seq = l.appendRecord(now, KindAdmin, marshalData(adminData{Action: "audit.key_rotated", Fields: map[string]string{"from": from, "to": e.key.kid}}))
			sync = true
		case e.flush:
			sync = true
			e.seq = w.chain.next - 1
		default:
			e.seq = l.appendRecord(now, e.kind, e.data)
			sync = sync || e.sync
		}
		if w.chain.sinceCP >= l.cfg.CheckpointEvery {
			l.appendCheckpoint(now)
		}
	}
	if w.forceCP && w.chain.sinceCP > 0 {
		l.appendCheckpoint(now)
	}
	start, sizeBefore := time.Now(), w.size
	err := l.write()
	if err == nil && sync && (len(w.buf) > 0 || w.dirty || w.retry != nil) {
		if err = w.seg.Sync(); err != nil {
			err = fmt.Errorf("audit: fsync %s: %w", w.segName, err)
		}
	}
	if err != nil {
		// Roll back the chain and cut the file back, so the retry writes
		// the batch again from scratch. After a failed fsync the kernel may
		// have dropped the pages and cleared the error: rewriting, not
		// retrying the fsync, is what makes the retry safe.
		w.chain = snap
		l.cutBack(sizeBefore)
		l.fail(err, batch, now)
		return false
	}
	if l.opts.WriteLatency != nil && len(w.buf) > 0 {
		l.opts.WriteLatency(time.Since(start))
	}
	l.written.Add(w.chain.next - snap.next)
	l.committed(batch, sync, now)
	return true
}

// write writes the buffer. A failed or partial write is cut back by commit
// so the segment never keeps half a record in the middle of the chain.
func (l *Log) write() error {
	w := &l.w
	if len(w.buf) == 0 {
		return nil
	}
	n, err := w.seg.Write(w.buf)
	if err == nil && n != len(w.buf) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(w.buf))
	}
	if err != nil {
		return fmt.Errorf("audit: writing %s: %w", w.segName, err)
	}
	w.size += int64(n)
	return nil
}

// cutBack truncates the segment to size, its length before a failed batch;
// if that fails too, the next attempt repairs it before writing.
func (l *Log) cutBack(size int64) {
	w := &l.w
	w.size = size
	if err := w.seg.Truncate(size); err != nil {
		w.damaged = true
	}
}

// committed does the bookkeeping of a successful batch.
func (l *Log) committed(batch []*entry, synced bool, now time.Time) {
	w := &l.w
	last := w.chain.next - 1
	l.lastSeq.Store(last)
	if len(w.buf) > 0 {
		w.dirty = true
	}
	w.heldCPs = append(w.heldCPs, w.cps...)
	switch {
	case synced:
		l.synced(now)
	case l.cfg.Fsync == FsyncNever:
		// Nothing waits for an fsync that only rotation and Close do.
		l.forwardCheckpoints()
	}
	for _, se := range w.selfEvents {
		if !se.emitted {
			l.emit(se.ev)
		}
	}
	w.selfEvents = w.selfEvents[:0]
	for _, e := range batch {
		if e.done != nil {
			e.done <- ack{seq: e.seq}
		}
	}
	if w.retry != nil {
		l.recovered(now)
	}
	if l.opts.QueueDepth != nil {
		l.opts.QueueDepth(len(l.queue))
	}
	if w.retainDue {
		w.retainDue = false
		l.retain(now)
	}
}

// synced notes that everything written is durable and sends the held
// checkpoints off the box.
func (l *Log) synced(now time.Time) {
	w := &l.w
	w.dirty, w.lastSync = false, now
	l.syncedSeq.Store(w.chain.next - 1)
	l.forwardCheckpoints()
}

func (l *Log) forwardCheckpoints() {
	w := &l.w
	for _, cp := range w.heldCPs {
		if l.opts.Checkpoints != nil {
			l.notify(func() { l.opts.Checkpoints(cp) })
		}
	}
	w.heldCPs = w.heldCPs[:0]
}

// appendRecord appends one sealed record line to the buffer and advances
// the chain; it returns the record's sequence number.
func (l *Log) appendRecord(now time.Time, kind Kind, data []byte) uint64 {
	w := &l.w
	seq := w.chain.next
	var prev [2 * sha256.Size]byte
	hex.Encode(prev[:], w.chain.head[:])
	w.ts = now.UTC().AppendFormat(w.ts[:0], time.RFC3339Nano)
	start := len(w.buf)
	w.buf = appendBody(w.buf, seq, w.ts, kind, data, prev[:], w.chain.kid)
	mac := recordMAC(w.chain.mac, w.buf[start:], nil)
	w.buf = sealLine(w.buf, mac)
	w.chain.head = sha256.Sum256(w.buf[start:])
	w.buf = append(w.buf, '\n')
	w.chain.next++
	if kind != KindCheckpoint {
		w.chain.sinceCP++
	}
	return seq
}

// appendCheckpoint signs the current head and appends the checkpoint.
func (l *Log) appendCheckpoint(now time.Time) {
	w := &l.w
	headSeq, headHash := w.chain.next-1, hex.EncodeToString(w.chain.head[:])
	d := checkpointData{HeadSeq: headSeq, HeadHash: headHash, Signer: w.signer,
		Sig: signStatement(w.priv, checkpointDomain, headSeq, headHash)}
	seq := l.appendRecord(now, KindCheckpoint, marshalData(d))
	w.chain.sinceCP, w.chain.lastCP = 0, now
	w.cps = append(w.cps, Checkpoint{Seq: seq, Time: now.UTC(), HeadSeq: headSeq, HeadHash: headHash, Signer: w.signer, Sig: d.Sig})
}

// rotate closes the current segment (fsynced: a rotation is a durability
// point in every policy) and starts the next, named after the next record.
func (l *Log) rotate(now time.Time) error {
	w := &l.w
	if w.seg != nil {
		if err := w.seg.Sync(); err != nil {
			return fmt.Errorf("audit: syncing %s before rotation: %w", w.segName, err)
		}
		l.synced(now)
		if err := w.seg.Close(); err != nil {
			l.log.Warn("audit: closing segment", "segment", w.segName, "error", err)
		}
		w.seg = nil
	}
	name := segmentName(w.chain.next)
	f, err := l.open(segmentPath(l.cfg.Dir, name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, segmentMode)
	if err != nil {
		return fmt.Errorf("audit: creating segment %s: %w", name, err)
	}
	w.seg, w.segName, w.size, w.segStart, w.damaged = f, name, 0, now, false
	if err := syncDir(l.cfg.Dir); err != nil {
		return fmt.Errorf("audit: syncing %s: %w", l.cfg.Dir, err)
	}
	w.retainDue = true
	return nil
}

// fail records a failed write and keeps batch for retry.
func (l *Log) fail(err error, batch []*entry, now time.Time) {
	w := &l.w
	if w.retry == nil || len(batch) > 0 && (len(w.retry) == 0 || &w.retry[0] != &batch[0]) {
		// Copy: run reuses its batch slice.
		w.retry = append(make([]*entry, 0, len(batch)), batch...)
	}
	w.backoff = min(max(2*w.backoff, minBackoff), maxBackoff)
	l.failures.Add(1)
	l.setErr(err)
	if l.opts.Failed != nil {
		l.opts.Failed(err)
	}
	if l.failing.Load() {
		return
	}
	w.failedAt = now
	l.failing.Store(true)
	close(*l.failSig.Load())
	l.log.Error("audit: cannot write the audit log; retrying", "error", err)
	l.emit(pipeline.Event{
		Time: now, Kind: "audit.write_failed", Severity: pipeline.SeverityHigh,
		Message:  "audit log cannot write; records are held and retried, new ones dropped when the queue is full",
		Evidence: map[string]string{"error": clip(err.Error(), maxTextField)},
	})
}

// recovered ends a failure episode after a successful write.
func (l *Log) recovered(now time.Time) {
	w := &l.w
	w.retry, w.backoff = nil, 0
	sig := make(chan struct{})
	l.failSig.Store(&sig)
	l.failing.Store(false)
	l.log.Info("audit: writing again", "failed_for", now.Sub(w.failedAt))
	ev := pipeline.Event{
		Time: now, Kind: "audit.write_recovered", Severity: pipeline.SeverityMedium,
		Message:  "audit log writes again after a failure",
		Evidence: map[string]string{"since": w.failedAt.UTC().Format(time.RFC3339Nano), "error": clip(l.lastError().Error(), maxTextField)},
	}
	// Emitted now; recorded in the next batch (this one is already written).
	l.emit(ev)
	w.selfEvents = append(w.selfEvents, selfEvent{ev: ev, emitted: true})
	l.setErr(nil)
}

func droppedEvent(n uint64, now time.Time) pipeline.Event {
	return pipeline.Event{
		Time: now, Kind: "audit.dropped", Severity: pipeline.SeverityHigh,
		Message:  "audit records were dropped (queue full, writer failing or log closed)",
		Evidence: map[string]string{"count": fmt.Sprint(n)},
	}
}

// tick runs the timers: interval checkpoints, drop notices, segment age,
// interval fsync.
func (l *Log) tick() {
	w := &l.w
	now := l.cfg.Now()
	cpDue := w.chain.sinceCP > 0 && now.Sub(w.chain.lastCP) >= l.cfg.CheckpointInterval
	noticeDue := l.dropsPending.Load() > 0 && now.Sub(w.lastNotice) >= noticeEvery
	ageDue := w.size > 0 && now.Sub(w.segStart) >= l.cfg.SegmentMaxAge
	if cpDue || noticeDue || ageDue {
		w.forceCP = cpDue
		ok := l.commit(nil)
		w.forceCP = false
		if !ok {
			return
		}
	}
	if l.cfg.Fsync == FsyncInterval && w.dirty && now.Sub(w.lastSync) >= l.cfg.FsyncInterval {
		if err := w.seg.Sync(); err != nil {
			// The kernel may have dropped the unsynced pages and cleared the
			// error; the retry path fsyncs again, which is the best a
			// process can do (see docs/audit.md, fsync failures).
			l.fail(fmt.Errorf("audit: fsync %s: %w", w.segName, err), nil, now)
			return
		}
		l.synced(now)
	}
	if l.opts.QueueDepth != nil {
		l.opts.QueueDepth(len(l.queue))
	}
}

// shutdown drains the queue, writes the stop record and a final checkpoint
// and closes the segment. Producers can no longer enqueue (Close set closed
// before signalling), so draining until empty drains everything.
func (l *Log) shutdown(batch []*entry) {
	w := &l.w
	if w.retry != nil {
		l.commit(w.retry)
	}
	for w.retry == nil {
		batch = l.fill(batch[:0])
		if len(batch) == 0 {
			break
		}
		l.commit(batch)
	}
	if w.retry == nil {
		w.forceCP = true
		stop := &entry{kind: KindStop, sync: true, data: marshalData(stopData{Written: l.written.Load(), Dropped: l.dropped.Load()})}
		l.commit([]*entry{stop})
		w.forceCP = false
	}
	if w.retry != nil {
		err := fmt.Errorf("audit: closing with unwritten records: %w", l.lastError())
		l.closeErr = err
		for _, e := range append(w.retry, l.fill(batch[:0])...) {
			if e.kind != KindStop && !e.flush && e.key == nil {
				l.dropped.Add(1)
			}
			if e.done != nil {
				e.done <- ack{err: err}
			}
		}
	}
	if w.seg != nil {
		if err := w.seg.Close(); err != nil && l.closeErr == nil {
			l.closeErr = fmt.Errorf("audit: closing %s: %w", w.segName, err)
		}
	}
}
