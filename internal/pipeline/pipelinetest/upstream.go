package pipelinetest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// RouteBySegment is a Guard that records the route as the gateway's router
// would for a path "/api/<route>/...": {API: "api", Route: <route>}. Guards
// that key their settings by route see one without a gateway.
type RouteBySegment struct{}

// Name names the stage.
func (RouteBySegment) Name() string { return "test-route" }

// Check sets the route and admits every request.
func (RouteBySegment) Check(r *http.Request) (*http.Request, error) {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
	if len(parts) >= 2 && parts[0] == "api" {
		pipeline.SetRoute(r, pipeline.Route{API: "api", Route: parts[1]})
	}
	return r, nil
}

// Echoed is what EchoUpstream received, as it answers it.
type Echoed struct {
	Method        string      `json:"method"`
	Path          string      `json:"path"`
	RawQuery      string      `json:"raw_query"`
	Header        http.Header `json:"header"`
	Body          string      `json:"body"`
	ContentLength int64       `json:"content_length"`
}

// EchoUpstream is an upstream handler that answers every request with an
// Echoed JSON of what it received, so a test sees what a guard let through
// and how (body bytes, headers added or removed, the escaped path).
func EchoUpstream(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(Echoed{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header, Body: string(body), ContentLength: r.ContentLength})
}
