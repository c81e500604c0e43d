package authz

import (
	"net/http"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Denial.Rule values: which check refused the request. They reach the log,
// the Outcome and the Event, never the client.
const (
	RuleIPDenied        = "ip_denied"        // client inside DenyIPs
	RuleIPNotAllowed    = "ip_not_allowed"   // client outside AllowIPs
	RuleIPUnknown       = "ip_unknown"       // no client address to check an IP list against
	RuleNoIdentity      = "no_identity"      // the rule needs an identity and none was established
	RuleMissingScope    = "missing_scope"    // a required scope is missing
	RuleMissingRole     = "missing_role"     // none of the roles is held
	RuleNotOwner        = "not_owner"        // the object belongs to someone else (or cannot be shown to be the caller's)
	RuleInvalidIdentity = "invalid_identity" // the identity cannot be forwarded in a header unchanged
	RuleBodyTooLarge    = "owner_body_too_large"
	RuleBodyUnreadable  = "owner_body_unreadable"
)

// OWASP API Security Top 10 2023 categories of the denials.
const (
	CategoryBOLA = "API1:2023" // broken object level authorization
	CategoryBFLA = "API5:2023" // broken function level authorization
)

// PublicMessage is the detail of every 403: the client never learns which
// check failed (an attacker probing for a way in learns nothing from the
// difference between a missing scope and a foreign object).
const PublicMessage = "Access denied."

// forbidden builds the uniform 403. cause is for the log only.
func forbidden(rule, category string, severity pipeline.Severity, cause error) *pipeline.Denial {
	return &pipeline.Denial{
		Status:        http.StatusForbidden,
		Code:          "forbidden",
		PublicMessage: PublicMessage,
		Rule:          rule,
		Category:      category,
		Severity:      severity,
		Cause:         cause,
	}
}
