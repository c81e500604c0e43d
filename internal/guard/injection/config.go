package injection

import (
	"net/http"

	detector "github.com/rampartsec/rampart/internal/injection"
	"github.com/rampartsec/rampart/internal/inspect"
	"github.com/rampartsec/rampart/internal/openapi"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// Engines (Config.Engine).
const (
	// EngineNative is Rampart's own detector (internal/injection): every
	// input extracted from the request, decoded and normalised, scored by
	// context-aware rules. The default.
	EngineNative = "native"
	// EngineCRS is the OWASP Core Rule Set v4 on Coraza v3, for operators
	// who already tune the CRS or need its breadth (protocol enforcement,
	// scanner detection, PHP/Java/Node attacks).
	EngineCRS = "crs"
)

// What to do with a body longer than Config.MaxBodyBytes (Config.Oversize).
const (
	// OversizeDeny answers 413: what was not read cannot be vouched for,
	// and a payload placed after a long harmless prefix is the oldest WAF
	// evasion there is. The default.
	OversizeDeny = "deny"
	// OversizeScanPrefix scans the first MaxBodyBytes and lets the rest
	// through unread (for upload routes with large, trusted tails). Use
	// only where the upstream's own limits make a long body harmless; the
	// Event of a flagged request records that the body was cut.
	OversizeScanPrefix = "scan-prefix"
)

// DefaultMaxBodyBytes is the most of a request body the guard reads when
// Config.MaxBodyBytes is 0: 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// Config configures a [Guard]. The zero value is valid: the native engine
// at medium sensitivity, 1 MiB bodies, oversize bodies denied, default
// headers, no cookies, no exclusions.
type Config struct {
	// Engine is EngineNative ("native", the default when empty) or
	// EngineCRS ("crs").
	Engine string

	// Sensitivity is the native engine's sensitivity for requests no entry
	// of Routes covers. The zero value means detector.Medium.
	Sensitivity detector.Sensitivity

	// Routes sets the sensitivity (native) or anomaly threshold (crs) per
	// API or route. A Route{API: "shop"} entry covers every route of the
	// API without its own entry. Default: none.
	Routes []RouteSettings

	// MaxBodyBytes is the most of a request body read and scanned, in
	// bytes. 0 means DefaultMaxBodyBytes (1 MiB). The CRS engine's body
	// access is bounded by the same number.
	MaxBodyBytes int64

	// Oversize says what happens to a body longer than MaxBodyBytes:
	// OversizeDeny ("deny", 413, the default when empty) or
	// OversizeScanPrefix ("scan-prefix").
	Oversize string

	// Headers lists the request headers whose values are scanned (native
	// engine), by canonical name. nil means inspect.DefaultHeaders; an
	// empty, non-nil slice scans no header. The CRS engine sees every
	// header, as the CRS expects.
	Headers []string

	// Cookies makes the native engine scan cookie values. Off by default:
	// cookie values are mostly session secrets, and a false positive
	// would then put one in an Event (its snippet is always redacted).
	Cookies bool

	// SkipUnknownBodies leaves unscanned a body whose media type the
	// extractor does not parse (none, text/html, application/yaml, …). By
	// default such a body is scanned as one text value, and one that holds
	// JSON (no media type, or an unparsed one such as
	// application/octet-stream) is scanned as JSON: many upstreams decode
	// JSON whatever the Content-Type (Go's json.NewDecoder(r.Body)), and
	// leaving the header off would otherwise be a way around the guard.
	// Binary media types (image/*, …) are never scanned.
	SkipUnknownBodies bool

	// Exclusions switch detection off where it is known to misfire: a
	// route, a parameter location, a rule, or a combination. Default: none.
	Exclusions []Exclusion

	// PlanFor returns the scan plan of the request's operation, whose
	// Skip says which inputs the schema guard already constrained (an
	// enum, a format, a pattern a payload cannot match): those are not
	// scanned. nil, or a nil plan, scans everything.
	PlanFor func(*http.Request) *openapi.ScanPlan

	// CRS configures the CRS engine; ignored by the native engine.
	CRS CRSConfig

	// Limits bound the parsing of bodies and the number of inputs (native
	// engine). The zero value means inspect.DefaultLimits.
	Limits inspect.Limits
}

// RouteSettings overrides detection settings for one API or route.
type RouteSettings struct {
	// Route is the route as matched by the gateway (pipeline.RouteOf).
	// Route.API is required; an empty Route.Route covers every route of
	// the API without an entry of its own.
	Route pipeline.Route

	// Sensitivity of the native engine on this route. The zero value
	// means the guard's Config.Sensitivity.
	Sensitivity detector.Sensitivity

	// InboundThreshold of the CRS engine on this route. 0 means
	// Config.CRS.InboundThreshold.
	InboundThreshold int
}

// Exclusion switches detection off for part of the traffic. Every field
// set must match; a field left empty matches everything. An exclusion with
// only a Route switches the guard off on that route; with only Rules, it
// disables those rules everywhere.
type Exclusion struct {
	// Route limits the exclusion to an API (Route.Route empty) or one
	// route. An empty Route.API means every route.
	Route pipeline.Route

	// Location is an input location as reported in evidence: exact
	// ("body./query_text", "query.q", "header.User-Agent") or a prefix
	// ending in "*" ("body./notes/*" for everything under /notes,
	// "cookie.*" for every cookie). Header names are matched without
	// regard to case. Empty means every location.
	Location string

	// Rules are the rule ids excluded: native ids ("sqli", "xss", see
	// injection.Rules) apply to both engines (for the CRS, to the rules of
	// that attack family); CRS rule ids ("942100") apply to the CRS
	// engine. Empty means every rule.
	Rules []string
}

// CRSConfig configures the OWASP Core Rule Set engine (Config.Engine "crs").
type CRSConfig struct {
	// Paranoia is the CRS paranoia level, 1 to 4: higher levels run more
	// rules, catch more evasions and raise more false positives. 0 means
	// DefaultParanoia (1).
	Paranoia int

	// RuleFiles are SecLang files loaded after the CRS, in order: custom
	// rules (which must add to the CRS anomaly score, e.g.
	// setvar:'tx.inbound_anomaly_score_pl1=+%{tx.critical_anomaly_score}',
	// to count), SecRuleRemoveById and SecRuleUpdateTargetById tuning.
	// Relative paths are resolved against the working directory at New.
	// Default: none.
	RuleFiles []string

	// InboundThreshold is the CRS inbound anomaly score at or above which a
	// request is blocked (each matched value adds: critical 5, error 4,
	// warning 3, notice 2). 0 means DefaultInboundThreshold (5, the CRS
	// default: one critical match blocks).
	InboundThreshold int
}

// Defaults of CRSConfig.
const (
	DefaultParanoia         = 1
	DefaultInboundThreshold = 5
)
