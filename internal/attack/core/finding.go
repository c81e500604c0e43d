package core

import (
	"fmt"
	"strings"
)

// Severity ranks a finding; --fail-on compares against it.
type Severity int

// Severities, lowest first.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name (case-insensitive).
func ParseSeverity(v string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(v, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", v, strings.Join(severityNames[:], ", "))
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Confidence says how sure a finding is; the reason says why.
type Confidence string

// Confidence levels. Only confirmed and firm findings fail a build by
// default; the simulator reports only what it can prove, so tentative is
// reserved for observations (a missing header) rather than guesses.
const (
	Confirmed Confidence = "confirmed" // proven by an independent second probe and a control
	Firm      Confidence = "firm"      // proven by one response that cannot be explained otherwise
	Tentative Confidence = "tentative" // an observation worth a look
)

// Stage is one step of the attack chain; stages run in the order of Stages.
type Stage string

// The attack chain.
const (
	StageRecon     Stage = "recon"
	StageDiscovery Stage = "discovery"
	StageAuthn     Stage = "authentication"
	StageRateLimit Stage = "ratelimit"
	StageAuthz     Stage = "authorization"
	StageInjection Stage = "injection"
	StageResource  Stage = "resource"
	StageTransport Stage = "transport"
	StageExposure  Stage = "exposure"
)

// Stages lists the chain in run order.
var Stages = []Stage{StageRecon, StageDiscovery, StageAuthn, StageRateLimit, StageAuthz,
	StageInjection, StageResource, StageTransport, StageExposure}

// Finding is one proven weakness.
type Finding struct {
	ID               string     `json:"id"`    // unique in a report; set by Scan.Report
	Check            string     `json:"check"` // the check's id, e.g. "authz.bola"
	Title            string     `json:"title"`
	OWASP            string     `json:"owasp"` // OWASP API Security Top 10 2023 id, e.g. "API1:2023"
	CWE              int        `json:"cwe"`
	Severity         Severity   `json:"severity"`
	Confidence       Confidence `json:"confidence"`
	ConfidenceReason string     `json:"confidence_reason"`
	Endpoint         string     `json:"endpoint,omitempty"`  // "GET /api/items/{id}"; empty for the whole target
	Parameter        string     `json:"parameter,omitempty"` // "query.q", "body./role"
	Description      string     `json:"description"`
	Evidence         []Exchange `json:"evidence"`
	Curl             string     `json:"curl"`        // reproduces the first evidence request; secrets as $RAMPART_TOKEN_<PROFILE>
	Remediation      string     `json:"remediation"` // names the Rampart config that stops it
}

// OWASP API Security Top 10 2023 ids.
const (
	API1BOLA         = "API1:2023"  // Broken Object Level Authorization
	API2Authn        = "API2:2023"  // Broken Authentication
	API3Property     = "API3:2023"  // Broken Object Property Level Authorization
	API4Resources    = "API4:2023"  // Unrestricted Resource Consumption
	API5BFLA         = "API5:2023"  // Broken Function Level Authorization
	API6Flows        = "API6:2023"  // Unrestricted Access to Sensitive Business Flows
	API7SSRF         = "API7:2023"  // Server Side Request Forgery
	API8Misconfig    = "API8:2023"  // Security Misconfiguration
	API9Inventory    = "API9:2023"  // Improper Inventory Management
	API10Consumption = "API10:2023" // Unsafe Consumption of APIs
	// APIInjection: the 2023 API list has no injection category of its
	// own; OWASP files injection flaws under Security Misconfiguration.
	APIInjection = API8Misconfig
)

// OWASPTitles names each category for reports.
var OWASPTitles = map[string]string{
	API1BOLA:         "Broken Object Level Authorization",
	API2Authn:        "Broken Authentication",
	API3Property:     "Broken Object Property Level Authorization",
	API4Resources:    "Unrestricted Resource Consumption",
	API5BFLA:         "Broken Function Level Authorization",
	API6Flows:        "Unrestricted Access to Sensitive Business Flows",
	API7SSRF:         "Server Side Request Forgery",
	API8Misconfig:    "Security Misconfiguration",
	API9Inventory:    "Improper Inventory Management",
	API10Consumption: "Unsafe Consumption of APIs",
}

// Exchange is one request/response pair kept as evidence, secrets redacted.
type Exchange struct {
	Note     string        `json:"note,omitempty"`
	Request  HTTPRequest   `json:"request"`
	Response *HTTPResponse `json:"response,omitempty"` // nil when the request failed
	Error    string        `json:"error,omitempty"`
}

// HTTPRequest is a recorded request.
type HTTPRequest struct {
	Method  string              `json:"method"`
	URL     string              `json:"url"`
	Header  map[string][]string `json:"header,omitempty"`
	Body    string              `json:"body,omitempty"`
	Profile string              `json:"profile,omitempty"` // the auth profile it was sent as
}

// HTTPResponse is a recorded response; the body is cut at MaxEvidenceBody.
type HTTPResponse struct {
	Status     int                 `json:"status"`
	Header     map[string][]string `json:"header,omitempty"`
	Body       string              `json:"body,omitempty"`
	Truncated  bool                `json:"truncated,omitempty"`
	DurationMS float64             `json:"duration_ms"`
}

// MaxEvidenceBody bounds the response body kept in evidence.
const MaxEvidenceBody = 4096

// CoverageStatus says what happened to one endpoint × check pair.
type CoverageStatus string

// Coverage states.
const (
	Tested     CoverageStatus = "tested"
	Skipped    CoverageStatus = "skipped"     // with the reason: auth failed, no id parameter, unsafe method, out of budget
	NotReached CoverageStatus = "not_reached" // the scan ended (budget, duration, error) before it got there
	Invalid    CoverageStatus = "invalid"     // tested, but the auth canary later showed the profile had stopped working
)

// Coverage is one ledger row.
type Coverage struct {
	Endpoint string         `json:"endpoint"` // "GET /api/items/{id}", or "*" for target-wide checks
	Check    string         `json:"check"`
	Status   CoverageStatus `json:"status"`
	Reason   string         `json:"reason,omitempty"`
	// Profiles are the auth profiles the result depends on: when one of them
	// later fails its canary, a tested row turns invalid.
	Profiles []string `json:"profiles,omitempty"`
}
