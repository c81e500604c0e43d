package authn

import (
	"errors"
	"net/http"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Every authentication failure is answered alike: 401, this code and this
// message, whatever went wrong. Telling a client which check failed (an
// unknown key id, an expired token, a bad signature) helps an attacker
// probe; the Rule and Cause say it to logs and events only.
const (
	deniedCode    = "unauthenticated"
	deniedMessage = "Authentication required."
	// category is OWASP API2:2023, Broken Authentication.
	category = "API2:2023"
)

// Rules name why a request was refused (Denial.Rule), for logs, events,
// metrics and exclusions.
const (
	RuleMissing         = "authn_missing"
	RuleAmbiguous       = "authn_ambiguous"
	RuleSubjectMismatch = "authn_subject_mismatch"
	RuleSubjectRevoked  = "subject_revoked"

	RuleAPIKeyMalformed = "apikey_malformed"
	RuleAPIKeyUnknown   = "apikey_unknown"
	RuleAPIKeyInvalid   = "apikey_invalid"
	RuleAPIKeyExpired   = "apikey_expired"
	RuleAPIKeyDisabled  = "apikey_disabled"

	RuleJWTMalformed       = "jwt_malformed"
	RuleJWTAlgNone         = "jwt_alg_none"
	RuleJWTAlgNotAllowed   = "jwt_alg_not_allowed"
	RuleJWTKeyMismatch     = "jwt_key_mismatch"
	RuleJWTUnknownIssuer   = "jwt_unknown_issuer"
	RuleJWTUnknownKID      = "jwt_unknown_kid"
	RuleJWTKeysUnavailable = "jwt_keys_unavailable"
	RuleJWTSignature       = "jwt_signature_invalid"
	RuleJWTExpired         = "jwt_expired"
	RuleJWTNotYetValid     = "jwt_not_yet_valid"
	RuleJWTIssuedInFuture  = "jwt_issued_in_future"
	RuleJWTTooOld          = "jwt_too_old"
	RuleJWTAudience        = "jwt_wrong_audience"
	RuleJWTClaimMissing    = "jwt_claim_missing"
	RuleJWTRevoked         = "jwt_revoked"

	RuleMTLSUntrusted         = "mtls_untrusted"
	RuleMTLSNoSubject         = "mtls_no_subject"
	RuleMTLSSubjectNotAllowed = "mtls_subject_not_allowed"

	RuleSignatureMalformed        = "signature_malformed"
	RuleSignatureUnknownKey       = "signature_unknown_key"
	RuleSignatureMissingComponent = "signature_missing_component"
	RuleSignatureMissingParam     = "signature_missing_param"
	RuleSignatureStale            = "signature_stale"
	RuleSignatureExpired          = "signature_expired"
	RuleSignatureAlgMismatch      = "signature_alg_mismatch"
	RuleSignatureTagMismatch      = "signature_tag_mismatch"
	RuleSignatureInvalid          = "signature_invalid"
	RuleSignatureDigestMismatch   = "signature_digest_mismatch"
	RuleSignatureBodyTooLarge     = "signature_body_too_large"
	RuleSignatureReplay           = "signature_replay"
)

// severityOf ranks rules for SIEMs: forgery and confusion attempts are
// high, stale or missing credentials low, the rest medium.
func severityOf(rule string) pipeline.Severity {
	switch rule {
	case RuleSubjectRevoked, RuleSubjectMismatch, RuleAPIKeyInvalid,
		RuleJWTAlgNone, RuleJWTAlgNotAllowed, RuleJWTKeyMismatch, RuleJWTSignature, RuleJWTRevoked,
		RuleMTLSUntrusted,
		RuleSignatureInvalid, RuleSignatureDigestMismatch, RuleSignatureReplay, RuleSignatureAlgMismatch:
		return pipeline.SeverityHigh
	case RuleMissing, RuleAPIKeyExpired, RuleJWTExpired, RuleJWTNotYetValid, RuleJWTTooOld,
		RuleSignatureStale, RuleSignatureExpired:
		return pipeline.SeverityLow
	}
	return pipeline.SeverityMedium
}

// failure is why one method refused a request. internal is set instead of
// rule when the guard could not decide (a store failed).
type failure struct {
	rule     string
	cause    error
	internal error
	// status overrides 401 (413 for a body too large to verify), with
	// header as the response headers.
	status int
	header http.Header
}

func fail(rule string, cause error) *failure { return &failure{rule: rule, cause: cause} }

func failf(rule, cause string) *failure { return &failure{rule: rule, cause: errors.New(cause)} }

// denial turns f into the guard's error: a uniform 401 Denial, a 413, or a
// plain error the Chain answers with 500.
func (g *Guard) denial(f *failure) error {
	if f.internal != nil {
		return f.internal
	}
	if f.status == http.StatusRequestEntityTooLarge {
		return &pipeline.Denial{Status: f.status, Code: "body_too_large", PublicMessage: "The request body is too large.",
			Rule: f.rule, Category: "API4:2023", Cause: f.cause, Header: f.header}
	}
	return &pipeline.Denial{
		Status:        http.StatusUnauthorized,
		Code:          deniedCode,
		PublicMessage: deniedMessage,
		Rule:          f.rule,
		Severity:      severityOf(f.rule),
		Category:      category,
		Header:        g.challenge,
		Cause:         f.cause,
	}
}
