package core

import (
	"context"
	"net/http"
	"time"
)

// Operation is one endpoint of the target: from the spec, or discovered.
type Operation struct {
	Method      string   `json:"method"`
	Path        string   `json:"path"` // template: /api/items/{id}
	OperationID string   `json:"operation_id,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Secured     bool     `json:"secured"`    // the spec declares security for it
	AdminOnly   bool     `json:"admin_only"` // by tag, path or the role map
	Params      []Param  `json:"params,omitempty"`
	Body        *Body    `json:"body,omitempty"`
	Source      string   `json:"source"` // "spec" or "discovered"
}

// Key is the endpoint's ledger name: "GET /api/items/{id}".
func (o *Operation) Key() string { return o.Method + " " + o.Path }

// Param is a path, query, header or cookie parameter.
type Param struct {
	Name     string `json:"name"`
	In       string `json:"in"`               // path, query, header, cookie
	Type     string `json:"type,omitempty"`   // string, integer, number, boolean, array, object
	Format   string `json:"format,omitempty"` // uuid, date-time, …
	Required bool   `json:"required"`
	Example  any    `json:"example,omitempty"` // from the spec, else generated
}

// Body describes a JSON request body.
type Body struct {
	MediaType string         `json:"media_type"`
	Example   map[string]any `json:"example,omitempty"` // a valid body generated from the schema
	ReadOnly  []string       `json:"read_only,omitempty"`
	Fields    []Param        `json:"fields,omitempty"` // top-level properties
}

// Request is what a check asks the Scan to send. Path is relative to the
// target's base URL and may carry a query; URL, when set, is absolute and
// must be in scope.
type Request struct {
	Method  string
	Path    string
	URL     string
	Header  http.Header
	Body    []byte
	Profile string // "" anonymous; else a profile name: "user1", "user2", "admin"
	// Check names the check for the budget and the ledger.
	Check string
	// Unsafe marks a state-changing request (DELETE/PUT/PATCH, or a POST
	// that changes an object) on an object the scan did not create; with
	// --safe on, Do refuses it with ErrUnsafe.
	Unsafe bool
	// Timeout overrides the default per-request timeout (time-based probes).
	Timeout time.Duration
	// NoPacing returns a 429 or 503 as it came, without waiting for its
	// Retry-After, retrying, or slowing the adaptive pacing: the rate-limit
	// checks need to see the limit they provoke. --rate still applies (it is
	// the operator's promise to the target's owner).
	NoPacing bool
	// FollowRedirects follows up to 5 redirects, each counted against the
	// budget. A redirect to a host out of scope is never followed: Do returns
	// the redirect response itself. Without it Do returns every 3xx as is.
	FollowRedirects bool
	// MaxBody overrides Config.MaxResponseBody for this request (a large
	// spec document); 0 keeps the default.
	MaxBody int64
}

// Response is what came back, with the exchange recorded for evidence.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte // bounded by Config.MaxResponseBody
	Duration time.Duration
	Exchange Exchange
}

// Check is one test of the chain. Plan lists, without sending anything,
// the classes of requests Run would send (for --plan); Run sends them through
// the Scan and reports findings and coverage.
type Check interface {
	ID() string // "authz.bola"
	Stage() Stage
	Title() string
	Plan(s *Scan) []PlannedRequest
	Run(ctx context.Context, s *Scan) error
}

// PlannedRequest is one line of a --plan listing.
type PlannedRequest struct {
	Endpoint string `json:"endpoint"` // "GET /api/items/{id}", "*"
	Class    string `json:"class"`    // "read as user2", "alg:none token", "' OR '1'='1 in query.q"
	Count    int    `json:"count"`    // requests of this class, at most
	Unsafe   bool   `json:"unsafe,omitempty"`
}
