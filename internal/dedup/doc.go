// Package dedup folds a flood of repeats into one report per key and time
// window, within a fixed memory bound.
//
// Guards use it to decide which refusals become Events: a banned or
// rate-limited client typically keeps hammering, and one Event (or log
// line) per refused request would move the flood to the event sinks, the
// detector and the log. The Outcome of every request is still recorded;
// only the Event is folded.
//
// Build a [Window] once, at construction, and ask it on every refusal:
//
//	events, err := dedup.New(time.Minute, 10000)
//	...
//	denial.SuppressEvent = !events.First(key, now)
//
// A [Crossings] does the same for actions that last a time of their own:
// one lockout or ban per key until it ends, whatever the flood past the
// threshold, and it never refuses a new key when full.
//
// Time is passed in, never read, so callers inject their clock. The package
// depends on the standard library only, so that every guard may use it
// without importing another guard.
package dedup
