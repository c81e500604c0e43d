// Package authz authorizes requests after authentication: scopes and roles
// per route and method (OWASP API5:2023, broken function level
// authorization), client IP allow and deny lists, and object-ownership rules
// against BOLA (OWASP API1:2023). It also owns the identity headers that
// tell the upstream who a request acts for.
//
// # Rules
//
// One [Guard] serves the whole gateway. Each [RouteRule] binds a [Rule] to a
// route ([pipeline.Route], as recorded by route matching) and some or all of
// its methods. The most specific rule wins: the route's rule for the
// method, the route's rule for any method, then the API's default rule
// (Route "") the same way. A GET rule also covers HEAD, methods match
// case-insensitively, and a request that asks for another method through
// X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override or a "_method"
// query parameter must pass that method's rule too: frameworks route on
// all of these, so each would otherwise bypass a rule (OWASP API5:2023).
// A request no rule covers passes.
//
// A Rule's checks run cheapest first and all must pass:
//
//   - DenyIPs / AllowIPs against [pipeline.ClientIP] (deny wins);
//   - an Identity ([pipeline.IdentityOf]) whenever Scopes, Roles or Owner
//     is set; none fails closed with 403 (the authn guard, earlier in the
//     chain, normally answers 401 first);
//   - all Scopes, any one of Roles;
//   - Owner: a path segment (by PathTemplate), query parameter or JSON body
//     field (by JSON pointer) must equal an identity claim, unless the
//     identity holds an override scope or role.
//
// Every refusal is the same 403 problem ("forbidden", [PublicMessage]): the
// client never learns which check failed. The Denial's Rule (RuleMissingScope,
// RuleNotOwner, ...), Category, Severity and Cause tell the log, the Outcome
// and the Event. Ownership parameters are read the way an upstream might
// read them (duplicates, case variants, ";" separators, %-encoding) and the
// check must hold for every reading; what cannot be read fails closed.
// The two exceptions, with their reasons, are documented on [OwnerRule]: an
// absent body field passes, and a body too large to check is answered 413.
//
// # Identity headers
//
// On every request, on every route, Check first deletes incoming headers
// the upstream could take for an identity header: every "X-Rampart-*"
// header, the configured [IdentityHeaders] names and Config.StripHeaders,
// also when spelt with "_" for "-" (CGI-style servers merge them), and
// removes those names from Connection (which would make the proxy delete
// the real ones). Then, when the request has an Identity, it sets the
// configured headers: subject, scopes and roles space-separated, auth
// method, tenant. A subject, method or tenant with a control character or
// edge space is refused (403 RuleInvalidIdentity) rather than altered; a
// scope or role that is not printable ASCII without spaces is left out.
// The guard must therefore be in every proxied route's chain, after authn.
//
// Usage:
//
//	az, err := authz.New(authz.Config{
//		Rules: []authz.RouteRule{
//			{Route: pipeline.Route{API: "shop", Route: "admin"},
//				Rule: authz.Rule{Roles: []string{"admin"}, AllowIPs: []string{"10.0.0.0/8"}}},
//			{Route: pipeline.Route{API: "shop", Route: "orders"}, Methods: []string{"GET"},
//				Rule: authz.Rule{
//					Scopes:       []string{"orders:read"},
//					PathTemplate: "/api/users/{user}/orders",
//					Owner: &authz.OwnerRule{Param: "user", In: authz.InPath, Claim: authz.ClaimSubject,
//						OverrideScopes: []string{"orders:admin"}},
//				}},
//		},
//	}, authz.Options{Logger: logger})
//	if err != nil { ... }
//	stages := []pipeline.Stage{..., {Guard: authn}, {Guard: az}, ...}
package authz
