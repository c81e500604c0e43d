//go:build race

package injection

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts are not deterministic under it.
const raceEnabled = true
