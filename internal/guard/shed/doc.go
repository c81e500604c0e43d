// Package shed is Rampart's global load shedder: a guard that caps how many
// requests the gateway works on at once, lets a bounded number wait for a
// free slot for a bounded time, and answers the rest at once with 503 and
// Retry-After instead of letting them pile up (OWASP API4:2023, unrestricted
// resource consumption).
//
// Without it a flood, or a slow upstream, grows goroutines, memory and
// upstream connections without bound until the process falls over for
// everyone. Shedding early and cheaply keeps the requests already admitted
// fast, and tells well-behaved clients when to come back.
//
// A [Shedder] is a [pipeline.Guard] and a [pipeline.Releaser]: Check takes a
// slot (a non-blocking semaphore send on the fast path, no allocation), or
// joins the wait queue if it has room, and waits for a slot, the queue
// deadline or the client going away. The Chain calls Release after the
// response of every admitted request, which frees the slot for the next
// waiter (waiters are served in arrival order).
//
// Put it first in the chain, before any guard that does real work, and run it
// in enforce mode: monitor mode cannot shed load, and the Chain releases a
// monitored stage even when its Check denied, which would free a slot the
// request never held.
//
// Usage:
//
//	shedder, err := shed.New(shed.Config{MaxConcurrent: 512}, shed.Options{
//		OnShed: func(reason string) { shedTotal.WithLabelValues(reason).Inc() },
//	})
//	if err != nil { ... }
//	chain, err := pipeline.NewChain(pipeline.Options{
//		Stages: []pipeline.Stage{{Guard: shedder, Mode: pipeline.Enforce}, ...},
//		Next:   proxy,
//	})
//	// gauges: shedder.InFlight(), shedder.Queued()
package shed
