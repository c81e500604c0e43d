package pipelinetest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/pipeline/pipelinetest"
)

// TestRecorderAwaitsInOrder: Outcomes written before and while tests wait
// are each handed to Await once, in the order written, to any number of
// waiting goroutines.
func TestRecorderAwaitsInOrder(t *testing.T) {
	rec := pipelinetest.NewRecorder()
	rec.WriteOutcome(&pipeline.Outcome{RequestID: "0"})
	if o := rec.Await(t); o.RequestID != "0" {
		t.Fatalf("Await = %q, want the outcome written before it, 0", o.RequestID)
	}

	const n = 50
	got := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { got <- rec.Await(t).RequestID })
	}
	for i := range n {
		rec.WriteOutcome(&pipeline.Outcome{RequestID: fmt.Sprint(i + 1)})
	}
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for id := range got {
		if seen[id] {
			t.Errorf("outcome %s awaited twice", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct outcomes awaited, want %d", len(seen), n)
	}

	rec.WriteOutcome(&pipeline.Outcome{RequestID: "a"})
	rec.WriteOutcome(&pipeline.Outcome{RequestID: "b"})
	if a, b := rec.Await(t), rec.Await(t); a.RequestID != "a" || b.RequestID != "b" {
		t.Errorf("Await order %q, %q; want a, b", a.RequestID, b.RequestID)
	}
	if got := len(rec.Outcomes()); got != n+3 {
		t.Errorf("Outcomes: %d, want every one written (%d)", got, n+3)
	}
}

// TestRecorderKeepsCopies: what the Chain changes after handing an Outcome
// or Event over does not change what was recorded.
func TestRecorderKeepsCopies(t *testing.T) {
	var rec pipelinetest.Recorder
	o := &pipeline.Outcome{RequestID: "r1", Denials: []pipeline.Denial{{Rule: "first"}}}
	e := &pipeline.Event{Kind: "denial", RequestID: "r1", Evidence: map[string]string{"k": "v"}}
	rec.WriteOutcome(o)
	rec.WriteEvent(e)
	o.Denials[0].Rule = "reused"
	e.Evidence["k"] = "reused"

	if got := rec.OutcomeOf(t, "r1").Denials[0].Rule; got != "first" {
		t.Errorf("recorded denial rule %q, want first", got)
	}
	if got := rec.EventsOfRequest("r1")[0].Evidence["k"]; got != "v" {
		t.Errorf("recorded evidence %v, want v", got)
	}
	if got := rec.Denials(); len(got) != 1 || got[0].Rule != "first" {
		t.Errorf("Denials = %+v, want the one recorded", got)
	}
	rec.WriteEvent(&pipeline.Event{Kind: "ban", RequestID: "r2"})
	if got := rec.EventsOfKind("ban"); len(got) != 1 || got[0].RequestID != "r2" {
		t.Errorf("EventsOfKind(ban) = %+v, want r2's", got)
	}
	if got := rec.TakeEvents(); len(got) != 2 || len(rec.Events()) != 0 {
		t.Errorf("TakeEvents = %d events, then %d left; want 2, then none", len(got), len(rec.Events()))
	}
	rec.Reset()
	if len(rec.Outcomes()) != 0 {
		t.Error("Reset kept outcomes")
	}
	rec.WriteOutcome(&pipeline.Outcome{RequestID: "after"})
	if got := rec.Await(t).RequestID; got != "after" {
		t.Errorf("after Reset Await = %q, want the outcome written after it", got)
	}
}

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := pipelinetest.NewClock(start)
	c.Advance(90 * time.Second)
	if got, want := c.Now(), start.Add(90*time.Second); !got.Equal(want) {
		t.Errorf("Now = %v, want %v", got, want)
	}
}

func TestLogBufferTakesConcurrentWrites(t *testing.T) {
	var logs pipelinetest.LogBuffer
	log := logs.Logger()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { log.Info("line", "writer", i) })
	}
	wg.Wait()
	if n := strings.Count(logs.String(), "msg=line"); n != 8 {
		t.Errorf("%d lines logged, want 8:\n%s", n, logs.String())
	}
}
