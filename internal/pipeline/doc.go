// Package pipeline is Rampart's spine: the contracts every guard, sink and
// the composition root share, and the Chain that runs guards in order in
// front of a proxy.
//
// A Guard inspects a request and either lets it pass or returns a *Denial,
// the one way to block. The Chain writes a Denial once, as an RFC 9457
// application/problem+json response carrying only the public message; the
// private Cause is logged, never sent. Each guard runs in Enforce or Monitor
// mode: a monitored denial is recorded on the Outcome and as an Event, and the
// request goes on.
//
// Every request leaves exactly one Outcome, handed to the OutcomeSinks after
// the response is written, and zero or more Events (denials, detections)
// handed to the EventSinks. Guards never call sinks themselves: they attach
// an Identity, a Route or extra Events to the per-request State through the
// helpers in this package.
//
// The package depends on the standard library only, so that every other
// package can depend on it.
//
// Usage:
//
//	chain, err := pipeline.NewChain(pipeline.Options{
//		Stages: []pipeline.Stage{{Guard: banCheck, Mode: pipeline.Enforce}},
//		Next:   proxy,
//		ClientIP: resolver,
//	})
//	http.ListenAndServe(addr, chain)
package pipeline
