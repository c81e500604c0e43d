package bruteforce

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// refusal finishes a denial of attempt a: monitored on a monitored
// endpoint, and with an Event only for the first refusal of its rule and
// key in the event window (a locked-out flood is one Event; the Outcomes
// still record every refusal). key names what is refused (a hashed
// account, a source, a network, a hashed key prefix), never a secret.
func (g *Guard) refusal(a *attempt, d *pipeline.Denial, key string) *pipeline.Denial {
	dk := d.Rule + "|" + key
	if a.ep.monitor {
		dk = "monitor|" + dk
		d.Monitor = true
	}
	d.SuppressEvent = !g.refusals.First(dk, g.now())
	return d
}

// tooMany builds the uniform lockout answer.
func (g *Guard) tooMany(a *attempt, rule, key string, retry time.Duration) *pipeline.Denial {
	if retry < time.Second {
		retry = time.Second
	}
	return g.refusal(a, &pipeline.Denial{
		Status:        http.StatusTooManyRequests,
		Code:          "too_many_attempts",
		PublicMessage: tooManyMessage,
		Rule:          rule,
		RetryAfter:    retry,
		Category:      "API2:2023",
	}, key)
}

// wouldDelay records, on a monitored endpoint, the progressive delay an
// enforcing one would have served: a monitored "delay" denial, and no
// wait (a monitored guard must not slow anyone down).
func (g *Guard) wouldDelay(a *attempt, failures int64) *pipeline.Denial {
	d := g.delayFor(failures)
	den := g.tooMany(a, "delay", prefixAccount+a.account, d)
	den.Severity = pipeline.SeverityLow
	den.Evidence = map[string]string{"delay": d.String()}
	return den
}

// checkFailed is storeFailed during Check: the fail-closed 503, monitored
// on a monitored endpoint.
func (g *Guard) checkFailed(ctx context.Context, a *attempt, op string, err error) *pipeline.Denial {
	d := g.storeFailed(ctx, op, err)
	if d != nil && a.ep.monitor {
		d.Monitor = true
	}
	return d
}

// storeFailed reports a store failure (Options.OnStoreError, and one log
// line per operation and event window: an outage fails every call). With
// FailClosed and an unavailable store it returns the 503 denial to answer
// with; otherwise nil, and the check is skipped.
func (g *Guard) storeFailed(ctx context.Context, op string, err error) *pipeline.Denial {
	if g.onStoreError != nil {
		g.onStoreError(op)
	}
	first := g.refusals.First("store-error|"+op, g.now())
	if first {
		g.log.LogAttrs(ctx, slog.LevelWarn, "bruteforce store failure", slog.String("op", op),
			slog.Bool("fail_closed", g.cfg.failClosed), slog.Any("error", err))
	}
	if !g.cfg.failClosed || !errors.Is(err, store.ErrUnavailable) {
		return nil
	}
	return &pipeline.Denial{Status: http.StatusServiceUnavailable, Code: "unavailable",
		PublicMessage: unavailableText, Rule: "store_unavailable", RetryAfter: time.Second,
		Severity: pipeline.SeverityLow, Category: "API2:2023", SuppressEvent: !first, Cause: err}
}
