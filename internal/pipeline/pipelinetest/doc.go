// Package pipelinetest is test support for the packages built on the
// pipeline, the guards above all: a Recorder that is the Outcome and Event
// sink of a test's Chain, a settable Clock for guards and stores, and a
// LogBuffer a server's goroutines may log into while the test reads it.
//
// It is imported only by _test.go files (internal/archtest enforces it),
// which is why it may import "testing". The pipeline's own tests cannot
// import it (it imports the pipeline).
//
// Usage:
//
//	rec := pipelinetest.NewRecorder()
//	chain, _ := pipeline.NewChain(pipeline.Options{
//		Outcomes: []pipeline.OutcomeSink{rec},
//		Events:   []pipeline.EventSink{rec},
//		...
//	})
//	// after each request through a real server:
//	o := rec.Await(t) // the Chain emits after the client has its answer
package pipelinetest
