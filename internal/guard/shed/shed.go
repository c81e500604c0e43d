package shed

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Reasons passed to [Options.OnShed] and used as the Denial's Rule.
const (
	// ReasonQueueFull: every slot was busy and the queue was full.
	ReasonQueueFull = "queue_full"
	// ReasonQueueTimeout: the request waited QueueTimeout without a slot.
	ReasonQueueTimeout = "queue_timeout"
	// ReasonCanceled: the client went away while the request was queued.
	ReasonCanceled = "canceled"
)

// overloadedMessage is the public detail of every shed response.
const overloadedMessage = "The service is overloaded; retry later."

// Options holds the Shedder's collaborators.
type Options struct {
	// OnShed, when set, is called with the reason (ReasonQueueFull,
	// ReasonQueueTimeout, ReasonCanceled) each time a request is shed, for
	// metrics. It runs on the request path: keep it fast and safe for
	// concurrent use.
	OnShed func(reason string)
}

// Shedder limits concurrent requests with a bounded, deadline-limited wait
// queue. It is safe for concurrent use.
type Shedder struct {
	// slots is a counting semaphore: a send takes a slot, a receive frees
	// one. Go serves blocked senders in FIFO order, so a freed slot goes to
	// the longest waiter rather than to a newcomer. nil when disabled.
	slots        chan struct{}
	waiting      atomic.Int64
	maxQueue     int64
	queueTimeout time.Duration
	retryAfter   time.Duration
	onShed       func(reason string)
	// afterEnqueue is a test hook called once a request has joined the queue.
	afterEnqueue func()
}

var (
	_ pipeline.Guard    = (*Shedder)(nil)
	_ pipeline.Releaser = (*Shedder)(nil)
)

// New validates cfg and builds a Shedder.
func New(cfg Config, opts Options) (*Shedder, error) {
	st, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	s := &Shedder{onShed: opts.OnShed}
	if st.disabled {
		return s, nil
	}
	s.slots = make(chan struct{}, st.maxConcurrent)
	s.maxQueue = st.maxQueue
	s.queueTimeout = st.queueTimeout
	s.retryAfter = st.retryAfter
	return s, nil
}

// Name returns "shed".
func (s *Shedder) Name() string { return "shed" }

// Check admits r when a slot is free, otherwise queues it or sheds it with a
// 503 *pipeline.Denial. An admitted request holds its slot until Release.
func (s *Shedder) Check(r *http.Request) (*http.Request, error) {
	if s.slots == nil {
		return r, nil
	}
	select {
	case s.slots <- struct{}{}:
		return r, nil
	default:
		return s.wait(r)
	}
}

// wait is the slow path: join the queue if it has room, then wait for a
// slot, the queue deadline or the client's cancellation.
func (s *Shedder) wait(r *http.Request) (*http.Request, error) {
	if !s.joinQueue() {
		return nil, s.shed(ReasonQueueFull, nil)
	}
	reason, cause := s.await(r.Context())
	if reason == "" {
		return r, nil
	}
	// shed runs after the queue place is given back, so OnShed observers
	// see an exact Queued count.
	return nil, s.shed(reason, cause)
}

// await waits, holding a queue place, for whichever comes first: a slot
// (reason ""), the queue deadline or ctx's end.
func (s *Shedder) await(ctx context.Context) (reason string, cause error) {
	defer s.waiting.Add(-1)
	if s.afterEnqueue != nil {
		s.afterEnqueue()
	}
	timer := time.NewTimer(s.queueTimeout)
	defer timer.Stop()
	select {
	case s.slots <- struct{}{}:
		return "", nil
	case <-timer.C:
		return ReasonQueueTimeout, nil
	case <-ctx.Done():
		// The client hung up (or the server is shutting down): give the
		// queue place back at once instead of holding it to the deadline.
		return ReasonCanceled, context.Cause(ctx)
	}
}

// joinQueue takes a queue place if one is free. A compare-and-swap rather
// than add-then-undo keeps Queued exact for gauges during a flood.
func (s *Shedder) joinQueue() bool {
	for {
		n := s.waiting.Load()
		if n >= s.maxQueue {
			return false
		}
		if s.waiting.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// shed reports a shed request and builds its denial.
func (s *Shedder) shed(reason string, cause error) *pipeline.Denial {
	if s.onShed != nil {
		s.onShed(reason)
	}
	d := &pipeline.Denial{
		Status:        http.StatusServiceUnavailable,
		Code:          "overloaded",
		PublicMessage: overloadedMessage,
		Rule:          reason,
		RetryAfter:    s.retryAfter,
		// Overload is not proof of an attack by this client.
		Severity: pipeline.SeverityLow,
		Category: "API4:2023",
		Cause:    cause,
	}
	if reason == ReasonCanceled {
		// Nobody is left to read the answer or retry it.
		d.RetryAfter = 0
		d.Severity = pipeline.SeverityInfo
	}
	return d
}

// Release frees the slot taken by an admitted request; the longest waiter,
// if any, gets it. It must be called exactly once per admitted request (the
// Chain does so). An unmatched Release while no slot is held is ignored: it
// never blocks and never lets the count go below zero or the capacity above
// MaxConcurrent.
func (s *Shedder) Release(*http.Request) {
	if s.slots == nil {
		return
	}
	select {
	case <-s.slots:
	default:
	}
}

// InFlight returns how many admitted requests currently hold a slot.
func (s *Shedder) InFlight() int { return len(s.slots) }

// Queued returns how many requests are waiting for a slot.
func (s *Shedder) Queued() int { return int(s.waiting.Load()) }
