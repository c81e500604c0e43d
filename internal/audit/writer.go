package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Errors returned by the synchronous record calls.
var (
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("audit: log closed")
	// ErrDropped: the queue was full (on_full drop) or the writer is failing.
	ErrDropped = errors.New("audit: record dropped")
	// ErrUnhealthy wraps the write error while the log cannot write.
	ErrUnhealthy = errors.New("audit: log cannot write")
)

// adminWait bounds how long Admin waits for its record to be committed.
const adminWait = 5 * time.Second

// Log is an open audit log. It is a pipeline.OutcomeSink and EventSink; all
// methods are safe for concurrent use.
//
// What "acknowledged" means: a synchronous call (RecordOutcome, RecordEvent,
// RecordAdmin, Admin, Flush) returns only once its record is written; with
// fsync "always" that includes the fsync, so the record survives a power
// loss, and with "interval" or "never" it survives a crash of the process
// (the kernel holds it) but a power loss may take up to the last fsync
// interval. WriteOutcome and WriteEvent never wait: their records are
// acknowledged to nobody and a crash loses whatever was still queued.
type Log struct {
	cfg  Config
	opts Options
	log  *slog.Logger
	open func(name string, flag int, perm os.FileMode) (segmentFile, error)
	lock *os.File

	// mu orders producers against Close: a producer holds it shared while
	// enqueueing, Close exclusively to stop new records.
	mu     sync.RWMutex
	closed bool

	queue   chan *entry
	closing chan struct{}
	done    chan struct{}
	// notes carries callbacks (checkpoints, events) to their own goroutine
	// so a slow or re-entrant callback never stalls the writer.
	notes     chan func()
	notesDone chan struct{}

	// failing is set while writes fail; failSig is closed when it is set,
	// releasing producers blocked on a full queue.
	failing  atomic.Bool
	failSig  atomic.Pointer[chan struct{}]
	errMu    sync.Mutex
	lastErr  error
	closeErr error

	hasher atomic.Pointer[secretHasher]

	written, dropped, failures atomic.Uint64
	dropsPending               atomic.Uint64
	lastSeq, syncedSeq         atomic.Uint64

	w writerState // owned by the writer goroutine
}

var (
	_ pipeline.OutcomeSink = (*Log)(nil)
	_ pipeline.EventSink   = (*Log)(nil)
	_ io.Closer            = (*Log)(nil)
)

// entry is one request to the writer.
type entry struct {
	kind Kind
	data []byte
	// done receives the outcome; nil when nobody waits.
	done chan ack
	// flush asks for everything before it to be fsynced.
	flush bool
	// sync forces an fsync of the batch holding this record.
	sync bool
	key  *keyChange
	// seq is set by the writer.
	seq uint64
}

type ack struct {
	seq uint64
	err error
}

type keyChange struct {
	kid string
	key []byte
}

// startData is the data of a start record.
type startData struct {
	PID      int    `json:"pid"`
	Previous string `json:"previous"`
	Signer   string `json:"signer"`
	Fsync    string `json:"fsync"`
}

// stopData is the data of a stop record.
type stopData struct {
	Written uint64 `json:"written"`
	Dropped uint64 `json:"dropped"`
}

// Open opens (or creates) the log in cfg.Dir, cuts a torn last record left
// by a crash (recording that it did), writes a start record and starts the
// writer. It fails if another process has the directory open.
func Open(cfg Config, opts Options) (*Log, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, dirMode); err != nil {
		return nil, fmt.Errorf("audit: creating %s: %w", cfg.Dir, err)
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	l, err := openLocked(cfg, opts, lock)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return l, nil
}

func openLocked(cfg Config, opts Options, lock *os.File) (*Log, error) {
	tail, err := recoverTail(cfg.Dir)
	if err != nil {
		return nil, err
	}
	l := &Log{
		cfg: cfg, opts: opts, log: opts.Logger, open: opts.openFile, lock: lock,
		queue: make(chan *entry, cfg.QueueSize), closing: make(chan struct{}), done: make(chan struct{}),
		notes: make(chan func(), 256), notesDone: make(chan struct{}),
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.open == nil {
		l.open = openOSFile
	}
	sig := make(chan struct{})
	l.failSig.Store(&sig)
	h := newSecretHasher(cfg.HMACKey)
	l.hasher.Store(&h)
	now := cfg.Now()
	l.w.init(cfg, tail, now)
	if tail.seg.name != "" {
		f, err := l.open(segmentPath(cfg.Dir, tail.seg.name), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return nil, fmt.Errorf("audit: opening last segment: %w", err)
		}
		l.w.seg, l.w.segName, l.w.size, l.w.segStart = f, tail.seg.name, tail.size, tail.segStart
	}
	var first []*entry
	if tail.cut != nil {
		first = append(first, &entry{kind: KindRecovered, data: marshalData(tail.cut)})
	}
	first = append(first, &entry{kind: KindStart, sync: true, data: marshalData(startData{
		PID: os.Getpid(), Previous: tail.previous, Signer: l.w.signer, Fsync: cfg.Fsync,
	})})
	l.w.retainDue = true
	if !l.commit(first) {
		err := l.lastError()
		if l.w.seg != nil {
			l.w.seg.Close()
		}
		return nil, fmt.Errorf("audit: writing start record: %w", err)
	}
	go l.runNotes()
	go l.run()
	if c := tail.cut; c != nil {
		l.log.Warn("audit: cut a torn record left by a crash", "segment", c.Segment, "offset", c.Offset, "bytes", c.Bytes)
		l.emit(pipeline.Event{
			Time: now, Kind: "audit.recovered", Severity: pipeline.SeverityMedium,
			Message: "audit log: a torn record left by a crash was cut",
			Evidence: map[string]string{
				"segment": c.Segment, "offset": fmt.Sprint(c.Offset), "bytes": fmt.Sprint(c.Bytes),
				"sha256": c.SHA256, "last_seq": fmt.Sprint(c.LastSeq),
			},
		})
	}
	return l, nil
}

// WriteOutcome records o (if the outcomes setting selects it) without
// waiting. It copies what it keeps before returning.
func (l *Log) WriteOutcome(o *pipeline.Outcome) {
	if o == nil || !l.wantOutcome(o.Verdict) {
		return
	}
	_ = l.enqueue(&entry{kind: KindOutcome, data: encodeOutcome(o)})
}

// RecordOutcome records o and waits until it is committed; it returns the
// record's sequence number, or 0 and nil when the outcomes setting skips o.
func (l *Log) RecordOutcome(ctx context.Context, o *pipeline.Outcome) (uint64, error) {
	if o == nil || !l.wantOutcome(o.Verdict) {
		return 0, nil
	}
	return l.submit(ctx, &entry{kind: KindOutcome, data: encodeOutcome(o)})
}

// WriteEvent records e without waiting. Events whose kind starts with
// "audit." came from this log (Options.EmitEvent) and are already recorded.
func (l *Log) WriteEvent(e *pipeline.Event) {
	if e == nil || strings.HasPrefix(e.Kind, "audit.") {
		return
	}
	_ = l.enqueue(&entry{kind: KindEvent, data: marshalData(newEventData(e, *l.hasher.Load()))})
}

// RecordEvent records e and waits until it is committed.
func (l *Log) RecordEvent(ctx context.Context, e *pipeline.Event) (uint64, error) {
	if e == nil {
		return 0, errors.New("audit: nil event")
	}
	return l.submit(ctx, &entry{kind: KindEvent, data: marshalData(newEventData(e, *l.hasher.Load()))})
}

// Admin records an administrative action (a ban, a revocation, a key
// change, a reload) and waits up to 5s for it to be committed. Values of
// secret-looking fields are hashed (see Redact). Its signature fits
// admin.Options.OnAction; failures are counted and logged.
func (l *Log) Admin(action string, fields map[string]string) {
	ctx, cancel := context.WithTimeout(context.Background(), adminWait)
	defer cancel()
	if _, err := l.RecordAdmin(ctx, action, fields); err != nil {
		l.log.Error("audit: admin action not recorded", "action", action, "error", err)
	}
}

// RecordAdmin is Admin with a context and the record's sequence number.
func (l *Log) RecordAdmin(ctx context.Context, action string, fields map[string]string) (uint64, error) {
	d := adminData{Action: clip(action, maxShortField), Fields: l.hasher.Load().redact(fields, maxFieldsMap)}
	return l.submit(ctx, &entry{kind: KindAdmin, data: marshalData(d)})
}

// Flush waits until every record queued before it is written and fsynced,
// whatever the fsync policy.
func (l *Log) Flush(ctx context.Context) error {
	_, err := l.submit(ctx, &entry{flush: true})
	return err
}

// RotateKey switches the HMAC key for every later record and records the
// switch (an admin record "audit.key_rotated", under the new key). Keep
// the old key: verifying older records needs it.
func (l *Log) RotateKey(ctx context.Context, kid string, key []byte) error {
	if len(key) < minHMACKeyBytes {
		return fmt.Errorf("audit: hmac key is %d bytes, need at least %d", len(key), minHMACKeyBytes)
	}
	if kid == "" {
		kid = DeriveKeyID(key)
	}
	if !validKeyID(kid) {
		return fmt.Errorf("audit: key id %q: want 1-64 of A-Z a-z 0-9 . _ : -", kid)
	}
	if _, err := l.submit(ctx, &entry{key: &keyChange{kid: kid, key: append([]byte(nil), key...)}}); err != nil {
		return err
	}
	h := newSecretHasher(key)
	l.hasher.Store(&h)
	return nil
}

// Redact returns a copy of fields with the values of secret-looking names
// (IsSecretName) and credential-looking values replaced by keyed hashes,
// the form credentials take in this log.
func (l *Log) Redact(fields map[string]string) map[string]string {
	return l.hasher.Load().redact(fields, maxFieldsMap)
}

// HashSecret returns the "h:…" form value takes in this log's records.
func (l *Log) HashSecret(value string) string { return l.hasher.Load().hash(value) }

// Healthy returns nil while the log can write, ErrClosed after Close, and
// an error wrapping ErrUnhealthy and the cause while writes fail. The
// gateway's on_audit_failure: refuse answers 503 while it is not nil.
func (l *Log) Healthy() error {
	l.mu.RLock()
	closed := l.closed
	l.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	if !l.failing.Load() {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrUnhealthy, l.lastError())
}

// Stats is a snapshot of the log's counters.
type Stats struct {
	// Written counts records this Log wrote (checkpoints and notices included).
	Written uint64
	// Dropped counts records dropped: queue full, writer failing, or closed.
	Dropped uint64
	// Failures counts failed writes, fsyncs and rotations.
	Failures uint64
	// QueueDepth is the number of records waiting.
	QueueDepth int
	// LastSeq is the last record written; SyncedSeq the last one fsynced.
	LastSeq, SyncedSeq uint64
}

// Stats returns the counters.
func (l *Log) Stats() Stats {
	return Stats{
		Written: l.written.Load(), Dropped: l.dropped.Load(), Failures: l.failures.Load(),
		QueueDepth: len(l.queue), LastSeq: l.lastSeq.Load(), SyncedSeq: l.syncedSeq.Load(),
	}
}

// Close writes what is queued, a stop record and a final checkpoint,
// fsyncs and closes the segment. Records arriving later are dropped.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.closing)
	<-l.done
	close(l.notes)
	<-l.notesDone
	l.lock.Close()
	return l.closeErr
}

func (l *Log) wantOutcome(v pipeline.Verdict) bool {
	return l.cfg.Outcomes == OutcomesAll || v == pipeline.VerdictDenied || v == pipeline.VerdictFlagged || v == pipeline.VerdictError
}

// enqueue hands e to the writer under the queue policy. In block mode a
// producer waits for room only while the writer is healthy: once writes
// fail it drops, so a full disk cannot hang the gateway.
func (l *Log) enqueue(e *entry) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		l.drop()
		return ErrClosed
	}
	select {
	case l.queue <- e:
		return nil
	default:
	}
	if l.cfg.OnFull == OnFullDrop || l.failing.Load() {
		l.drop()
		return ErrDropped
	}
	sig := *l.failSig.Load()
	select {
	case l.queue <- e:
		return nil
	case <-sig:
		l.drop()
		return ErrDropped
	}
}

// submit enqueues e and waits for the writer's answer. While the writer is
// failing it answers at once rather than queueing behind the failure.
func (l *Log) submit(ctx context.Context, e *entry) (uint64, error) {
	if l.failing.Load() {
		if err := l.Healthy(); err != nil {
			if !e.flush && e.key == nil {
				l.drop()
			}
			return 0, err
		}
	}
	e.done = make(chan ack, 1)
	if err := l.enqueue(e); err != nil {
		return 0, err
	}
	select {
	case a := <-e.done:
		return a.seq, a.err
	case <-ctx.Done():
		return 0, fmt.Errorf("audit: waiting for the record to be written: %w", ctx.Err())
	}
}

func (l *Log) drop() {
	l.dropped.Add(1)
	l.dropsPending.Add(1)
	if l.opts.Dropped != nil {
		l.opts.Dropped()
	}
}

func (l *Log) setErr(err error) {
	l.errMu.Lock()
	l.lastErr = err
	l.errMu.Unlock()
}

func (l *Log) lastError() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.lastErr == nil {
		return errors.New("unknown error")
	}
	return l.lastErr
}

// runNotes runs callbacks off the writer goroutine.
func (l *Log) runNotes() {
	defer close(l.notesDone)
	for f := range l.notes {
		f()
	}
}

// notify queues a callback; if the callbacks are that far behind, it is
// dropped rather than stalling the writer.
func (l *Log) notify(f func()) {
	select {
	case l.notes <- f:
	default:
		l.log.Warn("audit: callback queue full, notification dropped")
	}
}

func (l *Log) emit(ev pipeline.Event) {
	if l.opts.EmitEvent != nil {
		l.notify(func() { l.opts.EmitEvent(&ev) })
	}
}
