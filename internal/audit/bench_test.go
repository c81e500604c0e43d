package audit

import (
	"context"
	"testing"
	"time"
)

// benchConfig bounds the disk a long benchmark run uses: rotation and
// retention run as they would in production.
func benchConfig(b *testing.B, fsync string) Config {
	cfg := testConfig(b.TempDir())
	cfg.Fsync = fsync
	cfg.CheckpointEvery = DefaultCheckpointEvery
	cfg.SegmentMaxBytes = 16 << 20
	cfg.RetainMaxBytes = 64 << 20
	return cfg
}

// reportRate reports records per second over the timed part.
func reportRate(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}

// BenchmarkAppendInterval: producers hand outcomes to the log as the
// gateway does (WriteOutcome, block mode: back-pressure makes this the
// writer's sustained rate), fsync interval; the clock stops after a Flush
// has made every record durable.
func BenchmarkAppendInterval(b *testing.B) { benchWriteOutcome(b, FsyncInterval) }

// BenchmarkAppendAlwaysGroupCommit: 32 concurrent producers each wait until
// their record is fsynced (RecordOutcome, fsync always); group commit lets
// one fsync acknowledge everything queued meanwhile.
func BenchmarkAppendAlwaysGroupCommit(b *testing.B) {
	l := openTest(b, benchConfig(b, FsyncAlways), Options{})
	defer l.Close()
	o := sampleOutcome(1)
	ctx := context.Background()
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.RecordOutcome(ctx, o); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, start)
}

// BenchmarkAppendAlwaysAsync: fsync always with producers that do not wait
// (the gateway's WriteOutcome): batches grow to what is queued.
func BenchmarkAppendAlwaysAsync(b *testing.B) { benchWriteOutcome(b, FsyncAlways) }

// benchWriteOutcome runs parallel producers that hand outcomes to the log
// without waiting (WriteOutcome, block mode), with the given fsync mode;
// the clock stops after a Flush has made every record durable.
func benchWriteOutcome(b *testing.B, fsync string) {
	l := openTest(b, benchConfig(b, fsync), Options{})
	defer l.Close()
	o := sampleOutcome(1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.WriteOutcome(o)
		}
	})
	if err := l.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	reportRate(b, start)
}

// BenchmarkWriteOutcomeProducerCost is what a request pays: copying and
// encoding the Outcome and enqueueing it (drop mode, so a full queue never
// adds waiting to the figure).
func BenchmarkWriteOutcomeProducerCost(b *testing.B) {
	cfg := benchConfig(b, FsyncInterval)
	cfg.OnFull = OnFullDrop
	l := openTest(b, cfg, Options{})
	defer l.Close()
	o := sampleOutcome(1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		l.WriteOutcome(o)
	}
}

// BenchmarkVerify measures verification speed over a 20,000-record log.
func BenchmarkVerify(b *testing.B) {
	cfg := benchConfig(b, FsyncNever)
	l := openTest(b, cfg, Options{})
	o := sampleOutcome(1)
	for range 20_000 {
		l.WriteOutcome(o)
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	opts := testVerifyOptions()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	records := 0
	for b.Loop() {
		rep, err := Verify(cfg.Dir, opts)
		if err != nil || !rep.OK() {
			b.Fatalf("%v %v", err, rep.Problems)
		}
		records += rep.Records
	}
	b.ReportMetric(float64(records)/time.Since(start).Seconds(), "records/s")
}
