package event

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// slogAccessLog is AccessLog as it was before the hand-written encoder: a
// log/slog JSON handler. It stays here, unchanged, as the reference the new
// encoder must match byte for byte and as the benchmark baseline.
type slogAccessLog struct {
	h    slog.Handler
	errs atomic.Uint64
}

func newSlogAccessLog(w io.Writer) *slogAccessLog {
	return &slogAccessLog{h: slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: ecsBuiltins})}
}

// ecsBuiltins renames slog's built-in keys to their ECS names.
func ecsBuiltins(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		return slog.Time("@timestamp", a.Value.Time().UTC())
	case slog.LevelKey:
		a.Key = "log.level"
	case slog.MessageKey:
		a.Key = "message"
	}
	return a
}

func (a *slogAccessLog) WriteOutcome(o *pipeline.Outcome) {
	ts := o.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	rec := slog.NewRecord(ts, slog.LevelInfo, "request", 0)
	var buf [22]slog.Attr
	attrs := append(buf[:0],
		slog.String("ecs.version", ecsVersion),
		slog.String("event.dataset", "rampart.access"),
		slog.Int64("event.duration", int64(o.Latency)),
		slog.Int64("rampart.upstream_duration", int64(o.Upstream)),
		slog.String("rampart.verdict", string(o.Verdict)),
		slog.String("http.request.id", o.RequestID),
		slog.String("http.request.method", o.Method),
		slog.String("url.path", truncate(o.Path, maxLoggedPath)),
		slog.Int("http.response.status_code", o.Status),
		slog.Int64("http.request.body.bytes", o.BytesIn),
		slog.Int64("http.response.body.bytes", o.BytesOut),
	)
	if host := hostOnly(o.Host); host != "" {
		attrs = append(attrs, slog.String("url.domain", truncate(host, maxLoggedHost)))
	}
	if o.Client.IsValid() {
		attrs = append(attrs, slog.String("client.ip", o.Client.String()))
	}
	if o.Identity != nil && o.Identity.Subject != "" {
		attrs = append(attrs, slog.String("user.id", o.Identity.Subject))
	}
	if o.UserAgent != "" {
		attrs = append(attrs, slog.String("user_agent.original", truncate(o.UserAgent, maxLoggedUserAgent)))
	}
	if o.Route.API != "" {
		attrs = append(attrs, slog.String("rampart.route.api", o.Route.API))
	}
	if o.Route.Route != "" {
		attrs = append(attrs, slog.String("rampart.route.name", o.Route.Route))
	}
	if len(o.Denials) > 0 {
		ids := make([]string, len(o.Denials))
		for i := range o.Denials {
			ids[i] = o.Denials[i].Guard + "/" + o.Denials[i].Rule
		}
		attrs = append(attrs, slog.Any("rampart.denials", ids))
	}
	rec.AddAttrs(attrs...)
	if err := a.h.Handle(context.Background(), rec); err != nil {
		a.errs.Add(1)
	}
}
