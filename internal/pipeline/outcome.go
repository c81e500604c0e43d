package pipeline

import (
	"net/netip"
	"time"
)

// Verdict summarises what the gateway did with a request.
type Verdict string

const (
	// VerdictAllowed: every guard passed and the request was proxied.
	VerdictAllowed Verdict = "allowed"
	// VerdictDenied: an enforcing guard blocked the request.
	VerdictDenied Verdict = "denied"
	// VerdictFlagged: only monitoring guards objected; the request was proxied.
	VerdictFlagged Verdict = "flagged"
	// VerdictError: the gateway failed (panic, internal error, upstream failure).
	VerdictError Verdict = "error"
)

// Identity is who a request acts for, set by authentication guards.
type Identity struct {
	// Subject is the principal (JWT sub, API key owner, certificate subject).
	Subject string
	// KeyID identifies the credential (API key id, JWT kid) without revealing it.
	KeyID string
	// Method is how the identity was established: "api_key", "jwt", "mtls", "signature".
	Method string
	// Tenant is the customer or organisation the subject belongs to.
	Tenant string
	// Scopes and Roles drive authorization.
	Scopes []string
	Roles  []string
	// Claims holds further verified claims for ownership rules and limits.
	Claims map[string]any
}

// Route names the API and route a request matched.
type Route struct {
	// API is the configured API name; Route the route name inside it.
	API, Route string
}

// Outcome is the one record every request leaves. Sinks receive a pointer
// that is valid only during the call: copy what you keep.
type Outcome struct {
	RequestID string
	Time      time.Time
	Client    netip.Addr
	Identity  *Identity
	Route     Route
	Method    string
	Host      string
	Path      string
	UserAgent string
	Status    int
	Verdict   Verdict
	// Denials lists every denial, enforced or monitored, in guard order.
	Denials []Denial
	// Latency is the whole time spent in the gateway, upstream included.
	Latency time.Duration
	// Upstream is the time spent waiting for the upstream (zero when not proxied).
	Upstream time.Duration
	BytesIn  int64
	BytesOut int64
}

// GatewayOverhead is the latency the gateway itself added.
func (o *Outcome) GatewayOverhead() time.Duration {
	if d := o.Latency - o.Upstream; d > 0 {
		return d
	}
	return 0
}

// Severity ranks Events for SIEMs.
type Severity string

const (
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Event is a security observation: a denial, a detection, an incident, a ban.
type Event struct {
	Time      time.Time
	RequestID string
	// Kind is a short dotted name: "denial", "panic", "config.reload", "ban".
	Kind     string
	Severity Severity
	// Category is the OWASP API Security Top 10 2023 id ("API4:2023") when one fits.
	Category string
	Guard    string
	Rule     string
	// Actor is the client the event is about.
	Client   netip.Addr
	Subject  string
	Route    Route
	Method   string
	Path     string
	Message  string
	Monitor  bool
	Evidence map[string]string
}

// OutcomeSink receives every request's Outcome after its response is written.
// Implementations must be safe for concurrent use and must not block for long.
type OutcomeSink interface {
	WriteOutcome(o *Outcome)
}

// EventSink receives security Events. Same rules as OutcomeSink.
type EventSink interface {
	WriteEvent(e *Event)
}
