package audit

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// flakyDisk stands in for the disk under real segment files: it can be
// full (each write stores half its bytes, then fails with ENOSPC, the
// worst case for a log) or stalled (writes wait at a gate).
type flakyDisk struct {
	full     atomic.Bool
	syncFail atomic.Bool
	mu       sync.Mutex
	gate     chan struct{}
	entered  chan struct{}
}

type flakyFile struct {
	*os.File
	d *flakyDisk
}

func (d *flakyDisk) open(name string, flag int, perm os.FileMode) (segmentFile, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &flakyFile{File: f, d: d}, nil
}

// stall makes the next writes wait until the returned release is called;
// entered receives once a write is waiting.
func (d *flakyDisk) stall() (entered <-chan struct{}, release func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gate, d.entered = make(chan struct{}), make(chan struct{}, 1)
	gate := d.gate
	return d.entered, func() {
		d.mu.Lock()
		d.gate = nil
		d.mu.Unlock()
		close(gate)
	}
}

func (f *flakyFile) Sync() error {
	if f.d.syncFail.Load() {
		return &os.PathError{Op: "fsync", Path: f.Name(), Err: syscall.EIO}
	}
	return f.File.Sync()
}

func (f *flakyFile) Write(b []byte) (int, error) {
	f.d.mu.Lock()
	gate, entered := f.d.gate, f.d.entered
	f.d.mu.Unlock()
	if gate != nil {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-gate
	}
	if f.d.full.Load() {
		n, _ := f.File.Write(b[:len(b)/2])
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Write(b)
}

// TestDiskFull: writes fail; the log goes unhealthy, says so with an
// Event and the Failed hook, never hangs producers (even in block mode),
// cuts the half-written records back, and writes again once there is room.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	disk := &flakyDisk{}
	failed := make(chan error, 100)
	events := make(chan string, 100)
	var dropped atomic.Int64
	cfg := testConfig(dir)
	cfg.QueueSize = 4
	cfg.Fsync = FsyncAlways
	l := openTest(t, cfg, Options{
		openFile: disk.open,
		Failed:   func(err error) { failed <- err },
		Dropped:  func() { dropped.Add(1) },
		EmitEvent: func(e *pipeline.Event) {
			events <- e.Kind
		},
	})
	writeOutcomes(t, l, 5)

	disk.full.Store(true)
	l.WriteOutcome(sampleOutcome(100))
	if err := waitFor(t, failed, "the Failed hook"); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Failed got %v", err)
	}
	if k := waitFor(t, events, "the write_failed event"); k != "audit.write_failed" {
		t.Fatalf("event %s", k)
	}
	if err := l.Healthy(); !errors.Is(err, ErrUnhealthy) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Healthy = %v", err)
	}
	if _, err := l.RecordAdmin(context.Background(), "ban", nil); !errors.Is(err, ErrUnhealthy) {
		t.Fatalf("RecordAdmin while failing = %v", err)
	}
	// Block mode, queue of 4, 100 records: every call returns.
	for i := range 100 {
		l.WriteOutcome(sampleOutcome(200 + i))
	}
	if dropped.Load() == 0 || l.Stats().Failures == 0 {
		t.Fatalf("stats while failing: %+v", l.Stats())
	}

	disk.full.Store(false)
	for k := waitFor(t, events, "the write_recovered event"); k != "audit.write_recovered"; k = waitFor(t, events, "the write_recovered event") {
	}
	if err := l.Healthy(); err != nil {
		t.Fatalf("Healthy after recovery = %v", err)
	}
	writeOutcomes(t, l, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	requireOK(t, verifyDir(t, dir, testVerifyOptions()))
	kinds := map[string]bool{}
	for _, p := range recordsOf(t, dir) {
		if p.rec.Kind == KindEvent {
			var d eventData
			if err := json.Unmarshal(p.rec.Data, &d); err != nil {
				t.Fatal(err)
			}
			kinds[d.Kind] = true
		}
	}
	if !kinds["audit.write_recovered"] || !kinds["audit.dropped"] {
		t.Fatalf("the log does not record its failure: %v", kinds)
	}
}

func TestOpenFailsWhenTheStartRecordCannotBeWritten(t *testing.T) {
	disk := &flakyDisk{}
	disk.full.Store(true)
	_, err := Open(testConfig(t.TempDir()), Options{openFile: disk.open})
	if err == nil || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Open on a full disk = %v", err)
	}
}

// TestDropModeCountsAndRecordsDrops: with the writer stalled and the queue
// full, on_full drop drops, counts and later records how many.
func TestDropModeCountsAndRecordsDrops(t *testing.T) {
	dir := t.TempDir()
	disk := &flakyDisk{}
	var dropped atomic.Int64
	cfg := testConfig(dir)
	cfg.QueueSize = 2
	cfg.OnFull = OnFullDrop
	l := openTest(t, cfg, Options{openFile: disk.open, Dropped: func() { dropped.Add(1) }})
	entered, release := disk.stall()
	l.WriteOutcome(sampleOutcome(1))
	waitFor(t, entered, "the writer to reach the stalled disk")
	for i := range 5 {
		l.WriteOutcome(sampleOutcome(10 + i))
	}
	if dropped.Load() != 3 || l.Stats().Dropped != 3 || l.Stats().QueueDepth != 2 {
		t.Fatalf("dropped %d, stats %+v; want 3 dropped, 2 queued", dropped.Load(), l.Stats())
	}
	if _, err := l.RecordAdmin(context.Background(), "ban", nil); !errors.Is(err, ErrDropped) {
		t.Fatalf("RecordAdmin with a full queue in drop mode = %v", err)
	}
	release()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	requireOK(t, verifyDir(t, dir, testVerifyOptions()))
	found := false
	for _, p := range recordsOf(t, dir) {
		if p.rec.Kind == KindEvent && strings.Contains(string(p.rec.Data), `"audit.dropped"`) && strings.Contains(string(p.rec.Data), `"count":"4"`) {
			found = true
		}
	}
	if !found {
		t.Fatal("no audit.dropped record counting the 4 drops")
	}
}

// TestBlockModeAppliesBackPressure: with the writer stalled and the queue
// full, block mode makes the producer wait and loses nothing.
func TestBlockModeAppliesBackPressure(t *testing.T) {
	dir := t.TempDir()
	disk := &flakyDisk{}
	cfg := testConfig(dir)
	cfg.QueueSize = 1
	l := openTest(t, cfg, Options{openFile: disk.open})
	entered, release := disk.stall()
	l.WriteOutcome(sampleOutcome(1))
	waitFor(t, entered, "the writer to reach the stalled disk")
	l.WriteOutcome(sampleOutcome(2)) // fills the queue
	done := make(chan struct{})
	go func() {
		l.WriteOutcome(sampleOutcome(3)) // waits for room
		close(done)
	}()
	release()
	waitFor(t, done, "the blocked producer")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if d := l.Stats().Dropped; d != 0 {
		t.Fatalf("block mode dropped %d", d)
	}
	n := 0
	for _, p := range recordsOf(t, dir) {
		if p.rec.Kind == KindOutcome {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d outcomes recorded, want 3", n)
	}
}

// TestFsyncFailureRewritesTheBatch: with fsync always, a failed fsync is
// not trusted on retry: the batch is cut and rewritten, the waiting
// producer is acknowledged only after a successful fsync, and the log holds
// each record once.
func TestFsyncFailureRewritesTheBatch(t *testing.T) {
	dir := t.TempDir()
	disk := &flakyDisk{}
	failed := make(chan error, 100)
	cfg := testConfig(dir)
	cfg.Fsync = FsyncAlways
	l := openTest(t, cfg, Options{openFile: disk.open, Failed: func(err error) { failed <- err }})
	writeOutcomes(t, l, 3)
	disk.syncFail.Store(true)
	done := make(chan uint64)
	go func() {
		seq, err := l.RecordOutcome(context.Background(), sampleOutcome(7))
		if err != nil {
			t.Error(err)
		}
		done <- seq
	}()
	if err := waitFor(t, failed, "the failed fsync"); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Failed got %v", err)
	}
	select {
	case <-done:
		t.Fatal("acknowledged before any fsync succeeded")
	default:
	}
	disk.syncFail.Store(false)
	seq := waitFor(t, done, "the acknowledgement after recovery")
	if st := l.Stats(); st.SyncedSeq < seq {
		t.Fatalf("acknowledged seq %d but synced only to %d", seq, st.SyncedSeq)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	requireOK(t, verifyDir(t, dir, testVerifyOptions()))
	n := 0
	for _, p := range recordsOf(t, dir) {
		if p.rec.Kind == KindOutcome && strings.Contains(string(p.rec.Data), "req-000007") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the record is in the log %d times", n)
	}
}
