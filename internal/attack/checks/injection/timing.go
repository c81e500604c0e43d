package injection

import "time"

// delayed decides a time-based probe. slow are the answer times of a
// payload that should make the server wait d, fast those of the
// payload-free control and of the same payload with a zero wait. It is
// true only when every slow answer took at least 90% of d and came at
// least half of d later than the slowest fast one, and the fast ones were
// quick enough (under half of d) for the difference to mean something: a
// jittery or slow endpoint is not judged at all. At least two slow and one
// fast sample are needed.
func delayed(d time.Duration, slow, fast []time.Duration) bool {
	if d <= 0 || len(slow) < 2 || len(fast) < 1 {
		return false
	}
	var maxFast time.Duration
	for _, f := range fast {
		if f < 0 {
			return false
		}
		maxFast = max(maxFast, f)
	}
	if maxFast >= d/2 {
		return false
	}
	for _, s := range slow {
		if s < d*9/10 || s-maxFast < d/2 {
			return false
		}
	}
	return true
}
