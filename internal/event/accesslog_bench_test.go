package event

import (
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// BenchmarkAccessLogWriteOutcome compares the hand-written encoder with the
// former slog JSON handler (the baseline) in the same run, on a request
// that passed and on one a guard flagged, serially and from parallel
// goroutines (where slog encoded under its mutex).
func BenchmarkAccessLogWriteOutcome(b *testing.B) {
	allowed := sampleOutcome()
	allowed.Verdict, allowed.Denials = pipeline.VerdictAllowed, nil
	flagged := sampleOutcome()
	sinks := []struct {
		name string
		new  func() pipeline.OutcomeSink
	}{
		{"slog", func() pipeline.OutcomeSink { return newSlogAccessLog(discard{}) }},
		{"encoder", func() pipeline.OutcomeSink { return NewAccessLog(discard{}) }},
	}
	for _, tc := range []struct {
		name string
		o    *pipeline.Outcome
	}{{"allowed", allowed}, {"flagged", flagged}} {
		for _, s := range sinks {
			b.Run(tc.name+"/"+s.name, func(b *testing.B) {
				sink := s.new()
				b.ReportAllocs()
				for b.Loop() {
					sink.WriteOutcome(tc.o)
				}
			})
		}
	}
	for _, s := range sinks {
		b.Run("parallel/"+s.name, func(b *testing.B) {
			sink := s.new()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					sink.WriteOutcome(flagged)
				}
			})
		})
	}
}
