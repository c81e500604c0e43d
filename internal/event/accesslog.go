package event

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Bounds on client-controlled strings in an access line, so a request with
// an 8 KiB path or user agent cannot inflate every log line it produces.
const (
	maxLoggedPath      = 1024
	maxLoggedUserAgent = 512
	maxLoggedHost      = 255
)

// AccessLog writes one JSON line per request through log/slog, with ECS
// field names as flat dotted keys. Its slog handler serialises writes, so
// concurrent requests produce whole lines.
//
// It logs only the fields listed on WriteOutcome. In particular it never logs
// request or response headers (Authorization, Cookie, X-API-Key), bodies, or
// the query string: query strings routinely carry API keys, OAuth tokens and
// signed-URL signatures (CWE-598), and access logs are read by many more
// people than the gateway's secrets are meant for (CWE-532).
type AccessLog struct {
	h    slog.Handler
	errs atomic.Uint64
}

var _ pipeline.OutcomeSink = (*AccessLog)(nil)

// NewAccessLog returns an access log writing JSON lines to w.
func NewAccessLog(w io.Writer) *AccessLog {
	return &AccessLog{h: slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: ecsBuiltins})}
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

// WriteOutcome logs o as one line:
//
//	@timestamp (request start), log.level, message ("request"), ecs.version,
//	event.dataset ("rampart.access"), event.duration (ns, whole time in the
//	gateway), rampart.upstream_duration (ns), rampart.verdict,
//	http.request.id, http.request.method, url.domain (Host without port),
//	url.path, http.response.status_code, http.request.body.bytes,
//	http.response.body.bytes, client.ip, user.id, user_agent.original,
//	rampart.route.api, rampart.route.name and, when guards objected,
//	rampart.denials (["guard/rule", ...]).
//
// Empty optional fields are left out. A write failure is counted (Errors).
func (a *AccessLog) WriteOutcome(o *pipeline.Outcome) {
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

// Errors returns how many access lines could not be written.
func (a *AccessLog) Errors() uint64 { return a.errs.Load() }

// hostOnly strips the port from a Host header value: ECS url.domain is the
// name alone ("api.example.com", "2001:db8::1").
func hostOnly(host string) string {
	if strings.HasPrefix(host, "[") {
		if end := strings.IndexByte(host, ']'); end > 0 {
			return host[1:end]
		}
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host, ':') == i {
		return host[:i]
	}
	return host
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
