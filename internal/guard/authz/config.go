package authz

import (
	"log/slog"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// DefaultMaxBodyBytes is the most of a request body read to check a body
// ownership rule when Config.MaxBodyBytes is 0: 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// Where an ownership parameter is read from (OwnerRule.In).
const (
	InPath  = "path"
	InQuery = "query"
	InBody  = "body"
)

// Claims with a dedicated Identity field (OwnerRule.Claim).
const (
	ClaimSubject = "sub"    // Identity.Subject
	ClaimTenant  = "tenant" // Identity.Tenant
)

// Config configures a [Guard]. The zero value is valid: no rules, default
// identity headers.
type Config struct {
	// Rules are the authorization rules, per route and method. Default: none
	// (every request passes; identity headers are still managed).
	Rules []RouteRule

	// IdentityHeaders names the headers that carry the identity to the
	// upstream. nil means DefaultIdentityHeaders().
	IdentityHeaders *IdentityHeaders

	// StripHeaders are further request headers always removed, for identity
	// headers an upstream trusts that the gateway does not set (for example
	// X-Forwarded-User or Remote-User). Default: none.
	StripHeaders []string

	// MaxBodyBytes is the most of a request body, in bytes, read to check a
	// body ownership rule; a longer body is answered 413. 0 means
	// DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
}

// RouteRule is the Rule of one route, for some or all of its methods.
type RouteRule struct {
	// Route is the route the rule applies to, as matched by the gateway
	// (pipeline.RouteOf). Route.API is required; an empty Route.Route makes
	// the rule the API's default for routes without a rule of their own.
	Route pipeline.Route

	// Methods the rule applies to (case-insensitive). Empty means every
	// method the route has no other rule for. A rule for GET also covers
	// HEAD unless HEAD has its own rule: most frameworks answer HEAD with
	// the GET handler, so a GET-only rule would be bypassed with HEAD.
	Methods []string

	Rule
}

// Rule is what a request must satisfy. Every check present applies; an
// empty Rule lets every request pass (useful to exempt one route from the
// API's default rule).
type Rule struct {
	// Scopes the identity must all hold (OAuth scope strings, exact match).
	Scopes []string

	// Roles of which the identity must hold at least one.
	Roles []string

	// AllowIPs, when not empty, admits only clients inside one of these CIDRs
	// or addresses. DenyIPs refuses clients inside any of them and wins over
	// AllowIPs. IPv4-mapped IPv6 entries (::ffff:10.0.0.0/104) are converted
	// to IPv4, as client addresses are.
	AllowIPs []string
	DenyIPs  []string

	// PathTemplate is the route's path with its parameters, for example
	// "/api/users/{user}/orders", as the client sends it (before any prefix
	// is stripped for the upstream). Required by, and only allowed with, an
	// Owner rule in the path.
	PathTemplate string

	// Owner is an object-ownership rule (OWASP API1:2023, BOLA). nil means
	// none.
	Owner *OwnerRule
}

// OwnerRule requires a request parameter to equal a claim of the identity:
// `/api/users/{user}/orders` with Param "user", In "path", Claim "sub" lets
// only alice read /api/users/alice/orders.
//
// The parameter is read the way any common upstream might read it, and
// every reading must equal the claim: all copies of a repeated query
// parameter or JSON member, case variants of their names, ";" as a query
// separator, %-decoded path segments. A ";param" in a path segment makes it
// differ from the claim.
//
// When the parameter is absent:
//   - in the path or the query, the request is refused: the upstream needs
//     the parameter to pick the object, and a request the guard cannot tie
//     to its caller must not reach it (fail closed);
//   - in the body, the request passes: a create or update without an owner
//     field is owned by the caller by the upstream's own logic, and refusing
//     it would break ordinary writes. What the rule stops is a body that
//     names someone else (mass assignment of ownership, API3:2023). Any body
//     the guard cannot read the way an upstream might is refused: a
//     Content-Type other than JSON (a form could carry the field unseen),
//     two Content-Types, anything but one well-formed JSON value. A body
//     over Config.MaxBodyBytes is answered 413, like the bodylimit guard:
//     it cannot be checked, and saying so reveals nothing about the rule.
type OwnerRule struct {
	// Param names the parameter: a PathTemplate parameter (In "path"), a
	// query parameter (In "query"), or a JSON pointer such as "/order/owner_id"
	// or a top-level member name such as "owner_id" (In "body").
	Param string

	// In is "path", "query" or "body" (a JSON request body).
	In string

	// Claim is the identity claim the parameter must equal: "sub"
	// (Identity.Subject), "tenant" (Identity.Tenant), or the name of a claim
	// in Identity.Claims, compared as a string (numbers in their shortest
	// decimal form; a list claim matches any of its elements).
	Claim string

	// OverrideScopes and OverrideRoles exempt an identity holding any of them
	// from the ownership check (administrators, support staff).
	OverrideScopes []string
	OverrideRoles  []string
}

// IdentityHeaders names the request headers that tell the upstream who the
// request acts for. An empty name means that part is not sent.
type IdentityHeaders struct {
	Subject string // Identity.Subject
	Scopes  string // Identity.Scopes, space-separated
	Roles   string // Identity.Roles, space-separated
	Method  string // Identity.Method: "api_key", "jwt", "mtls", "signature"
	Tenant  string // Identity.Tenant
}

// DefaultIdentityHeaders returns the X-Rampart-* names.
func DefaultIdentityHeaders() IdentityHeaders {
	return IdentityHeaders{
		Subject: "X-Rampart-Subject",
		Scopes:  "X-Rampart-Scopes",
		Roles:   "X-Rampart-Roles",
		Method:  "X-Rampart-Auth-Method",
		Tenant:  "X-Rampart-Tenant",
	}
}

// ReservedHeaderPrefix starts the names of headers only the gateway sets:
// every incoming header with this prefix is removed, on every route.
const ReservedHeaderPrefix = "X-Rampart-"

// Options carries the guard's collaborators.
type Options struct {
	// Logger receives a warning when an identity value cannot be forwarded
	// safely (a scope containing a space). nil discards.
	Logger *slog.Logger
}
