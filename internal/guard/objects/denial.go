package objects

import (
	"net/http"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Denial.Rule values. They reach the log, the Outcome and the Event, never
// the client.
const (
	// RuleNotServed: the id was never served to the subject (or no longer
	// is: its mark expired).
	RuleNotServed = "object_not_served"
	// RuleNoSubject: the identity has no subject to tie objects to.
	RuleNoSubject = "object_no_subject"
	// RuleStoreError: the store failed and the guard fails closed.
	RuleStoreError = "store_error"
)

// CategoryBOLA is the OWASP API Security Top 10 2023 category of the
// denials: broken object level authorization.
const CategoryBOLA = "API1:2023"

// PublicMessage is the detail of every 403, the same as the authz guard's:
// a client probing ids learns nothing from which guard or check refused.
const PublicMessage = "Access denied."

// storeRetry is the Retry-After of a 503 while the store fails.
const storeRetry = 5 * time.Second

// forbidden builds the uniform 403. cause is for the log only.
func forbidden(rule string, cause error) *pipeline.Denial {
	return &pipeline.Denial{
		Status:        http.StatusForbidden,
		Code:          "forbidden",
		PublicMessage: PublicMessage,
		Rule:          rule,
		Category:      CategoryBOLA,
		Severity:      pipeline.SeverityHigh,
		Cause:         cause,
	}
}

// unavailable builds the 503 of a failed store in FailClosed mode.
func unavailable(suppressEvent bool, cause error) *pipeline.Denial {
	return &pipeline.Denial{
		Status:        http.StatusServiceUnavailable,
		Code:          "unavailable",
		PublicMessage: "The service is temporarily unavailable.",
		Rule:          RuleStoreError,
		RetryAfter:    storeRetry,
		Severity:      pipeline.SeverityMedium,
		SuppressEvent: suppressEvent,
		Cause:         cause,
	}
}
