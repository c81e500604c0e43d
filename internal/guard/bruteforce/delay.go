package bruteforce

import (
	"context"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// delay holds an attempt on an account under attack for its progressive
// delay, which makes online guessing slow without locking anyone out. At
// most MaxDelayed requests sleep at once: an attacker who floods the
// endpoint would otherwise pin one goroutine (and one upstream-bound
// request) per attempt; beyond the cap the attempt is refused at once with
// the uniform 429 instead. The wait ends early when the client goes away.
func (g *Guard) delay(ctx context.Context, a *attempt, failures int64) *pipeline.Denial {
	d := g.delayFor(failures)
	if !g.takeDelaySlot() {
		return g.tooMany(a, "delay_capacity", prefixAccount+a.account, d)
	}
	defer g.delaying.Add(-1)
	if g.onDelay != nil {
		g.onDelay(d)
	}
	if err := g.sleep(ctx, d); err != nil {
		den := g.tooMany(a, "delay_canceled", prefixAccount+a.account, 0)
		// Nobody is left to read the answer.
		den.RetryAfter = 0
		den.Severity = pipeline.SeverityInfo
		den.Cause = err
		return den
	}
	return nil
}

// delayFor returns Base for the DelayAfter-th failure, doubling with each
// further one, capped at Max.
func (g *Guard) delayFor(failures int64) time.Duration {
	p := g.cfg.delay
	d := p.Base
	for steps := failures - int64(g.cfg.account.DelayAfter); steps > 0 && d < p.Max; steps-- {
		d *= 2
	}
	return min(d, p.Max)
}

// takeDelaySlot takes one of MaxDelayed slots if one is free. A
// compare-and-swap rather than add-then-undo keeps the count exact.
func (g *Guard) takeDelaySlot() bool {
	limit := int64(g.cfg.delay.MaxDelayed)
	for {
		n := g.delaying.Load()
		if n >= limit {
			return false
		}
		if g.delaying.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Delaying returns how many requests are being delayed right now (a gauge).
func (g *Guard) Delaying() int { return int(g.delaying.Load()) }

// sleepContext waits d, or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
