package bodylimit

import (
	"fmt"
	"net/http"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// DefaultMaxBytes is the body limit when Config.MaxBytes is 0: 1 MiB.
const DefaultMaxBytes int64 = 1 << 20

// Unlimited is the value LimitFor returns when no limit applies.
const Unlimited int64 = -1

// tooLargeMessage is the public detail of every 413.
const tooLargeMessage = "The request body is too large."

// Config configures a [Guard].
type Config struct {
	// MaxBytes is the largest request body accepted, in bytes, for requests
	// no entry of Routes matches. 0 means DefaultMaxBytes (1 MiB); negative
	// means unlimited.
	MaxBytes int64

	// Routes overrides MaxBytes, in bytes, for the route matched by an
	// earlier stage (pipeline.RouteOf). A key {API, Route} sets one route; a
	// key {API, ""} sets every route of that API without its own entry.
	// Positive is a limit, negative unlimited; 0 is an error. Default: none.
	Routes map[pipeline.Route]int64
}

// Guard enforces request body limits. It is safe for concurrent use and
// immutable after New.
type Guard struct {
	defaultMax int64
	routes     map[pipeline.Route]int64
}

var _ pipeline.Guard = (*Guard)(nil)

// New validates cfg and builds a Guard. The Routes map is copied.
func New(cfg Config) (*Guard, error) {
	g := &Guard{defaultMax: normalize(cfg.MaxBytes)}
	if g.defaultMax == 0 {
		g.defaultMax = DefaultMaxBytes
	}
	if len(cfg.Routes) > 0 {
		g.routes = make(map[pipeline.Route]int64, len(cfg.Routes))
	}
	for route, limit := range cfg.Routes {
		if route.API == "" {
			return nil, fmt.Errorf("bodylimit: route %q has no API name", route.Route)
		}
		if limit == 0 {
			return nil, fmt.Errorf("bodylimit: limit for %s/%s is 0 (want a positive size, or negative for unlimited)",
				route.API, route.Route)
		}
		g.routes[route] = normalize(limit)
	}
	return g, nil
}

// normalize maps every negative limit to Unlimited.
func normalize(limit int64) int64 {
	if limit < 0 {
		return Unlimited
	}
	return limit
}

// Name returns "bodylimit".
func (g *Guard) Name() string { return "bodylimit" }

// LimitFor returns the body limit for r in bytes, or Unlimited.
func (g *Guard) LimitFor(r *http.Request) int64 {
	if g.routes != nil {
		route := pipeline.RouteOf(r)
		if limit, ok := g.routes[route]; ok {
			return limit
		}
		if route.Route != "" {
			if limit, ok := g.routes[pipeline.Route{API: route.API}]; ok {
				return limit
			}
		}
	}
	return g.defaultMax
}

// Check denies a declared Content-Length over the limit without reading the
// body, and bounds a body of unknown length so that reading past the limit
// fails with *http.MaxBytesError. It replaces r.Body in place, as
// http.MaxBytesReader's own documentation does.
func (g *Guard) Check(r *http.Request) (*http.Request, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return r, nil
	}
	limit := g.LimitFor(r)
	if limit == Unlimited {
		return r, nil
	}
	if r.ContentLength > limit {
		return nil, tooLarge(r, limit)
	}
	if r.ContentLength < 0 {
		// A nil ResponseWriter is safe: MaxBytesReader only type-asserts it
		// to reach the server's close-the-connection hook (see package doc).
		r.Body = http.MaxBytesReader(nil, r.Body, limit)
	}
	return r, nil
}

// tooLarge builds the 413 denial for a declared length over limit.
func tooLarge(r *http.Request, limit int64) *pipeline.Denial {
	d := &pipeline.Denial{
		Status:        http.StatusRequestEntityTooLarge,
		Code:          "body_too_large",
		PublicMessage: tooLargeMessage,
		Rule:          "content_length",
		Category:      "API4:2023",
		Cause:         fmt.Errorf("content-length %d exceeds the limit of %d bytes", r.ContentLength, limit),
	}
	if r.ProtoMajor == 1 {
		// The body was not read: without this net/http would read and
		// discard up to 256 KiB of it before answering (to reuse the
		// connection), so the 413 would wait for a body we already refused.
		// On HTTP/2 a Connection header would mean a GOAWAY for every
		// stream, and the unread body is dropped with its stream anyway.
		d.Header = http.Header{"Connection": {"close"}}
	}
	return d
}
