package pipeline

import (
	"fmt"
	"net/http"
	"time"
)

// Denial is the one way a guard blocks a request. The Chain turns it into a
// problem+json response; only PublicMessage and Code reach the client, Cause
// is for logs (internal error text never reaches a client, CWE-209).
type Denial struct {
	// Status is the HTTP status to answer with (4xx or 5xx).
	Status int
	// Code is a short machine-readable reason ("rate_limited", "body_too_large").
	Code string
	// PublicMessage is the client-facing detail. Keep it free of internals.
	PublicMessage string
	// Guard names the guard that denied; the Chain fills it when empty.
	Guard string
	// Rule identifies the rule inside the guard, for metrics and exclusions.
	Rule string
	// RetryAfter, when positive, is sent as a Retry-After header in seconds.
	RetryAfter time.Duration
	// Severity and Category (an OWASP API Top 10 2023 id such as "API4:2023")
	// are copied to the denial's Event; empty means medium and uncategorised.
	Severity Severity
	Category string
	// Header holds extra response headers (e.g. RateLimit-Policy).
	Header http.Header
	// SuppressEvent asks the Chain not to emit a "denial" Event for this
	// denial; it is still recorded on the Outcome. A guard that denies a
	// flood (rate limits, bans) sets it on every denial but the first per
	// key and window, so that a flood of requests does not become a flood
	// of Events at the sinks and the detector.
	SuppressEvent bool
	// Evidence is copied to the denial's Event (never to the client): where
	// the match was ("query.q", "body./user/name"), a redacted snippet, the
	// CWE. Keep values short and free of secrets.
	Evidence map[string]string
	// Monitor asks the Chain to treat this one denial as monitored: recorded
	// (Outcome verdict "flagged", a monitored Event) and the request goes
	// on, as if the guard's stage were in Monitor mode. A guard whose modes
	// are finer than its stage (per API operation) sets it.
	Monitor bool
	// Cause is the private reason, logged and never sent.
	Cause error
}

// Error describes the denial for logs; it includes the private cause.
func (d *Denial) Error() string {
	if d.Cause != nil {
		return fmt.Sprintf("%s/%s: %d %s: %v", d.Guard, d.Rule, d.Status, d.Code, d.Cause)
	}
	return fmt.Sprintf("%s/%s: %d %s", d.Guard, d.Rule, d.Status, d.Code)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (d *Denial) Unwrap() error { return d.Cause }

// Mode says what a guard's denial does.
type Mode uint8

const (
	// Enforce blocks the request with the denial's response.
	Enforce Mode = iota
	// Monitor records the denial (Outcome verdict "flagged", an Event) and lets
	// the request pass, so a new rule can be tried on live traffic first.
	Monitor
)

// String returns "enforce" or "monitor".
func (m Mode) String() string {
	if m == Monitor {
		return "monitor"
	}
	return "enforce"
}

// ParseMode parses "enforce", "monitor" or "" (enforce).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "enforce":
		return Enforce, nil
	case "monitor":
		return Monitor, nil
	}
	return Enforce, fmt.Errorf("unknown mode %q (want enforce or monitor)", s)
}
